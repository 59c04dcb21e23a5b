"""`nox -s nogil`: the plugin on a free-threaded CPython (3.14t), tested.

The plugin is built inside the Debian forky root against the free-threaded
CPython 3.14 made there from Debian's source (freethreaded.py, once,
cached) and Orthanc 1.13.0's SDK; the integration suite then runs against
that root's Orthanc, and the reliability suite (load, fuzzing, shutdown
with queued events) after it, as the tests session does for the GIL builds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import freethreaded, orthanc_releases, roots, testing
from .cells import run_cells
from .ci import run_reliability_tests
from .matrix import Cell, Target
from .naming import detect_platform
from .release import print_summary
from .report import Reporter
from .version import PROJECT_ROOT, read_version

SUITE = "forky"
TAG = "free-threaded"  # in the cell's name: forky-py3.14-free-threaded-release

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def free_threaded_cell(
    project_root: Path,
    reporter: Reporter | None = None,
    make_root: Callable[..., roots.Root] = roots.ensure_root,
    ensure_cpython: Callable[..., str] = freethreaded.ensure_cpython,
    run: Run = orthanc_releases._run,
) -> Cell:
    """The cell building the plugin against forky's 3.14t and testing it in forky's Orthanc."""
    suite = roots.suite(SUITE)
    root = make_root(SUITE, Path(project_root), orthanc_releases.root_packages(suite), reporter)
    executable = ensure_cpython(root, freethreaded.FREE_THREADED, reporter)
    python = root.probe_python(executable, run)
    reason = f"skipped: {python.describe()}: {python.problem}" if python.problem else None
    inside = orthanc_releases.ORTHANC_INSIDE
    target = Target(
        suite=SUITE,
        orthanc=orthanc_releases.orthanc_version(root.command([inside, "--version"]), run) or suite.orthanc,
        sdk=orthanc_releases.header_version(root.host_path(orthanc_releases.SDK_INSIDE)) or suite.sdk,
        root=root,
        tag=TAG,
        orthanc_binary=str(root.wrapper(inside)),
        embedded_python=str(root.wrapper(executable)),
    )
    return Cell(python.minor, "Release", detect_platform(), python, reason, target)


def run_nogil(
    root: Path = PROJECT_ROOT,
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    pytest_args: Sequence[str] = (),
) -> int:
    """Build, integration suite, then reliability suite on 3.14t; 0 when all passed."""
    reporter = reporter or Reporter(prefix="nogil")
    try:
        cell = free_threaded_cell(Path(root), reporter)
    except roots.RootError as error:
        reporter.line(f"error: {error}")
        return 1
    outcomes = run_cells([cell], Path(root), tools_python, reporter, True, (), pytest_args)
    code = print_summary(outcomes, read_version(Path(root)), reporter)
    results = [o.tests for o in outcomes if o.tests is not None]
    reliability = run_reliability_tests(outcomes[0], Path(root), tools_python, reporter, pytest_args)
    if reliability is not None:
        results.append(reliability)
    reporter.stream.write(testing.total_line(results) + "\n")
    reporter.stream.flush()
    return 0 if code == 0 and reliability is not None and reliability.ok else 1
