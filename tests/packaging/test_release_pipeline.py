"""run_cells with several test workers: builds one after the other, each
built cell's integration tests in the background while the next builds
(fake build and test functions, no CMake, no Orthanc)."""

from __future__ import annotations

import io
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import pytest
from orthanc_packaging import cells as cells_module
from orthanc_packaging import ci, cmake, release, testing
from orthanc_packaging.cells import CellSteps
from orthanc_packaging.matrix import Cell, cells_for
from orthanc_packaging.naming import PlatformTag
from orthanc_packaging.report import FAILED, OK, Reporter
from packaging_fakes import found_python

LINUX = PlatformTag("linux", "x86_64")
WAIT = 10.0  # seconds; only reached when the code under test is wrong


def make_cells(tmp_path: Path, *versions: str) -> list[Cell]:
    found = [found_python(v, tmp_path) for v in versions]
    minors = [".".join(v.split(".")[:2]) for v in versions]
    return cells_for(found, ["Release"], LINUX, minors)


class Recorder:
    """Fake build_cell / test_cell that log what happens, in order."""

    def __init__(self, tmp_path: Path, failing_builds: Sequence[str] = ()) -> None:
        self.tmp_path = tmp_path
        self.failing_builds = set(failing_builds)
        self.events: list[str] = []
        self.lock = threading.Lock()
        self.running_tests = 0
        self.most_tests_at_once = 0
        self.echo: dict[str, bool] = {}
        # minor -> what its tests do (default: pass at once)
        self.test_bodies: dict[str, Callable[[], testing.TestResult]] = {}
        self.build_hooks: dict[str, Callable[[], None]] = {}

    def log(self, text: str) -> None:
        with self.lock:
            self.events.append(text)

    def build(
        self,
        cell: Cell,
        root: Path,
        tools_python: str,
        reporter: Reporter,
        cmake_args: Sequence[str] = (),
    ) -> cmake.BuildResult:
        self.log(f"build {cell.minor}")
        self.build_hooks.get(cell.minor, lambda: None)()
        if cell.minor in self.failing_builds:
            return cmake.BuildResult(cell.name, False, error="compiler error", seconds=0.01)
        lib = self.tmp_path / f"lib{cell.minor}.so"
        lib.write_bytes(b"x")
        return cmake.BuildResult(cell.name, True, library=lib, seconds=0.01)

    def test(
        self,
        cell: Cell,
        built: cmake.BuildResult,
        root: Path,
        tools_python: str,
        reporter: Reporter,
        pytest_args: Sequence[str] = (),
        echo: bool = True,
        **_: object,
    ) -> testing.TestResult:
        assert built.ok and built.library is not None
        with self.lock:
            self.running_tests += 1
            self.most_tests_at_once = max(self.most_tests_at_once, self.running_tests)
            self.echo[cell.minor] = echo
        self.log(f"test-start {cell.minor}")
        try:
            body = self.test_bodies.get(cell.minor)
            return body() if body else testing.TestResult(ok=True, counts=testing.TestCounts(passed=3))
        finally:
            self.log(f"test-end {cell.minor}")
            with self.lock:
                self.running_tests -= 1

    def steps(self) -> CellSteps:
        return CellSteps(build=self.build, test=self.test, env_problems=list)


def run(
    cells: Sequence[Cell], tmp_path: Path, workers: int | None, rec: Recorder
) -> tuple[list[cells_module.CellOutcome], str]:
    out = io.StringIO()
    outcomes = cells_module.run_cells(
        cells, tmp_path, "python", Reporter(out), test_workers=workers, steps=rec.steps()
    )
    return outcomes, out.getvalue()


# ORTHANC_TEST_WORKERS


@pytest.mark.parametrize(
    "value, workers",
    [(None, 2), ("", 2), ("  ", 2), ("1", 1), ("3", 3), (" 4 ", 4), ("12", 12)],
)
def test_workers_from_the_environment(value: str | None, workers: int) -> None:
    env = {} if value is None else {"ORTHANC_TEST_WORKERS": value}
    assert cells_module.integration_test_workers(env) == workers


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "2x"])
def test_bad_workers_value_is_an_error(value: str) -> None:
    with pytest.raises(ValueError, match="ORTHANC_TEST_WORKERS=.* whole number >= 1"):
        cells_module.integration_test_workers({"ORTHANC_TEST_WORKERS": value})


def test_bad_workers_value_warns_and_tests_one_cell_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder(tmp_path)
    monkeypatch.setenv("ORTHANC_TEST_WORKERS", "lots")
    outcomes, out = run(make_cells(tmp_path, "3.8.18", "3.9.18"), tmp_path, None, rec)
    assert "warning: ORTHANC_TEST_WORKERS='lots' is not a whole number >= 1; testing one cell at a time" in out
    assert rec.events == ["build 3.8", "test-start 3.8", "test-end 3.8", "build 3.9", "test-start 3.9", "test-end 3.9"]
    assert [o.status for o in outcomes] == [OK, OK]


def test_environment_value_is_used_when_no_count_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder(tmp_path)
    monkeypatch.setenv("ORTHANC_TEST_WORKERS", "1")
    run(make_cells(tmp_path, "3.8.18", "3.9.18"), tmp_path, None, rec)
    assert rec.events[:3] == ["build 3.8", "test-start 3.8", "test-end 3.8"]
    assert rec.echo == {"3.8": True, "3.9": True}  # one at a time: pytest output shown live


# Ordering


def test_tests_overlap_the_next_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(tmp_path)
    last_build_started = threading.Event()
    rec.build_hooks["3.10"] = last_build_started.set

    def slow_38() -> testing.TestResult:
        # Ends only once the last cell builds: proves the builds went on meanwhile.
        assert last_build_started.wait(WAIT), "3.10 was not built while 3.8 was tested"
        return testing.TestResult(ok=True, counts=testing.TestCounts(passed=1))

    rec.test_bodies["3.8"] = slow_38
    outcomes, out = run(make_cells(tmp_path, "3.8.18", "3.9.18", "3.10.13"), tmp_path, 3, rec)
    assert [o.status for o in outcomes] == [OK, OK, OK], out
    builds = [e for e in rec.events if e.startswith("build")]
    assert builds == ["build 3.8", "build 3.9", "build 3.10"]  # in the matrix order
    assert rec.events.index("test-start 3.8") < rec.events.index("build 3.9")
    assert rec.events.index("build 3.10") < rec.events.index("test-end 3.8")
    assert rec.echo == {"3.8": False, "3.9": False, "3.10": False}  # outputs would interleave
    assert "testing up to 3 cells at once" in out


def test_at_most_the_given_number_of_test_runs_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder(tmp_path)
    both_running = threading.Barrier(2, timeout=WAIT)

    def meets_another() -> testing.TestResult:
        both_running.wait()  # two run together, or this times out
        time.sleep(0.05)  # a third one would start now if the pool allowed it
        return testing.TestResult(ok=True, counts=testing.TestCounts(passed=1))

    for minor in ("3.8", "3.9", "3.10", "3.11"):
        rec.test_bodies[minor] = meets_another
    outcomes, _ = run(make_cells(tmp_path, "3.8.18", "3.9.18", "3.10.13", "3.11.7"), tmp_path, 2, rec)
    assert [o.status for o in outcomes] == [OK] * 4
    assert rec.most_tests_at_once == 2


def test_a_failed_build_does_not_block_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder(tmp_path, failing_builds=["3.8"])
    cells = make_cells(tmp_path, "3.8.18", "3.9.18", "3.10.13")
    outcomes, _ = run(cells, tmp_path, 2, rec)
    assert [o.status for o in outcomes] == [FAILED, OK, OK]
    assert "test-start 3.8" not in rec.events  # nothing to test
    assert {"test-end 3.9", "test-end 3.10"} <= set(rec.events)
    assert outcomes[0].tests is None and outcomes[0].reason == "compiler error"
    assert outcomes[0].row("0.1.0").tests == "not run (build failed)"
    assert outcomes[1].tests is not None and outcomes[1].tests.counts.passed == 3


def test_one_worker_keeps_build_test_build_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(tmp_path)
    _, out = run(make_cells(tmp_path, "3.8.18", "3.9.18"), tmp_path, 1, rec)
    assert rec.events == ["build 3.8", "test-start 3.8", "test-end 3.8", "build 3.9", "test-start 3.9", "test-end 3.9"]
    assert "at once" not in out


def test_builds_only_never_start_test_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(tmp_path)
    out = io.StringIO()
    outcomes = cells_module.run_cells(
        make_cells(tmp_path, "3.8.18", "3.9.18"), tmp_path, "python", Reporter(out),
        test=False, test_workers=4, steps=rec.steps(),
    )  # fmt: skip
    assert rec.events == ["build 3.8", "build 3.9"]
    assert [o.status for o in outcomes] == [OK, OK]
    assert "at once" not in out.getvalue()


# Failures and the report


def test_a_crashing_test_run_fails_its_cell_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(tmp_path)

    def crash() -> testing.TestResult:
        raise OSError("disk full")

    rec.test_bodies["3.9"] = crash
    outcomes, out = run(make_cells(tmp_path, "3.8.18", "3.9.18", "3.10.13"), tmp_path, 2, rec)
    assert [o.status for o in outcomes] == [OK, FAILED, OK]
    assert outcomes[1].reason == "tests not run: OSError: disk full"
    assert "py3.9-release: tests not run: OSError: disk full" in out
    code = release.print_summary(outcomes, "0.1.0", Reporter(io.StringIO()))
    assert code == 1


def _failed_run(log: Path) -> Callable[[], testing.TestResult]:
    log.write_text(
        "..F.\n"
        "=================================== FAILURES ===================================\n"
        "___ test_b ___\n"
        "E   assert 1 == 2\n"
        "=========================== short test summary info ============================\n"
        "FAILED tests/integration/test_x.py::test_b - assert 1 == 2\n"
        "1 failed, 3 passed in 2.00s\n",
        encoding="utf-8",
    )
    counts = testing.TestCounts(passed=3, failed=1)
    return lambda: testing.TestResult(
        ok=False, counts=counts, exit_code=1, log=log,
        error=f"pytest exit code 1: {counts.summary()} (log: {log})",
    )  # fmt: skip


def test_failed_cell_summary_is_shown_and_the_others_stay_in_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder(tmp_path)
    log = tmp_path / "py3.9-release.log"
    rec.test_bodies["3.9"] = _failed_run(log)
    out = io.StringIO()
    reporter = Reporter(out)
    outcomes = cells_module.run_cells(
        make_cells(tmp_path, "3.8.18", "3.9.18", "3.10.13"), tmp_path, "python", reporter,
        test_workers=2, steps=rec.steps(),
    )  # fmt: skip
    code = release.print_summary(outcomes, "0.1.0", reporter)
    text = out.getvalue()
    assert code == 1
    assert f"py3.9-release: tests failed; from {log}:" in text
    assert "    FAILED tests/integration/test_x.py::test_b - assert 1 == 2" in text
    assert "    1 failed, 3 passed in 2.00s" in text
    assert "E   assert 1 == 2" not in text  # the summary, not the whole traceback
    # Printed once every cell is done, before the table; the passing cells are in the table.
    table = text.index("Python   Build")
    assert text.index("tests failed; from") < table
    rows = text[table:].splitlines()
    assert [r.split()[0] for r in rows[2:5]] == ["3.8.18", "3.9.18", "3.10.13"]
    assert rows[2].endswith("OK") and rows[3].endswith("FAILED") and rows[4].endswith("OK")
    assert "2 ok, 1 failed, 0 skipped" in text
    assert f"FAILED py3.9-release: pytest exit code 1: 3 passed, 1 failed (log: {log})" in text


def test_time_of_a_cell_is_its_build_plus_its_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(tmp_path)

    def takes(seconds: float) -> Callable[[], testing.TestResult]:
        def body() -> testing.TestResult:
            time.sleep(seconds)
            return testing.TestResult(ok=True, counts=testing.TestCounts(passed=1))

        return body

    rec.test_bodies["3.8"] = takes(0.3)
    rec.test_bodies["3.9"] = takes(0.3)
    rec.test_bodies["3.10"] = takes(0.01)
    # Two workers: 3.10 waits for one of them, which is not counted in its time.
    outcomes, _ = run(make_cells(tmp_path, "3.8.18", "3.9.18", "3.10.13"), tmp_path, 2, rec)
    first_free = min(rec.events.index("test-end 3.8"), rec.events.index("test-end 3.9"))
    assert first_free < rec.events.index("test-start 3.10")
    assert outcomes[0].seconds >= 0.3 and outcomes[1].seconds >= 0.3
    assert outcomes[2].seconds < 0.25


# The pieces


def _fake_suites(seen: list[dict[str, object]]) -> CellSteps:
    """test_cell() without venvs or pytest: records the runs it asks for."""
    def fake_venv(python: object, venv_dir: Path, reporter: Reporter) -> testing.TargetEnv:
        return testing.TargetEnv(python="/unused", site_packages=[])

    def fake_run(library: Path, target: testing.TargetEnv, test_python: str, reporter: Reporter,
                 name: str, root: Path, **kwargs: object) -> testing.TestResult:  # fmt: skip
        seen.append(dict(kwargs, name=name))
        return testing.TestResult(ok=True)

    return CellSteps(make_venv=fake_venv, run_tests=fake_run, env_problems=list)


def test_test_cell_gives_each_cell_its_own_basetemp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, object]] = []
    steps = _fake_suites(seen)
    cell = make_cells(tmp_path, "3.12.1")[0]
    built = cmake.BuildResult(cell.name, True, library=tmp_path / "lib.so")
    cells_module.test_cell(cell, built, tmp_path, "python", Reporter(io.StringIO()), ["-x"], echo=False,
                           steps=steps)
    basetemp = (tmp_path / "build" / "pytest-tmp" / "py3.12-release").resolve()
    assert seen == [{"name": "py3.12-release", "extra_args": ["-x", f"--basetemp={basetemp}"], "echo": False,
                     "suite": "integration"}]
    assert basetemp.parent.is_dir()  # pytest creates the last level only


def _reliability_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, integration_ok: bool,
                     stream: io.StringIO) -> tuple[testing.TestResult | None, list[dict[str, object]]]:
    seen: list[dict[str, object]] = []
    steps = _fake_suites(seen)
    (tmp_path / "tests" / "reliability").mkdir(parents=True)
    cell = make_cells(tmp_path, "3.12.1")[0]
    outcome = cells_module.CellOutcome(cell, build=cmake.BuildResult(cell.name, True, library=tmp_path / "lib.so"),
                                  tests=testing.TestResult(ok=integration_ok))
    return ci.run_reliability_tests(outcome, tmp_path, "python", Reporter(stream), steps=steps), seen


def test_reliability_tests_run_against_a_cell_whose_integration_tests_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, seen = _reliability_run(tmp_path, monkeypatch, True, io.StringIO())
    assert result is not None and result.ok
    basetemp = (tmp_path / "build" / "pytest-tmp" / "py3.12-release-reliability").resolve()
    assert seen == [{"name": "py3.12-release-reliability", "extra_args": [f"--basetemp={basetemp}"],
                     "echo": True, "suite": "reliability"}]


def test_reliability_tests_are_not_run_after_failed_integration_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    result, seen = _reliability_run(tmp_path, monkeypatch, False, stream)
    assert result is None and seen == []
    assert "reliability tests not run" in stream.getvalue()


def test_cells_of_one_python_never_set_up_its_venv_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = [found_python("3.12.1", tmp_path)]
    cells = cells_for(found, ["Release", "Debug"], LINUX, ["3.12"])
    inside = 0
    most = 0
    lock = threading.Lock()

    def fake_venv(python: object, venv_dir: Path, reporter: Reporter) -> testing.TargetEnv:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.1)
        with lock:
            inside -= 1
        return testing.TargetEnv(python="/unused", site_packages=[])

    steps = CellSteps(make_venv=fake_venv, run_tests=lambda *a, **k: testing.TestResult(ok=True))
    built = cmake.BuildResult("x", True, library=tmp_path / "lib.so")
    threads = [
        threading.Thread(target=cells_module.test_cell, args=(c, built, tmp_path, "py", Reporter(io.StringIO())),
                         kwargs={"steps": steps})
        for c in cells
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert len(cells) == 2 and most == 1


def test_with_basetemp_keeps_the_callers_choice(tmp_path: Path) -> None:
    assert testing.with_basetemp(["-x"], tmp_path / "t") == ["-x", f"--basetemp={(tmp_path / 't').resolve()}"]
    assert testing.with_basetemp(["--basetemp=/a"], tmp_path) == ["--basetemp=/a"]
    assert testing.with_basetemp(["--basetemp", "/a"], tmp_path) == ["--basetemp", "/a"]


def test_failure_excerpt(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("\n".join(f"line {i}" for i in range(100)) + "\n")
    assert testing.failure_excerpt(log, lines=3) == ["line 97", "line 98", "line 99"]
    _failed_run(log)
    assert testing.failure_excerpt(log) == [
        "=========================== short test summary info ============================",
        "FAILED tests/integration/test_x.py::test_b - assert 1 == 2",
        "1 failed, 3 passed in 2.00s",
    ]
    many = ["== short test summary info =="] + [f"FAILED t{i}" for i in range(200)] + ["200 failed"]
    log.write_text("\n".join(many) + "\n")
    excerpt = testing.failure_excerpt(log, max_summary=10)
    assert len(excerpt) == 11 and excerpt[0] == many[0] and excerpt[-1] == "200 failed"
    assert excerpt[1] == f"... {len(many) - 10} more lines in {log} ..."
    assert testing.failure_excerpt(tmp_path / "missing.log")[0].startswith("(cannot read ")


def test_reporter_writes_whole_blocks_from_threads() -> None:
    out = io.StringIO()
    reporter = Reporter(out)

    def write(n: int) -> None:
        for _ in range(20):
            reporter.block(f"block {n}", [f"{n}-a", f"{n}-b", f"{n}-c"])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 * 20 * 4
    for i in range(0, len(lines), 4):
        n = lines[i].rsplit(" ", 1)[1]
        assert lines[i + 1 : i + 4] == [f"    {n}-a", f"    {n}-b", f"    {n}-c"]


def test_unechoed_run_keeps_whole_summary_lines_for_the_excerpt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    tests = tmp_path / "tests"
    tests.mkdir()
    message = "the value that came back was not the one expected " * 3
    (tests / "test_long.py").write_text(f"def test_long():\n    assert False, {message!r}\n")
    result = testing.run_pytest(
        sys.executable, ["tests"], "cell", Reporter(io.StringIO()), tmp_path, echo=False
    )
    assert not result.ok and result.log is not None
    excerpt = testing.failure_excerpt(result.log)
    assert "short test summary info" in excerpt[0]
    assert any(line.startswith("FAILED tests/test_long.py::test_long - AssertionError: the value") and len(line) > 100
               for line in excerpt), excerpt
    assert excerpt[-1].startswith("1 failed")


BASETEMP_TEST = """\
import os
from pathlib import Path

def test_where(tmp_path):
    (Path(os.environ["ORTHANC_PYTHON_PLUGIN"]).parent / "tmp_path.txt").write_text(str(tmp_path))
"""


def test_real_pytest_runs_get_their_own_basetemp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two cells' pytest runs at once (real pytest, fake build): each has its
    tmp_path under build/pytest-tmp/<cell>/, which did not exist before."""
    root = tmp_path / "proj"
    (root / "tests" / "integration").mkdir(parents=True)
    (root / "tests" / "integration" / "test_where.py").write_text(BASETEMP_TEST)

    def fake_build(cell: Cell, root_: Path, *args: object, **kwargs: object) -> cmake.BuildResult:
        lib = root / "build" / cell.name / "libOrthancPython.so"
        lib.parent.mkdir(parents=True)
        lib.write_bytes(b"")
        return cmake.BuildResult(cell.name, True, library=lib)

    def fake_venv(python: object, venv_dir: Path, reporter: Reporter) -> testing.TargetEnv:
        return testing.TargetEnv(python="/unused", site_packages=[str(venv_dir)])

    steps = CellSteps(build=fake_build, make_venv=fake_venv, env_problems=list)
    out = io.StringIO()
    outcomes = cells_module.run_cells(
        make_cells(tmp_path, "3.8.18", "3.9.18"), root, sys.executable, Reporter(out),
        test_workers=2, steps=steps,
    )  # fmt: skip
    assert [o.status for o in outcomes] == [OK, OK], out.getvalue()
    for cell in ("py3.8-release", "py3.9-release"):
        used = Path((root / "build" / cell / "tmp_path.txt").read_text())
        assert used.parent == (root / "build" / "pytest-tmp" / cell).resolve()
