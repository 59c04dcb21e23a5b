"""What `nox -s bench` needs in the Debian forky root (today's reference).

The root with Orthanc 1.13.0, its SDK, Python 3.14 and the upstream plugin
7.1 (Debian's orthanc-python); the twin CPython builds (freethreaded.py);
host wrappers running the root's Orthanc and cmake. Returns the arguments
that point bench/run.py at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import freethreaded, roots
from .report import Reporter

SUITE = "forky"
ORTHANC = "/usr/sbin/Orthanc"
CMAKE = "/usr/bin/cmake"


def packages() -> tuple[str, ...]:
    target = roots.suite(SUITE)
    return (*roots.BUILD_PACKAGES, *target.python_packages, "orthanc-python")


def bench_arguments(root: roots.Root) -> list[str]:
    """bench/run.py's arguments for this root: its Orthanc and cmake through wrappers."""
    return ["--forky", "--orthanc-binary", str(root.wrapper(ORTHANC)), "--cmake", str(root.wrapper(CMAKE))]


def prepare(
    project_root: Path,
    reporter: Reporter | None = None,
    make_root: Callable[..., roots.Root] = roots.ensure_root,
    ensure_cpython: Callable[..., str] = freethreaded.ensure_cpython,
) -> list[str]:
    """Make (once) what the forky benchmark needs; RootError says what failed."""
    root = make_root(SUITE, Path(project_root), packages(), reporter)
    for build in freethreaded.TWINS:
        ensure_cpython(root, build, reporter)
    return bench_arguments(root)
