"""Building and testing the cells of the matrix (one Python, build type
and Orthanc target each): a cell's build, its integration tests in its own
venv, and the run of many cells with the tests of one in the background of
the next one's build.

Every cell runs even when an earlier one failed. How a cell is built and
tested comes in through CellSteps, so that unit tests pass fakes.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import cmake, orthanc_releases, testing
from .matrix import Cell
from .naming import artifact_name
from .report import FAILED, OK, SKIPPED, Reporter, Row


@dataclass
class CellOutcome:
    cell: Cell
    build: cmake.BuildResult | None = None
    tests: testing.TestResult | None = None
    error: str | None = None  # anything outside build and pytest (venv setup, ...)
    seconds: float = 0.0
    tested: bool = True  # False when the caller asked for builds only, or a build-only cell
    note: str | None = None  # e.g. "generated on the host (PyPI libclang)"

    @property
    def status(self) -> str:
        if not self.cell.runnable:
            return SKIPPED
        if self.error or self.build is None or not self.build.ok:
            return FAILED
        if self.tested and (self.tests is None or not self.tests.ok):
            return FAILED
        return OK

    @property
    def reason(self) -> str | None:
        if not self.cell.runnable:
            return self.cell.skip_reason
        if self.error:
            return self.error
        if self.build is not None and not self.build.ok:
            return self.build.error
        if self.tests is not None and not self.tests.ok:
            return self.tests.error
        return None

    def row(self, version: str) -> Row:
        python = self.cell.python.version if self.cell.python else self.cell.minor
        if not self.cell.runnable:
            tests = self.cell.skip_reason or "skipped"
        elif self.build is None or not self.build.ok:
            tests = "not run (build failed)"
        elif not self.tested:
            coverage = orthanc_releases.coverage_summary(self.build.generated_dir)
            tests = f"build only: {coverage}" if coverage else "not run (build only)"
        elif self.tests is None:
            tests = f"not run ({self.error})" if self.error else "not run"
        elif self.tests.error and self.tests.counts.total == 0:
            tests = self.tests.error
        else:
            tests = self.tests.counts.summary()
        built = (
            self.build is not None and self.build.ok and self.build.library is not None
        )
        size = self.build.size if built and self.build else None
        target = self.cell.target
        return Row(
            python=python,
            build=self.cell.build_type,
            tests=tests + (f" [{self.note}]" if self.note else ""),
            artifact=artifact_name(version, self.cell.minor, self.cell.platform)
            if built and not self.cell.in_root
            else "-",
            size=size,
            seconds=self.seconds if self.cell.runnable else None,
            status=self.status,
            where=None if target is None else (f"{target.suite} root" if target.root else f"{target.suite} host"),
            orthanc=None if target is None else (target.orthanc if target.test else "-"),
            sdk=None if target is None else target.sdk,
        )


def target_venv_dir(root: Path, minor: str) -> Path:
    return Path(root) / "build" / "venvs" / f"py{minor}"


def build_cell(
    cell: Cell,
    root: Path,
    tools_python: str,
    reporter: Reporter,
    cmake_args: Sequence[str] = (),
) -> cmake.BuildResult:
    plan = cmake.make_plan(cell, root, tools_python, extra_args=cmake_args)
    if plan.root is not None:
        result, note = orthanc_releases.build_root_cell(plan, reporter, cell.name, tools_python)
        result.note = note
        return result
    return cmake.run_build(plan, reporter, cell.name)


def _build_outcome(o: CellOutcome, root: Path, tools_python: str, reporter: Reporter,
                   cmake_args: Sequence[str], steps: CellSteps) -> None:
    started = time.monotonic()
    o.build = steps.build(o.cell, root, tools_python, reporter, cmake_args)
    o.seconds = time.monotonic() - started
    o.note = o.build.note


def pytest_tmp_dir(root: Path, cell: Cell, suite: str = "integration") -> Path:
    """pytest's --basetemp for a cell's tests (build/pytest-tmp/<cell>[-<suite>])."""
    name = cell.name if suite == "integration" else f"{cell.name}-{suite}"
    return Path(root) / "build" / "pytest-tmp" / name


# Two cells of one Python (Release and Debug) share its test venv: the first
# to get there creates it, the other waits (their tests may run at once).
_venv_locks: dict[Path, threading.Lock] = {}
_venv_locks_guard = threading.Lock()


def _venv_lock(venv_dir: Path) -> threading.Lock:
    with _venv_locks_guard:
        return _venv_locks.setdefault(Path(venv_dir).resolve(), threading.Lock())


def test_cell(
    cell: Cell,
    built: cmake.BuildResult,
    root: Path,
    tools_python: str,
    reporter: Reporter,
    pytest_args: Sequence[str] = (),
    echo: bool = True,
    suite: str = "integration",
    steps: CellSteps | None = None,
) -> testing.TestResult:
    """Make (or reuse) the cell's test venv, then run tests/<suite> against
    its library. ``echo=False`` keeps pytest's output in the log only
    (build/test-results/<cell>.log)."""
    assert cell.python is not None and built.library is not None
    steps = steps or REAL_STEPS
    venv_dir = Path(root) / "build" / "venvs" / orthanc_releases.venv_name(cell)
    try:
        with _venv_lock(venv_dir):
            if cell.in_root:  # made by the root's python, inside
                target = steps.make_venv(cell.python, venv_dir, reporter,
                                                    run=orthanc_releases.venv_runner(cell),
                                                    exists=orthanc_releases.venv_exists(cell))
            else:
                target = steps.make_venv(cell.python, venv_dir, reporter)
    except testing.TestSetupError as exc:
        reporter.line(f"{cell.name}: test venv failed: {exc}")
        return testing.TestResult(ok=False, error=f"test venv: {exc}")
    basetemp = pytest_tmp_dir(root, cell, suite)
    basetemp.parent.mkdir(parents=True, exist_ok=True)  # pytest makes the last level only
    # which Orthanc and SDK the cell meets (orthanc_releases.py), for the harness
    target_env = orthanc_releases.test_environment(cell, built.library)
    name = cell.name if suite == "integration" else f"{cell.name}-{suite}"
    args = testing.with_basetemp(pytest_args, basetemp)
    if target_env:
        return steps.run_tests(
            built.library, target, tools_python, reporter, name, root, extra_args=args,
            base_env={**os.environ, **target_env}, echo=echo, suite=suite)
    return steps.run_tests(
        built.library, target, tools_python, reporter, name, root, extra_args=args, echo=echo, suite=suite)


TEST_WORKERS_VARIABLE = "ORTHANC_TEST_WORKERS"
DEFAULT_TEST_WORKERS = 2


def integration_test_workers(env: Mapping[str, str] | None = None) -> int:
    """How many cells' integration tests may run at once: the whole number
    in ORTHANC_TEST_WORKERS (1: build, test, build, test, ... one at a
    time), default 2. The suite mostly waits on Orthanc (start, stop, timers,
    jobs), so on 2 cores two suites overlap well with the next cell's build.
    Raises ValueError for anything but a whole number >= 1."""
    value = (os.environ if env is None else env).get(TEST_WORKERS_VARIABLE, "").strip()
    if not value:
        return DEFAULT_TEST_WORKERS
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if workers < 1:
        raise ValueError(f"{TEST_WORKERS_VARIABLE}={value!r} is not a whole number >= 1")
    return workers


def run_cells(
    cells: Sequence[Cell],
    root: Path,
    tools_python: str,
    reporter: Reporter,
    test: bool = True,
    cmake_args: Sequence[str] = (),
    pytest_args: Sequence[str] = (),
    test_workers: int | None = None,
    steps: CellSteps | None = None,
) -> list[CellOutcome]:
    """Build (and test) every runnable cell, in order; one outcome per cell.

    With ``test_workers`` > 1 (default: integration_test_workers()) the
    builds still run one after the other (each uses every core, and they
    share the code generation cache) but a built cell's tests start at once,
    in the background, while the next cell builds; at most ``test_workers``
    test runs at a time. Their output is then only in their logs; a failed
    run's summary is printed once every cell is done."""
    outcomes = [CellOutcome(c, tested=test and (c.target is None or c.target.test)) for c in cells]
    runnable = [o for o in outcomes if o.cell.runnable]
    # Machine-wide problems (no SDK header, no cmake) are said once, not per cell.
    steps = steps or REAL_STEPS
    problems = steps.env_problems() if runnable else []
    if problems:
        for line in problems:
            reporter.line(f"cannot build: {line}")
        for o in runnable:
            o.error = problems[0]
        return outcomes
    if test and len(runnable) > 1:
        workers = _workers_or_one(test_workers, reporter)
        if workers > 1:
            _run_pipelined(runnable, root, tools_python, reporter, cmake_args, pytest_args, workers, steps)
            return outcomes
    for o in runnable:
        _build_outcome(o, root, tools_python, reporter, cmake_args, steps)
        if o.build is not None and o.build.ok and o.tested:
            _test_outcome(o, root, tools_python, reporter, pytest_args, True, steps)
    return outcomes


def _workers_or_one(test_workers: int | None, reporter: Reporter) -> int:
    if test_workers is not None:
        return max(1, test_workers)
    try:
        return integration_test_workers()
    except ValueError as exc:
        reporter.line(f"warning: {exc}; testing one cell at a time")
        return 1


def _test_outcome(
    o: CellOutcome,
    root: Path,
    tools_python: str,
    reporter: Reporter,
    pytest_args: Sequence[str],
    echo: bool,
    steps: CellSteps,
) -> None:
    """Test a built cell: sets ``o.tests`` and adds the time to ``o.seconds``.
    An unexpected exception fails this cell only, never the others."""
    assert o.build is not None
    started = time.monotonic()
    try:
        o.tests = steps.test(o.cell, o.build, root, tools_python, reporter, pytest_args, echo, steps=steps)
    except Exception as exc:  # noqa: BLE001 - this cell's failure; the others go on
        reporter.line(f"{o.cell.name}: tests not run: {type(exc).__name__}: {exc}")
        o.tests = testing.TestResult(ok=False, error=f"tests not run: {type(exc).__name__}: {exc}")
    o.seconds += time.monotonic() - started


def _run_pipelined(
    runnable: Sequence[CellOutcome],
    root: Path,
    tools_python: str,
    reporter: Reporter,
    cmake_args: Sequence[str],
    pytest_args: Sequence[str],
    workers: int,
    steps: CellSteps,
) -> None:
    """See run_cells. A cell's time is its build plus its venv and tests,
    without the time it waited for a free test worker."""
    reporter.line(
        f"testing up to {workers} cells at once, in the background of the next builds "
        f"(pytest output in build/test-results/; {TEST_WORKERS_VARIABLE}=1 for one at a time)"
    )
    with ThreadPoolExecutor(max_workers=min(workers, len(runnable)), thread_name_prefix="tests") as pool:
        pending: list[Future[None]] = []
        for o in runnable:
            _build_outcome(o, root, tools_python, reporter, cmake_args, steps)
            if o.build is not None and o.build.ok and o.tested:
                pending.append(
                    pool.submit(_test_outcome, o, root, tools_python, reporter, pytest_args, False, steps)
                )
        for future in pending:
            future.result()  # _test_outcome does not raise
    for o in runnable:
        if o.tests is not None and not o.tests.ok and o.tests.log is not None:
            reporter.block(
                f"{o.cell.name}: tests failed; from {o.tests.log}:",
                testing.failure_excerpt(o.tests.log),
            )


def environment_problems() -> list[str]:
    """What keeps every cell from building (no SDK header, no cmake)."""
    return cmake.environment_problems(os.environ.get("ORTHANC_SDK_PATH") or None)


@dataclass(frozen=True)
class CellSteps:
    """How a cell is built and tested: the real steps by default; unit tests
    pass fakes."""

    build: Callable[..., cmake.BuildResult] = build_cell
    test: Callable[..., testing.TestResult] = test_cell
    make_venv: Callable[..., testing.TargetEnv] = testing.ensure_target_venv
    run_tests: Callable[..., testing.TestResult] = testing.run_integration_tests
    env_problems: Callable[[], list[str]] = environment_problems


REAL_STEPS = CellSteps()
