"""Orchestration used by the nox sessions: discover, build, test, assemble.

Every cell runs even when an earlier one failed; the table at the end shows
them all and the return code is non-zero if any failed.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import cmake, orthanc_releases, testing
from .discovery import (
    SUPPORTED_RANGE,
    DiscoveryResult,
    FoundPython,
    ProbeRunner,
    SearchPlaces,
    discover,
    run_probe,
)
from .manifest import ArtifactInput, ManifestError, assemble
from .matrix import Cell, MatrixError, cells_for, parse_minor
from .naming import PlatformTag, artifact_name, detect_platform
from .report import FAILED, OK, SKIPPED, Reporter, Row, exit_code, format_table
from .version import PROJECT_ROOT, read_version


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


def find_pythons(
    reporter: Reporter,
    places: SearchPlaces | None = None,
    probe: ProbeRunner = run_probe,
) -> DiscoveryResult:
    found = discover(places, probe)
    reporter.block("Pythons found:", found.summary_lines() or ["none"])
    return found


def preferred_minor(
    found: Sequence[FoundPython], wanted: str | None = None
) -> str | None:
    """``wanted``, else the minor running this code if it is usable here,
    else the newest usable one."""
    if wanted:
        return parse_minor(wanted)
    usable = [p.minor for p in found if p.usable]
    current = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if current in usable:
        return current
    return (
        max(usable, key=lambda m: tuple(int(x) for x in m.split(".")))
        if usable
        else None
    )


def second_minor(found: Sequence[FoundPython], first: str) -> str | None:
    """Another usable Python for CI to test, newest first (3.12 or 3.13 on
    this kind of machine), so the suite runs on two Python versions."""
    others = [p.minor for p in found if p.usable and p.minor != first]
    return max(others, key=lambda m: tuple(int(x) for x in m.split("."))) if others else None


def skip_reason(found: Sequence[FoundPython], minor: str) -> str | None:
    """Why a single-Python session cannot run here, or None."""
    cell = cells_for(found, ["Release"], detect_platform(), [minor])[0]
    if cell.runnable:
        return None
    if cell.python is None:
        return f"Python {cell.minor} not found: install it, e.g. `pyenv install {cell.minor}`"
    return f"Python {cell.minor} not usable: {cell.python.problem}"


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
                   cmake_args: Sequence[str]) -> None:
    started = time.monotonic()
    o.build = build_cell(o.cell, root, tools_python, reporter, cmake_args)
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
) -> testing.TestResult:
    """Make (or reuse) the cell's test venv, then run tests/<suite> against
    its library. ``echo=False`` keeps pytest's output in the log only
    (build/test-results/<cell>.log)."""
    assert cell.python is not None and built.library is not None
    venv_dir = Path(root) / "build" / "venvs" / orthanc_releases.venv_name(cell)
    try:
        with _venv_lock(venv_dir):
            if cell.in_root:  # made by the root's python, inside
                target = testing.ensure_target_venv(cell.python, venv_dir, reporter,
                                                    run=orthanc_releases.venv_runner(cell),
                                                    exists=orthanc_releases.venv_exists(cell))
            else:
                target = testing.ensure_target_venv(cell.python, venv_dir, reporter)
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
        return testing.run_integration_tests(
            built.library, target, tools_python, reporter, name, root, extra_args=args,
            base_env={**os.environ, **target_env}, echo=echo, suite=suite)
    return testing.run_integration_tests(
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
    env_problems: Callable[[], list[str]] | None = None,
    test_workers: int | None = None,
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
    problems = (env_problems or _environment_problems)() if runnable else []
    if problems:
        for line in problems:
            reporter.line(f"cannot build: {line}")
        for o in runnable:
            o.error = problems[0]
        return outcomes
    if test and len(runnable) > 1:
        workers = _workers_or_one(test_workers, reporter)
        if workers > 1:
            _run_pipelined(runnable, root, tools_python, reporter, cmake_args, pytest_args, workers)
            return outcomes
    for o in runnable:
        _build_outcome(o, root, tools_python, reporter, cmake_args)
        if o.build is not None and o.build.ok and o.tested:
            _test_outcome(o, root, tools_python, reporter, pytest_args, echo=True)
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
) -> None:
    """Test a built cell: sets ``o.tests`` and adds the time to ``o.seconds``.
    An unexpected exception fails this cell only, never the others."""
    assert o.build is not None
    started = time.monotonic()
    try:
        o.tests = test_cell(o.cell, o.build, root, tools_python, reporter, pytest_args, echo)
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
            _build_outcome(o, root, tools_python, reporter, cmake_args)
            if o.build is not None and o.build.ok and o.tested:
                pending.append(
                    pool.submit(_test_outcome, o, root, tools_python, reporter, pytest_args, False)
                )
        for future in pending:
            future.result()  # _test_outcome does not raise
    for o in runnable:
        if o.tests is not None and not o.tests.ok and o.tests.log is not None:
            reporter.block(
                f"{o.cell.name}: tests failed; from {o.tests.log}:",
                testing.failure_excerpt(o.tests.log),
            )


def _environment_problems() -> list[str]:
    return cmake.environment_problems(os.environ.get("ORTHANC_SDK_PATH") or None)


def print_summary(
    outcomes: Sequence[CellOutcome], version: str, reporter: Reporter
) -> int:
    rows = [o.row(version) for o in outcomes]
    reporter.stream.write("\n" + format_table(rows) + "\n")
    for o in outcomes:
        if o.status in (FAILED, SKIPPED):
            reason = (o.reason or "").replace("skipped: ", "", 1)
            reporter.stream.write(f"{o.status.upper()} {o.cell.name}: {reason}\n")
    reporter.stream.flush()
    return exit_code(rows)


def artifacts_of(outcomes: Sequence[CellOutcome]) -> list[ArtifactInput]:
    inputs = []
    for o in outcomes:
        b = o.build
        if (
            o.cell.python is None
            or b is None
            or not b.ok
            or b.library is None
            or b.generated_dir is None
        ):
            continue
        inputs.append(
            ArtifactInput(
                name=o.cell.name,
                library=b.library,
                build_dir=b.build_dir or b.library.parent,
                generated_dir=b.generated_dir,
                python=o.cell.python,
                build_type=o.cell.build_type,
                platform=o.cell.platform,
                tests_passed=o.status == OK and o.tested,
                tests=o.tests.counts if o.tests else None,
            )
        )
    return inputs


def run_matrix(
    root: Path = PROJECT_ROOT,
    versions: Sequence[str] | None = None,
    build_types: Sequence[str] = ("Release",),
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    test: bool = True,
    dist: bool = False,
    dist_root: Path | None = None,
    platform: PlatformTag | None = None,
    found: DiscoveryResult | None = None,
    cmake_args: Sequence[str] = (),
    pytest_args: Sequence[str] = (),
) -> int:
    """Build (and test) every cell; with ``dist`` also assemble dist/<version>/.
    Returns the process exit code."""
    reporter = reporter or Reporter()
    root = Path(root)
    version = read_version(root)
    found = found if found is not None else find_pythons(reporter)
    try:
        cells = cells_for(
            found.pythons, build_types, platform or detect_platform(), versions
        )
    except MatrixError as exc:
        reporter.line(f"error: {exc}")
        return 2
    if not cells:
        reporter.line(f"error: no supported Python ({SUPPORTED_RANGE}) found on this machine")
        return 1
    outcomes = run_cells(
        cells, root, tools_python, reporter, test, cmake_args, pytest_args
    )
    code = print_summary(outcomes, version, reporter)
    if dist:
        failed = [o.cell.name for o in outcomes if o.status == FAILED]
        try:
            out = assemble(
                Path(dist_root or root / "dist"),
                version,
                artifacts_of(outcomes),
                root,
                failed_cells=failed,
            )
        except ManifestError as exc:
            reporter.line(f"dist not assembled: {exc}")
            return 1
        reporter.block(f"assembled {out.directory}:", out.files)
        from . import loader  # it builds on this module

        if (platform or detect_platform()).os == "linux" and loader.release_bundle(
                out.directory, version, root, reporter) is None:
            reporter.line("dist has no linux-x86_64 bundle (see above)")
            return code or 1
        if failed:
            reporter.line(
                f"dist is INCOMPLETE: {', '.join(failed)} failed (recorded in manifest.json)"
            )
    return code


UNIT_TEST_DIRS = ("tests/packaging", "tests/codegen", "tests/macos")


def run_ci_tests(
    root: Path = PROJECT_ROOT,
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    minor: str | None = None,
    pytest_args: Sequence[str] = (),
) -> int:
    """The CI entry: unit tests, then the cells of run_orthanc_release_cells
    (this host's Orthanc with the preferred Python and a second one, the
    other Debian suites' Orthanc in their roots) with their integration
    tests, then the reliability tests of the first; ends with one total
    line over every pytest run."""
    reporter = reporter or Reporter(prefix="tests")
    root = Path(root)
    dirs = [d for d in UNIT_TEST_DIRS if (root / d).is_dir()]
    unit = testing.run_pytest(tools_python, dirs, "unit", reporter, root)
    results = [unit]
    found = find_pythons(reporter)
    chosen = preferred_minor(found.pythons, minor)
    code = 1
    if chosen is None:
        reporter.line(
            f"error: no usable Python {SUPPORTED_RANGE} found to build the plugin for"
        )
    else:
        outcomes, code = run_orthanc_release_cells(root, tools_python, reporter, found, chosen, pytest_args)
        results += [o.tests for o in outcomes if o.tests is not None]
        reliability = run_reliability_tests(outcomes[0], root, tools_python, reporter, pytest_args)
        if reliability is not None:
            results.append(reliability)
            code = code or (0 if reliability.ok else 1)
    reporter.stream.write(testing.total_line(results) + "\n")
    reporter.stream.flush()
    return 0 if unit.ok and code == 0 else 1


def run_orthanc_release_cells(
    root: Path,
    tools_python: str,
    reporter: Reporter,
    found: DiscoveryResult,
    chosen: str,
    pytest_args: Sequence[str] = (),
    plan_cells: Callable[..., orthanc_releases.Plan] = orthanc_releases.plan_cells,
) -> tuple[list[CellOutcome], int]:
    """The host's builds for the preferred Python and a second one
    (ORTHANC_SECOND_TEST_PYTHON, else the newest other found; "none" to
    skip), then the cells of the other Debian suites' Orthanc in their roots
    (orthanc_releases.py), each with its integration tests; prints the table.
    Returns the outcomes (the preferred Python's first) and the exit code:
    non-zero when a cell failed or a root could not be made."""
    minors = [chosen]
    second = os.environ.get("ORTHANC_SECOND_TEST_PYTHON") or second_minor(found.pythons, chosen)
    if second and second != "none":
        minors.append(parse_minor(second))
    plan = plan_cells(root, found.pythons, minors, reporter, detect_platform())
    outcomes = run_cells(plan.cells, root, tools_python, reporter, True, (), pytest_args)
    code = print_summary(outcomes, read_version(root), reporter)
    for problem in plan.problems:
        reporter.stream.write(f"FAILED {problem}\n")
    return outcomes, code or (1 if plan.problems else 0)


def run_orthanc_releases(
    root: Path = PROJECT_ROOT,
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    minor: str | None = None,
    pytest_args: Sequence[str] = (),
) -> int:
    """`nox -s orthanc-releases`: the cells of run_orthanc_release_cells only
    (no unit, no reliability tests)."""
    reporter = reporter or Reporter(prefix="orthanc-releases")
    found = find_pythons(reporter)
    chosen = preferred_minor(found.pythons, minor)
    if chosen is None:
        reporter.line(f"error: no usable Python {SUPPORTED_RANGE} found to build the plugin for")
        return 1
    outcomes, code = run_orthanc_release_cells(Path(root), tools_python, reporter, found, chosen, pytest_args)
    reporter.stream.write(testing.total_line([o.tests for o in outcomes if o.tests is not None]) + "\n")
    return code


def run_reliability_tests(
    outcome: CellOutcome,
    root: Path,
    tools_python: str,
    reporter: Reporter,
    pytest_args: Sequence[str] = (),
) -> testing.TestResult | None:
    """tests/reliability (load, memory, valgrind, faults, fuzzing: ~4 min)
    against one cell's library, once its integration tests passed; None when
    they did not (the summary already says why)."""
    if not (root / "tests" / "reliability").is_dir():
        return None
    if outcome.build is None or outcome.build.library is None or not (outcome.tests and outcome.tests.ok):
        reporter.line(f"{outcome.cell.name}: reliability tests not run (the integration tests did not pass)")
        return None
    return test_cell(outcome.cell, outcome.build, root, tools_python, reporter, pytest_args,
                     suite="reliability")


def build_stubs(
    root: Path = PROJECT_ROOT,
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    minor: str | None = None,
    dist_root: Path | None = None,
) -> int:
    """Build once (preferred Python) and copy orthanc.pyi to dist/."""
    reporter = reporter or Reporter(prefix="stubs")
    found = find_pythons(reporter)
    chosen = preferred_minor(found.pythons, minor)
    if chosen is None:
        reporter.line(f"error: no usable Python {SUPPORTED_RANGE} found")
        return 1
    cell = cells_for(found.pythons, ["Release"], detect_platform(), [chosen])[0]
    if not cell.runnable:
        reporter.line(f"error: {cell.skip_reason}")
        return 1
    outcome = run_cells([cell], Path(root), tools_python, reporter, test=False)[0]
    if (
        outcome.status != OK
        or outcome.build is None
        or outcome.build.generated_dir is None
    ):
        reporter.line(f"error: {outcome.reason}")
        return 1
    out_dir = Path(dist_root or Path(root) / "dist")
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        outcome.build.generated_dir / "orthanc.pyi", out_dir / "orthanc.pyi"
    )
    reporter.line(f"wrote {out_dir / 'orthanc.pyi'}")
    return 0
