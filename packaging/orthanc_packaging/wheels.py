"""Wheels of the plugin as a deliverable (pyproject.toml, scikit-build-core):
one wheel per Python found here (discovery.py), each built in a persistent
build folder and repaired by auditwheel with libpython excluded (build),
checked (wheel_checks.py), then installed into a fresh venv and run in a
real Orthanc by tests/wheels (smoke test); plus a portable wheel, linked as
CI's manylinux builds are, tested against the system Python.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .deliverable import Artifact, DeliverableError
from .discovery import SUPPORTED_MINORS, DiscoveryResult, discover
from .wheel_build import LOCAL, PORTABLE, Layout, Log, WheelBuild, _print, build_one

# cibuildwheel 3.4.1 (pinned: 4.x dropped cp38) builds cp38 to cp313, and no
# Python 3.14 with a shared libpython is installed on these hosts.
MINORS: tuple[str, ...] = tuple(m for m in SUPPORTED_MINORS if m != "3.14")

SYSTEM_PYTHON_PROBE = (
    "import sys, sysconfig, ensurepip\n"
    "print('%d.%d' % sys.version_info[:2])\n"
    "print(sysconfig.get_config_var('LIBDIR') or '')\n"
    "print(sysconfig.get_config_var('INSTSONAME') or '')\n"
)


def find_system_python(
    candidates: Sequence[str] = ("/usr/bin/python3",),
) -> tuple[str, Path] | None:
    """The distribution's Python, if it has a shared libpython and can make
    venvs: the host a portable wheel is tested against."""
    for candidate in candidates:
        if not os.path.isfile(candidate):
            continue
        done = subprocess.run(
            [candidate, "-c", SYSTEM_PYTHON_PROBE],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stdout.splitlines()
        if done.returncode != 0 or len(lines) != 3 or lines[0] not in MINORS:
            continue
        if lines[1] and lines[2] and (Path(lines[1]) / lines[2]).is_file():
            return lines[0], Path(os.path.realpath(candidate))
    return None


def run_tests(
    root: Path,
    tools_python: str,
    built: Sequence[Path],
    pythons: Mapping[str, Path],
    pytest_args: Sequence[str] = (),
    tests: str = "tests/wheels",
) -> int:
    """tests/wheels against the wheels ``built``, each installed into a
    fresh venv of the Python given for its version."""
    env = dict(os.environ)
    env["ORTHANC_PYTHON_WHEELS"] = os.pathsep.join(str(w) for w in built)
    env["ORTHANC_WHEEL_PYTHONS"] = json.dumps({m: str(p) for m, p in pythons.items()})
    cmd = [
        tools_python,
        "-m",
        "pytest",
        str(root / tests),
        "-p",
        "no:cacheprovider",
        "-q",
        *pytest_args,
    ]
    return subprocess.run(cmd, cwd=root, env=env, check=False).returncode




def find_pythons(minors: Sequence[str], found: DiscoveryResult) -> dict[str, Path]:
    """The preferred Python of each minor that has a shared libpython."""
    pythons = {}
    for minor in minors:
        best = found.best(minor)
        if best is not None and best.libpython:
            pythons[minor] = Path(best.executable)
    return pythons


class Wheels:
    """A local wheel for each Python found, and a portable one for the
    system Python's version."""

    name = "wheels"

    def __init__(
        self,
        root: Path,
        tools_python: str,
        log_line: Log = _print,
        minors: Sequence[str] | None = None,
        portable: bool = True,
        pytest_args: Sequence[str] = (),
        discover_pythons: Callable[[], DiscoveryResult] = discover,
    ) -> None:
        self.root = Path(root)
        self.tools_python = tools_python
        self.log_line = log_line
        self.wanted = list(minors or MINORS)
        self.portable = portable
        self.pytest_args = tuple(pytest_args)
        self.discover_pythons = discover_pythons
        self.pythons: dict[str, Path] = {}
        self.system: tuple[str, Path] | None = None
        self.results: list[WheelBuild] = []

    def prepare(self) -> None:
        unknown = [m for m in self.wanted if m not in MINORS]
        if unknown:
            raise DeliverableError(
                f"unsupported Python {', '.join(unknown)} for wheels (supported: {', '.join(MINORS)})"
            )
        self.pythons = find_pythons(self.wanted, self.discover_pythons())
        for minor in self.wanted:
            if minor not in self.pythons:
                self.log_line(f"wheels: {minor}: skipped, no Python {minor} with a shared libpython found")
        if not self.pythons:
            raise DeliverableError("no Python with a shared libpython found: nothing to build wheels with")
        self.system = find_system_python() if self.portable else None
        if self.portable and self.system is None:
            self.log_line("wheels: no portable wheel: no system Python 3.8-3.13 with a shared libpython and venv")
        elif self.system and self.system[0] not in self.pythons:
            self.log_line(f"wheels: no portable wheel: the system Python is {self.system[0]}, not asked for")
            self.system = None

    def build(self) -> list[Artifact]:
        layout = Layout(self.root)
        tools_bin = Path(self.tools_python).parent
        builds = [(minor, LOCAL) for minor in self.pythons]
        if self.system:
            builds.append((self.system[0], PORTABLE))
        for minor, variant in builds:
            self.log_line(f"wheels: {minor} {variant.name}: building with {self.pythons[minor]}")
            self.results.append(
                build_one(minor, self.pythons[minor], layout, self.tools_python, tools_bin, variant,
                          self.log_line)
            )
        return [Artifact(f"{r.minor} {r.variant.name}", r.wheel, r.wheel.stat().st_size)
                for r in self.results if r.wheel]

    def check(self, artifacts: Sequence[Artifact]) -> list[str]:
        """build_one repaired each wheel and ran check_wheel on it: its errors."""
        return [f"{r.minor} {r.variant.name}: {r.error}" for r in self.results if r.wheel is None]

    def smoke_test(self, artifacts: Sequence[Artifact]) -> list[str]:
        problems = []
        local = [r for r in self.results if r.wheel and r.variant == LOCAL]
        if local and run_tests(self.root, self.tools_python, [r.wheel for r in local if r.wheel],
                               {r.minor: self.pythons[r.minor] for r in local}, self.pytest_args):
            problems.append("tests/wheels failed on the local wheels")
        portable = [r.wheel for r in self.results if r.wheel and r.variant == PORTABLE]
        if self.system and portable and run_tests(
            self.root, self.tools_python, portable, {self.system[0]: self.system[1]}, self.pytest_args,
            tests="tests/wheels/test_wheel_in_orthanc.py",
        ):
            problems.append("tests/wheels/test_wheel_in_orthanc.py failed on the portable wheel")
        return problems

    def summary(self) -> list[str]:
        return [
            f"{r.minor:<5} {r.variant.name:<8} {r.seconds:5.0f}s  "
            + (f"ok {r.wheel.name} ({r.platform_tag})" if r.wheel else f"FAILED {r.error}")
            for r in self.results
        ]
