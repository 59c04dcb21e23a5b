"""What CI runs (`nox -s tests`) and `nox -s orthanc-releases`: unit tests,
the host's builds and the other Debian suites' Orthanc in their roots with
their integration tests, then the reliability tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import orthanc_releases, testing
from .cells import REAL_STEPS, CellOutcome, CellSteps, run_cells
from .discovery import SUPPORTED_RANGE, DiscoveryResult
from .matrix import parse_minor
from .naming import detect_platform
from .release import find_pythons, preferred_minor, print_summary, second_minor
from .report import Reporter
from .version import PROJECT_ROOT, read_version

UNIT_TEST_DIRS = ("tests/packaging", "tests/codegen", "tests/macos", "tests/bench")


def _choose_python(reporter: Reporter, minor: str | None) -> tuple[DiscoveryResult, str | None]:
    """The Pythons found and the one to build for (`minor`, else the
    preferred); None, said as an error, when there is none."""
    found = find_pythons(reporter)
    chosen = preferred_minor(found.pythons, minor)
    if chosen is None:
        reporter.line(f"error: no usable Python {SUPPORTED_RANGE} found to build the plugin for")
    return found, chosen


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
    found, chosen = _choose_python(reporter, minor)
    code = 1
    if chosen is not None:
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
    found, chosen = _choose_python(reporter, minor)
    if chosen is None:
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
    steps: CellSteps = REAL_STEPS,
) -> testing.TestResult | None:
    """tests/reliability (load, memory, valgrind, faults, fuzzing: ~4 min)
    against one cell's library, once its integration tests passed; None when
    they did not (the summary already says why)."""
    if not (root / "tests" / "reliability").is_dir():
        return None
    if outcome.build is None or outcome.build.library is None or not (outcome.tests and outcome.tests.ok):
        reporter.line(f"{outcome.cell.name}: reliability tests not run (the integration tests did not pass)")
        return None
    return steps.test(outcome.cell, outcome.build, root, tools_python, reporter, pytest_args,
                      suite="reliability", steps=steps)
