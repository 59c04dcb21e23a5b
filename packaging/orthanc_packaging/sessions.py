"""What each nox session does: the table that ``python -m orthanc_packaging
<session>`` dispatches on (noxfile.py lists the same names and only calls
this module inside the session's venv, where the library is installed).

A session body takes a SessionContext and returns an exit code; it raises
SessionSkipped when there is nothing to do here (a Python not installed).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import (
    bench_root,
    ci,
    conan,
    deliverable,
    docker,
    release,
    roots,
    speed,
    system,
    windows,
)
from . import loader as loader_tools
from . import nogil as nogil_tools
from . import stubs as type_stubs
from . import wheels as wheel_tools
from .commands import run
from .discovery import SUPPORTED_MINORS
from .naming import detect_platform
from .report import Reporter
from .version import PROJECT_ROOT


class SessionSkipped(Exception):
    """Nothing to do on this machine; the message says why."""


@dataclass(frozen=True)
class SessionContext:
    name: str
    args: tuple[str, ...] = ()
    root: Path = PROJECT_ROOT
    tools_python: str = sys.executable  # the session venv's python: pytest, libclang, Jinja2
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def reporter(self) -> Reporter:
        return Reporter(prefix=self.name)


Body = Callable[[SessionContext], int]


def _system_packages(ctx: SessionContext, packages: Sequence[str] = system.BUILD_AND_TEST_PACKAGES) -> None:
    system.ensure_packages(packages, reporter=ctx.reporter)


def _matrix(ctx: SessionContext, versions: list[str] | None, test: bool, dist: bool = False,
            pytest_args: Sequence[str] = ()) -> int:
    _system_packages(ctx)
    reporter = ctx.reporter
    found = release.find_pythons(reporter)
    if versions is not None and len(versions) == 1:
        reason = release.skip_reason(found.pythons, versions[0])
        if reason:
            raise SessionSkipped(reason)
    return release.run_matrix(
        root=ctx.root, versions=versions, tools_python=ctx.tools_python, reporter=reporter,
        test=test, dist=dist, found=found, pytest_args=pytest_args,
    )


def build_one(minor: str) -> Body:
    return lambda ctx: _matrix(ctx, [minor], test=False)


def test_one(minor: str) -> Body:
    return lambda ctx: _matrix(ctx, [minor], test=True, pytest_args=ctx.args)


def windows_one(minor: str, arch: windows.Arch = windows.X64) -> Body:
    return lambda ctx: windows.run_session(ctx.root, minor, ctx.tools_python, ctx.args, ctx.reporter,
                                           arch=arch)


def windows_all(ctx: SessionContext) -> int:
    return windows.run_all(ctx.root, ctx.tools_python, ctx.args, ctx.reporter)


def matrix(ctx: SessionContext) -> int:
    return _matrix(ctx, list(ctx.args) or None, test=True)


def release_all(ctx: SessionContext) -> int:
    """The Linux matrix and its dist/, then (on Linux, where MinGW cross-builds
    them) every Windows DLL and the windows-x64 / windows-x86 bundles, which
    windows-all records in the manifest the matrix wrote."""
    code = _matrix(ctx, list(ctx.args) or None, test=True, dist=True)
    wanted = [a for a in ctx.args if a in windows.EMBEDDABLE_MINORS]
    if detect_platform().os != "linux" or (ctx.args and not wanted):
        return code
    return windows.run_all(ctx.root, ctx.tools_python, wanted, ctx.reporter) or code


def stubs(ctx: SessionContext) -> int:
    _system_packages(ctx)
    made = type_stubs.Stubs(ctx.root, ctx.tools_python, ctx.reporter, ctx.env.get("ORTHANC_TEST_PYTHON"))
    return deliverable.exit_code(deliverable.produce(made, ctx.reporter))


def docker_images(ctx: SessionContext) -> int:
    images = docker.DockerImages(ctx.root, ctx.tools_python, ctx.reporter, ctx.args)
    return deliverable.exit_code(deliverable.produce(images, ctx.reporter))


def wheels(ctx: SessionContext) -> int:
    made = wheel_tools.Wheels(ctx.root, ctx.tools_python, ctx.reporter.line, list(ctx.args) or None)
    return deliverable.exit_code(deliverable.produce(made, ctx.reporter))


def conan_packages(ctx: SessionContext) -> int:
    packages = conan.ConanPackages(ctx.root, ctx.tools_python, ctx.reporter, ctx.args)
    return deliverable.exit_code(deliverable.produce(packages, ctx.reporter))


def speed_bench(ctx: SessionContext) -> int:
    _system_packages(ctx)
    versions = [a for a in ctx.args if a != "--keep"] or None
    return speed.run_speed_bench(ctx.root, ctx.tools_python, ctx.reporter, versions, "--keep" in ctx.args)


def bench(ctx: SessionContext) -> int:
    _system_packages(ctx, system.BENCH_PACKAGES)
    args = list(ctx.args)
    if "--host" in args:  # Orthanc 1.10.1 and upstream 4.0 on this host
        args.remove("--host")
        return run([ctx.tools_python, "bench/run.py", "--build", *args], cwd=ctx.root).returncode
    try:
        forky = bench_root.prepare(ctx.root, ctx.reporter)
    except roots.RootError as error:
        ctx.reporter.line(f"error: {error}")
        return 1
    return run([ctx.tools_python, "bench/run.py", *forky, "--build", *args], cwd=ctx.root).returncode


def nogil(ctx: SessionContext) -> int:
    _system_packages(ctx)
    return nogil_tools.run_nogil(ctx.root, ctx.tools_python, ctx.reporter, ctx.args)


def unit(ctx: SessionContext) -> int:
    dirs = [d for d in ci.UNIT_TEST_DIRS if (ctx.root / d).is_dir()]
    return run([ctx.tools_python, "-m", "pytest", *dirs, "-q", *ctx.args], cwd=ctx.root).returncode


def tests(ctx: SessionContext) -> int:
    _system_packages(ctx)
    return ci.run_ci_tests(ctx.root, ctx.tools_python, ctx.reporter, ctx.env.get("ORTHANC_TEST_PYTHON"), ctx.args)


def from_source(ctx: SessionContext) -> int:
    return run([ctx.tools_python, "-m", "pytest", "tests/from_source", "-q", "-rA", *ctx.args],
               cwd=ctx.root).returncode


def loader(ctx: SessionContext) -> int:
    _system_packages(ctx)
    return loader_tools.run_loader_session(ctx.root, ctx.tools_python, ctx.reporter, pytest_args=ctx.args)


def orthanc_releases(ctx: SessionContext) -> int:
    _system_packages(ctx)
    return ci.run_orthanc_releases(ctx.root, ctx.tools_python, ctx.reporter,
                                        ctx.env.get("ORTHANC_TEST_PYTHON"), ctx.args)


def _table() -> dict[str, Body]:
    table: dict[str, Body] = {
        "tests": tests,
        "unit": unit,
        "matrix": matrix,
        "release": release_all,
        "stubs": stubs,
        "docker": docker_images,
        "wheels": wheels,
        "conan": conan_packages,
        "speed": speed_bench,
        "bench": bench,
        "from-source": from_source,
        "loader": loader,
        "nogil": nogil,
        "orthanc-releases": orthanc_releases,
    }
    for minor in SUPPORTED_MINORS:
        table[f"build-{minor}"] = build_one(minor)
        table[f"test-{minor}"] = test_one(minor)
    for minor in windows.WINDOWS_MINORS:
        for arch in windows.ARCHES.values():
            table[f"windows-{minor}{arch.session_suffix}"] = windows_one(minor, arch)
    table["windows-all"] = windows_all
    return table


SESSIONS: dict[str, Body] = _table()


def run_session(ctx: SessionContext) -> tuple[int, str | None]:
    """(exit code, skip reason): one plain line instead of a traceback when the
    machine lacks what the session needs."""
    body = SESSIONS.get(ctx.name)
    if body is None:
        return 2, None
    try:
        return body(ctx), None
    except SessionSkipped as skipped:
        return 0, str(skipped)
    except system.SystemSetupError as error:
        ctx.reporter.line(f"error: {error}")
        return 1, None

