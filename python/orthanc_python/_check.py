"""Will a process without Python, like Orthanc, load the plugin here?

The plugin needs the shared library of the Python it was built for; pip
cannot install that library, so this module finds out whether the dynamic
loader finds it (and whether it is the one of the Python running this), and
says how to fix it when not. Each platform asks its own loader's tools:
``ldd`` on Linux, ``otool`` on macOS; Windows loads the DLL.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

Runner = Callable[[Sequence[str]], str]


@dataclass
class CheckResult:
    ok: bool
    lines: list[str] = field(default_factory=list)


def _run(cmd: Sequence[str]) -> str:
    return subprocess.run(
        list(cmd), capture_output=True, text=True, check=True, timeout=60
    ).stdout


def minor() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def expected_library(platform: str = sys.platform) -> Path | None:
    """The shared library of the Python running this (the venv's base
    Python): the one the plugin should load. None if it has none."""
    var = sysconfig.get_config_var
    if platform.startswith("win"):
        nodot = f"{sys.version_info[0]}{sys.version_info[1]}"
        dll = Path(sys.base_prefix) / f"python{nodot}.dll"
        return dll if dll.is_file() else None
    if platform == "darwin" and var("PYTHONFRAMEWORK"):
        framework = (
            Path(str(var("PYTHONFRAMEWORKPREFIX")))
            / f"{var('PYTHONFRAMEWORK')}.framework"
            / "Versions"
            / minor()
            / str(var("PYTHONFRAMEWORK"))
        )
        return framework if framework.is_file() else None
    libdir = var("LIBDIR")
    for name in (var("INSTSONAME"), var("LDLIBRARY")):
        if libdir and name and str(name).endswith((".so.1.0", ".so", ".dylib")):
            path = Path(str(libdir)) / str(name)
            if path.is_file():
                return path
    return None


def _same(a: Path, b: Path | None) -> bool:
    return b is not None and os.path.realpath(a) == os.path.realpath(b)


# --------------------------------------------------------------------------
# Linux


_LDD_LINE = re.compile(
    r"^\s*(?P<name>\S+)\s+=>\s+(?P<target>.+?)(?:\s+\(0x[0-9a-f]+\))?\s*$"
)


def parse_ldd(text: str) -> dict[str, str | None]:
    """``name => /path (0x...)`` or ``name => not found`` lines, by name."""
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        m = _LDD_LINE.match(line)
        if m:
            target = m.group("target").strip()
            found[m.group("name")] = None if target == "not found" else target
    return found


def check_linux(
    library: Path, expected: Path | None, run: Runner = _run
) -> CheckResult:
    if shutil.which("ldd") is None:
        return CheckResult(False, ["cannot check: no ldd on PATH"])
    deps = parse_ldd(run(["ldd", str(library)]))
    missing = [name for name, target in deps.items() if target is None]
    pythons = {n: t for n, t in deps.items() if n.startswith("libpython")}
    lines = []
    for name, target in pythons.items():
        lines.append(f"{name} => {target or 'not found'}")
    if missing:
        lines += _linux_fixes(missing, expected)
        return CheckResult(False, lines)
    if not pythons:
        return CheckResult(False, lines + ["the plugin does not link a libpython"])
    resolved = Path(next(iter(pythons.values())) or "")
    if expected is not None and not _same(resolved, expected):
        lines.append(
            f"warning: that is not the library of this Python ({expected}); the plugin "
            f"will run that other Python {minor()} installation's standard library"
        )
    return CheckResult(True, lines)


def _linux_fixes(missing: Sequence[str], expected: Path | None) -> list[str]:
    lines = [f"not found by the dynamic loader: {', '.join(missing)}"]
    if expected is not None:
        folder = expected.parent
        lines += [
            f"this Python's library is {expected}; make its folder known to the loader:",
            f"  echo {folder} > /etc/ld.so.conf.d/python{minor()}.conf && ldconfig",
            f"  (or start Orthanc with LD_LIBRARY_PATH={folder})",
        ]
    else:
        lines += [
            (
                f"this Python {minor()} has no shared library: install it "
                f"(Debian/Ubuntu: apt-get install libpython{minor()}; Fedora: python{minor()}-libs),"
            ),
            "  or use a Python built with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)",
        ]
    return lines


# --------------------------------------------------------------------------
# macOS


def parse_otool_rpaths(text: str) -> list[str]:
    """LC_RPATH entries of ``otool -l``, in load order."""
    rpaths = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "cmd LC_RPATH":
            for follow in lines[i + 1 : i + 4]:
                m = re.match(r"^\s*path (.+?) \(offset \d+\)\s*$", follow)
                if m:
                    rpaths.append(m.group(1))
                    break
    return rpaths


def parse_otool_python(text: str) -> str | None:
    """The Python library among the load commands of ``otool -L``."""
    for line in text.splitlines()[1:]:
        name = line.strip().split(" (compatibility", 1)[0]
        if "Python.framework/" in name or "/libpython" in name:
            return name
    return None


def resolve_macos(name: str, rpaths: Sequence[str], loader_dir: Path) -> list[Path]:
    """The files dyld tries for a load command, in order."""

    def expand(path: str) -> Path:
        return Path(path.replace("@loader_path", str(loader_dir)))

    if name.startswith("@rpath/"):
        rest = name[len("@rpath/") :]
        return [expand(r) / rest for r in rpaths]
    return [expand(name)]


def check_macos(
    library: Path, expected: Path | None, run: Runner = _run
) -> CheckResult:
    name = parse_otool_python(run(["otool", "-L", str(library)]))
    if name is None:
        return CheckResult(False, ["the plugin does not link a Python library"])
    tried = resolve_macos(
        name, parse_otool_rpaths(run(["otool", "-l", str(library)])), library.parent
    )
    lines = [f"load command: {name}"]
    found = next((p for p in tried if p.is_file()), None)
    if found is None:
        lines.append("not found at: " + ", ".join(str(p) for p in tried))
        lines.append(
            f"install Python {minor()} from python.org (/Library/Frameworks) or Homebrew "
            f"(python@{minor()}), or this wheel into the Python that has it"
        )
        return CheckResult(False, lines)
    lines.append(f"found: {found}")
    if expected is not None and not _same(found, expected):
        lines.append(f"warning: that is not the library of this Python ({expected})")
    return CheckResult(True, lines)


# --------------------------------------------------------------------------
# Windows


def check_windows(library: Path, expected: Path | None) -> CheckResult:
    """pythonXY.dll is found through PATH by a process without Python."""
    if expected is None:
        return CheckResult(
            False,
            [
                f"no python{sys.version_info[0]}{sys.version_info[1]}.dll in {sys.base_prefix}"
            ],
        )
    folders = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    on_path = [f for f in folders if (f / expected.name).is_file()]
    lines = [f"this Python's DLL: {expected}"]
    if not on_path:
        lines.append(
            f"{expected.name} is not on PATH: add {expected.parent} to the PATH of the Orthanc service"
        )
        return CheckResult(False, lines)
    lines.append(f"found on PATH in {on_path[0]}")
    if not _same(on_path[0] / expected.name, expected):
        lines.append(f"warning: PATH finds another {expected.name} first")
    return CheckResult(True, lines)


def check(library: Path, platform: str = sys.platform) -> CheckResult:
    expected = expected_library(platform)
    if platform.startswith("win"):
        return check_windows(library, expected)
    if platform == "darwin":
        return check_macos(library, expected)
    return check_linux(library, expected)


def load(library: Path) -> CheckResult:
    """Load the plugin into this process and find Orthanc's entry point.

    This Python's library is already loaded here, so this proves the plugin
    and its other dependencies load, not that Orthanc finds libpython
    (``check`` does that)."""
    try:
        handle = ctypes.CDLL(str(library))
    except OSError as error:
        return CheckResult(False, [f"cannot load {library}: {error}"])
    missing = [
        name
        for name in (
            "OrthancPluginInitialize",
            "OrthancPluginGetName",
            "OrthancPluginGetVersion",
        )
        if not hasattr(handle, name)
    ]
    if missing:
        return CheckResult(
            False, [f"{library} lacks the plugin entry points {', '.join(missing)}"]
        )
    return CheckResult(
        True, [f"loaded {library}: exports the Orthanc plugin entry points"]
    )
