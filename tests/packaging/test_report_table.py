"""Progress lines and the end-of-run table."""

from __future__ import annotations

import io

from orthanc_packaging.report import (
    FAILED,
    OK,
    SKIPPED,
    Reporter,
    Row,
    exit_code,
    format_duration,
    format_size,
    format_table,
)

ROWS = [
    Row(
        "3.11.7",
        "Release",
        "12 passed",
        "libOrthancPython-0.1.0-py3.11-linux-x86_64.so",
        3_500_000,
        95.2,
        OK,
    ),
    Row("3.12.1", "Release", "not run (build failed)", "-", None, 12.0, FAILED),
    Row("3.9", "Release", "skipped: Python 3.9 not found", "-", None, None, SKIPPED),
]


def test_table_layout() -> None:
    expected = [
        "Python  Build    Tests                          Artifact                                       Size     Time   Status",
        "------  -------  -----------------------------  ---------------------------------------------  -------  -----  -------",
        "3.11.7  Release  12 passed                      libOrthancPython-0.1.0-py3.11-linux-x86_64.so  3.3 MiB  1m35s  OK",
        "3.12.1  Release  not run (build failed)         -                                              -        12s    FAILED",
        "3.9     Release  skipped: Python 3.9 not found  -                                              -        -      SKIPPED",
        "",
        "1 ok, 1 failed, 1 skipped",
    ]
    assert format_table(ROWS).splitlines() == expected


def test_exit_code() -> None:
    assert exit_code(ROWS) == 1  # one failed cell fails the run
    assert exit_code([ROWS[0], ROWS[2]]) == 0
    assert exit_code([ROWS[2]]) == 1  # nothing ran at all
    assert exit_code([]) == 1


def test_formatting_helpers() -> None:
    assert format_size(None) == "-"
    assert format_size(512) == "512 B"
    assert format_size(2048) == "2.0 KiB"
    assert format_size(5 * 1024**3) == "5.0 GiB"
    assert format_duration(None) == "-"
    assert format_duration(3.14) == "3.1s"
    assert format_duration(42.4) == "42s"
    assert format_duration(3725) == "62m05s"


def test_reporter_lines_have_elapsed_time() -> None:
    now = iter([100.0, 100.0, 165.0])
    out = io.StringIO()
    reporter = Reporter(out, prefix="release", clock=lambda: next(now))
    reporter.line("building py3.12-release")
    reporter.block("found:", ["a", "b"])
    assert out.getvalue() == (
        "[release +0.0s] building py3.12-release\n"
        "[release +1m05s] found:\n"
        "    a\n"
        "    b\n"
    )
