"""Progress lines during long steps and the plain end-of-run table."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence, TextIO

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


def format_size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - loop always returns


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s"


class Reporter:
    """Writes timestamped progress lines, flushed at once so that CI logs
    show where a long build is. Safe to share between threads: a line or a
    block is written whole (cells' tests run in threads, see release.py)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        prefix: str = "release",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.prefix = prefix
        self.clock = clock
        self.start = clock()
        self._lock = threading.RLock()

    def line(self, message: str) -> None:
        with self._lock:
            elapsed = format_duration(self.clock() - self.start)
            self.stream.write(f"[{self.prefix} +{elapsed}] {message}\n")
            self.stream.flush()

    def block(self, title: str, lines: Sequence[str]) -> None:
        with self._lock:
            self.line(title)
            for text in lines:
                self.stream.write(f"    {text}\n")
            self.stream.flush()


@dataclass(frozen=True)
class Row:
    python: str  # "3.12.1" or "3.12" when not found
    build: str  # "Release"
    tests: str  # "42 passed", "3 failed / 39 passed", "skipped: ..."
    artifact: str  # released file name or "-"
    size: int | None
    seconds: float | None
    status: str  # OK, FAILED or SKIPPED
    # Which Orthanc the tests ran against (orthanc_releases.py); the columns
    # appear when a row has them.
    where: str | None = None  # "bookworm host", "trixie root"
    orthanc: str | None = None  # "1.12.7"; "-" for a build-only cell
    sdk: str | None = None  # version of the SDK header built against


HEADERS = ("Python", "Build", "Tests", "Artifact", "Size", "Time", "Status")
TARGET_HEADERS = ("Debian", "Orthanc", "SDK")
MAX_CELL = 72  # longer reasons are clipped; the caller prints them in full below


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."


def format_table(rows: Sequence[Row]) -> str:
    targets = any(r.where or r.orthanc or r.sdk for r in rows)
    headers = HEADERS[:2] + TARGET_HEADERS + HEADERS[2:] if targets else HEADERS
    cells: list[Sequence[str]] = [headers]
    for r in rows:
        extra = (r.where or "-", r.orthanc or "-", r.sdk or "-") if targets else ()
        cells.append(
            (
                r.python,
                r.build,
                *extra,
                _clip(r.tests),
                r.artifact,
                format_size(r.size),
                format_duration(r.seconds),
                r.status.upper(),
            )
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(text.ljust(widths[i]) for i, text in enumerate(row)).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    failed = sum(r.status == FAILED for r in rows)
    passed = sum(r.status == OK for r in rows)
    skipped = sum(r.status == SKIPPED for r in rows)
    lines.append("")
    lines.append(f"{passed} ok, {failed} failed, {skipped} skipped")
    return "\n".join(lines)


def exit_code(rows: Sequence[Row]) -> int:
    """Non-zero when any cell failed, or when nothing at all ran."""
    if any(r.status == FAILED for r in rows):
        return 1
    return 0 if any(r.status == OK for r in rows) else 1
