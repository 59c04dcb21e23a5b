"""What every part of the Windows build shares: constants, the error, running a tool."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Mapping, Sequence

from ..commands import Runner
from ..naming import PlatformTag

MINGW_TRIPLE = "x86_64-w64-mingw32"


WINDOWS = PlatformTag("windows", "x86_64")


ENTRY_POINTS = (
    "OrthancPluginInitialize",
    "OrthancPluginFinalize",
    "OrthancPluginGetName",
    "OrthancPluginGetVersion",
)


# The MinGW runtime DLLs: a Windows user has none of them.
MINGW_RUNTIME_DLLS = ("libstdc++-6.dll", "libgcc_s_seh-1.dll", "libwinpthread-1.dll")


# Debian packages of the cross build, keyed by the program that tells whether
# they are installed.
CROSS_TOOLS: Mapping[str, str] = {
    f"{MINGW_TRIPLE}-g++-posix": "mingw-w64",
    f"{MINGW_TRIPLE}-windres": "mingw-w64",
    f"{MINGW_TRIPLE}-dlltool": "mingw-w64",
    f"{MINGW_TRIPLE}-objdump": "mingw-w64",
    "gendef": "mingw-w64-tools",
    "cmake": "cmake",
}


SDK_HEADER = Path("/usr/include/orthanc/OrthancCPlugin.h")


# Contract with tests/windows/test_smoke_host.py.
ENV_PLUGIN = "ORTHANC_WINDOWS_PLUGIN"  # the built OrthancPython.dll


ENV_HOST = "ORTHANC_WINDOWS_HOST"  # smoke_host.exe


ENV_PYTHON_HOME = "ORTHANC_WINDOWS_PYTHON_HOME"  # folder of pythonXY.dll and python.exe


ENV_LOADER = "ORTHANC_WINDOWS_LOADER"  # the loader OrthancPython.dll (src/loader)
ENV_LOADER_X86 = "ORTHANC_WINDOWS_LOADER_X86"  # the same, 32-bit
ENV_HOST_X86 = "ORTHANC_WINDOWS_HOST_X86"  # smoke_host.exe, 32-bit


ENV_REQUIRE = (
    "ORTHANC_WINDOWS_REQUIRE"  # "1": fail, not skip, when something is missing
)


ENV_CPYTHON_SOURCE = (
    "ORTHANC_CPYTHON_SOURCE"  # CPython source tarball or tree (headers)
)


class WindowsBuildError(RuntimeError):
    pass




def _run(
    cmd: Sequence[str], run: Runner = subprocess.run, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a tool, raising WindowsBuildError with its output when it fails."""
    proc = run(list(cmd), text=True, capture_output=True, **kwargs)
    if proc.returncode != 0:
        output = (proc.stdout or "") + (proc.stderr or "")
        tail = "\n".join(output.strip().splitlines()[-20:])
        raise WindowsBuildError(
            f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n{tail}"
        )
    return proc


def python_tag(minor: str) -> str:
    """'3.11' -> '311', as in python311.dll."""
    major, _, rest = minor.partition(".")
    if major != "3" or not rest.isdigit():
        raise ValueError(f"expected a Python version like 3.11, not {minor!r}")
    return major + rest


def windows_build_dir(root: Path) -> Path:
    return root / "build" / "windows"
