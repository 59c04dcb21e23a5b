"""Speed bench of the release toolchain: a clean matrix under 10 min, a rebuild after a one-line change under 60 s.

1. ``git archive HEAD`` into a temporary folder (the user's tree and build/
   stay untouched) and run the whole matrix there from clean: discovery,
   build and integration tests of every Python found, timed end to end.
2. A one-line change in one C++ file of the copy (a new definition with a
   unique string literal, so that neither ccache nor the compiler can skip
   it), then every cell rebuilds, timed.
3. Both figures against the targets (10 min, 60 s), the code-generation
   check (``codegen: generated`` once, ``codegen: cache hit`` for the other
   cells, read from the build logs), build/speed/results.json; the return
   code is non-zero when anything fails.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import cells as cell_runs
from . import release
from .matrix import cells_for
from .naming import detect_platform
from .report import OK, Reporter, format_duration
from .version import read_version

MATRIX_TARGET_SECONDS = 600.0
REBUILD_TARGET_SECONDS = 60.0
# Includes the Python headers (through Convert.h): its preprocessed text
# differs per Python, so every cell really compiles it. src/Json.cpp does not:
# ccache then compiles it once and serves the 5 other cells the same object.
EDITED_FILE = "src/Convert.cpp"
MARKER_NAME = "orthanc_speed_bench_marker"

_GENERATED = re.compile(r"^codegen: generated\b", re.MULTILINE)
_CACHE_HIT = re.compile(r"^codegen: cache hit\b", re.MULTILINE)


# --- pure parts ------------------------------------------------------------


def one_line_edit(text: str, token: str) -> str:
    """``text`` with one line appended: an external definition holding
    ``token`` in a string literal. A comment would leave the preprocessed
    source unchanged (ccache's preprocessed mode would hit); this changes
    the object file, and the declaration before it keeps -Wall -Wextra quiet."""
    if not re.fullmatch(r"[A-Za-z0-9_.:+-]+", token):
        raise ValueError(f"token must be a plain word, not {token!r}")
    line = (
        f'extern const char {MARKER_NAME}[]; '
        f'const char {MARKER_NAME}[] = "speed-bench {token}";'
    )
    if not text.endswith("\n"):
        text += "\n"
    return text + line + "\n"


@dataclass(frozen=True)
class CodegenCheck:
    generated: int  # cells whose build log says "codegen: generated"
    cache_hits: int
    silent: list[str]  # cells whose log has neither line (codegen did not run)
    cells: int

    @property
    def ok(self) -> bool:
        return self.generated == 1 and self.cache_hits == self.cells - 1

    def summary(self) -> str:
        text = f"codegen generated {self.generated}x, cache hit {self.cache_hits}x over {self.cells} cells"
        if self.silent:
            text += f" (no codegen line in: {', '.join(self.silent)})"
        return text


def check_codegen(logs: Mapping[str, str]) -> CodegenCheck:
    """``logs``: cell name -> build log text (of the clean run)."""
    generated = hits = 0
    silent = []
    for name, text in logs.items():
        g = len(_GENERATED.findall(text))
        h = len(_CACHE_HIT.findall(text))
        generated += g
        hits += h
        if g + h == 0:
            silent.append(name)
    return CodegenCheck(generated, hits, silent, len(logs))


def parse_ccache_stats(text: str) -> dict[str, int]:
    """``ccache --print-stats`` output (``key<TAB>value`` lines)."""
    stats = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[1].strip().lstrip("-").isdigit():
            stats[parts[0].strip()] = int(parts[1])
    return stats


def ccache_delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Hits and misses between two snapshots (ccache is machine-wide:
    other jobs compiling at the same time are counted too)."""
    def get(stats: Mapping[str, int], *keys: str) -> int:
        return sum(stats.get(k, 0) for k in keys)

    hit_keys = ("direct_cache_hit", "preprocessed_cache_hit")
    return {
        "hits": get(after, *hit_keys) - get(before, *hit_keys),
        "misses": get(after, "cache_miss") - get(before, "cache_miss"),
    }


def ccache_words(delta: Mapping[str, int] | None) -> str:
    if delta is None:
        return "ccache not used"
    hits, misses = delta.get("hits", 0), delta.get("misses", 0)
    total = hits + misses
    if total == 0:
        return "ccache: no compilation"
    warmth = "warm" if hits and hits >= misses else ("cold" if not hits else "partly warm")
    return f"ccache {warmth} ({hits} hits, {misses} misses)"


@dataclass
class Figure:
    name: str
    seconds: float | None  # None: not measured (an earlier step failed)
    target: float
    ok: bool = True  # the step itself succeeded (builds, tests)
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.ok and self.seconds is not None and self.seconds <= self.target


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def figure_line(f: Figure) -> str:
    measured = format_duration(f.seconds) if f.seconds is not None else "not measured"
    text = f"{verdict(f.passed)}  {f.name}: {measured} (target <= {format_duration(f.target)})"
    if not f.ok:
        text += " - step failed"
    if f.detail:
        text += f"; {f.detail}"
    return text


@dataclass
class BenchResult:
    figures: list[Figure]
    codegen: CodegenCheck | None
    load_before: tuple[float, float, float] | None = None
    load_after: tuple[float, float, float] | None = None
    cores: int | None = None
    cells: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.figures) and bool(self.codegen and self.codegen.ok)

    def lines(self) -> list[str]:
        out = [figure_line(f) for f in self.figures]
        if self.codegen is None:
            out.append("FAIL  code generation: not checked (no build log)")
        else:
            out.append(f"{verdict(self.codegen.ok)}  code generation once per header: {self.codegen.summary()}")
        if self.load_before or self.load_after:

            def fmt(t: tuple[float, float, float] | None) -> str:
                return "/".join(f"{x:.2f}" for x in t) if t else "?"

            out.append(
                f"load average (1/5/15 min) before {fmt(self.load_before)}, after {fmt(self.load_after)}"
                f" on {self.cores or '?'} cores: figures are noisy when other jobs run"
            )
        out += self.notes
        out.append(f"speed: {verdict(self.passed)}")
        return out

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "figures": [
                {**asdict(f), "passed": f.passed} for f in self.figures
            ],
            "codegen": None if self.codegen is None else {**asdict(self.codegen), "ok": self.codegen.ok},
            "load_before": self.load_before,
            "load_after": self.load_after,
            "cores": self.cores,
            "cells": self.cells,
            "notes": self.notes,
        }


def cell_breakdown(outcomes: Sequence[cell_runs.CellOutcome]) -> list[dict]:
    """Per cell: build, venv (creation + pip, what is left), tests seconds."""
    rows = []
    for o in outcomes:
        build = o.build.seconds if o.build else 0.0
        tests = o.tests.seconds if o.tests else 0.0
        rows.append(
            {
                "cell": o.cell.name,
                "status": o.status,
                "total": round(o.seconds, 1),
                "build": round(build, 1),
                "tests": round(tests, 1),
                "venv_and_other": round(max(o.seconds - build - tests, 0.0), 1),
            }
        )
    return rows


def breakdown_lines(rows: Sequence[dict]) -> list[str]:
    out = [f"{'cell':<16} {'build':>7} {'venv':>7} {'tests':>7} {'total':>7}  status"]
    for r in rows:
        out.append(
            f"{r['cell']:<16} {format_duration(r['build']):>7} {format_duration(r['venv_and_other']):>7} "
            f"{format_duration(r['tests']):>7} {format_duration(r['total']):>7}  {r['status']}"
        )
    if rows:
        sums = {k: sum(r[k] for r in rows) for k in ("build", "venv_and_other", "tests", "total")}
        out.append(
            f"{'sum':<16} {format_duration(sums['build']):>7} {format_duration(sums['venv_and_other']):>7} "
            f"{format_duration(sums['tests']):>7} {format_duration(sums['total']):>7}"
        )
    return out


# --- side effects ----------------------------------------------------------


def export_tree(root: Path, dest: Path, run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> None:
    """The committed tree (HEAD) into ``dest``; uncommitted changes are not part of it."""
    out = run(["git", "-C", str(root), "archive", "--format=tar", "HEAD"], capture_output=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"git archive HEAD failed: {out.stderr.decode(errors='replace').strip()}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        tar.extractall(dest)


def ccache_snapshot() -> dict[str, int] | None:
    if not shutil.which("ccache"):
        return None
    out = subprocess.run(["ccache", "--print-stats"], capture_output=True, text=True, check=False)
    return parse_ccache_stats(out.stdout) if out.returncode == 0 else None


def _load() -> tuple[float, float, float] | None:
    try:
        return os.getloadavg()
    except (OSError, AttributeError):
        return None


def _read(path: Path | None) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path else ""
    except OSError:
        return ""


def run_speed_bench(
    root: Path,
    tools_python: str,
    reporter: Reporter,
    versions: Sequence[str] | None = None,
    keep: bool = False,
    workdir: Path | None = None,
    edited_file: str = EDITED_FILE,
) -> int:
    root = Path(root)
    out_dir = root / "build" / "speed"
    load_before = _load()
    copy = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="orthanc-speed-"))
    figures: list[Figure] = []
    codegen: CodegenCheck | None = None
    notes: list[str] = []
    rows: list[dict] = []
    try:
        export_tree(root, copy)
        reporter.line(f"speed: HEAD exported to {copy} (no build/, no venvs)")
        version = read_version(copy)

        # 1. clean matrix, end to end
        cc0 = ccache_snapshot()
        started = time.monotonic()
        found = release.find_pythons(reporter)
        cells = cells_for(found.pythons, ["Release"], detect_platform(), versions)
        outcomes = cell_runs.run_cells(cells, copy, tools_python, reporter, test=True)
        matrix_seconds = time.monotonic() - started
        release.print_summary(outcomes, version, reporter)
        cc1 = ccache_snapshot()
        runnable = [o for o in outcomes if o.cell.runnable]
        matrix_ok = bool(runnable) and all(o.status == OK for o in runnable)
        d1 = ccache_delta(cc0, cc1) if cc0 is not None and cc1 is not None else None
        figures.append(
            Figure(f"clean matrix ({len(runnable)} Pythons, build + integration tests)",
                   matrix_seconds, MATRIX_TARGET_SECONDS, matrix_ok, ccache_words(d1))
        )
        rows = cell_breakdown(outcomes)
        reporter.block("speed: where the clean matrix time went:", breakdown_lines(rows))
        codegen = check_codegen(
            {o.cell.name: _read(o.build.log if o.build else None) for o in runnable}
        )

        # 2. one-line change in one C++ file, rebuild every cell
        edited = copy / edited_file
        edited.write_text(one_line_edit(edited.read_text(encoding="utf-8"), f"{time.time():.6f}"), encoding="utf-8")
        reporter.line(f"speed: one line appended to {edited_file}; rebuilding {len(runnable)} cells")
        started = time.monotonic()
        rebuilt = cell_runs.run_cells([o.cell for o in runnable], copy, tools_python, reporter, test=False)
        rebuild_seconds = time.monotonic() - started
        cc2 = ccache_snapshot()
        d2 = ccache_delta(cc1, cc2) if cc1 is not None and cc2 is not None else None
        rebuild_ok = bool(rebuilt) and all(o.status == OK for o in rebuilt)
        per_cell = ", ".join(f"{o.cell.minor} {o.seconds:.0f}s" for o in rebuilt)
        figures.append(
            Figure(f"rebuild after a one-line change in {edited_file} ({len(rebuilt)} cells)",
                   rebuild_seconds, REBUILD_TARGET_SECONDS, rebuild_ok, f"{per_cell}; {ccache_words(d2)}")
        )
    except (OSError, RuntimeError, ValueError) as exc:  # report what was measured so far
        notes.append(f"error: {type(exc).__name__}: {exc}")
        reporter.line(f"speed: error: {exc}")
    finally:
        if keep:
            notes.append(f"tree kept in {copy}")
        else:
            shutil.rmtree(copy, ignore_errors=True)

    result = BenchResult(figures, codegen, load_before, _load(), os.cpu_count(), rows, notes)
    if len(figures) < 2:
        names = [f.name for f in figures]
        for name, target in (("clean matrix", MATRIX_TARGET_SECONDS), ("rebuild after a one-line change", REBUILD_TARGET_SECONDS)):
            if not any(n.startswith(name) for n in names):
                result.figures.append(Figure(name, None, target, ok=False))
    reporter.block("speed bench:", result.lines())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    reporter.line(f"wrote {out_dir / 'results.json'}")
    return 0 if result.passed else 1


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - manual entry
    import argparse

    from .version import PROJECT_ROOT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    return run_speed_bench(PROJECT_ROOT, sys.executable, Reporter(prefix="speed"), args.versions or None, args.keep)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
