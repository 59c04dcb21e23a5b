"""What the Windows tests share: packaging/orthanc_packaging/windows/
(imported like noxfile.py does), and where the built DLL, the smoke-test host
and the Windows Python they run with are.  A module of its own, not
conftest.py, so that the tests import it by a name no other conftest.py
shadows.

``nox -s windows-3.X`` sets ORTHANC_WINDOWS_* to what it built and
ORTHANC_WINDOWS_REQUIRE=1, so that a missing piece fails the run; a plain
``pytest tests/windows`` looks in build/windows and skips what is not built.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]



from orthanc_packaging import windows  # noqa: E402

NATIVE = sys.platform.startswith("win")


def required() -> bool:
    return os.environ.get(windows.ENV_REQUIRE) == "1"


def missing(reason: str) -> None:
    """Skip, or fail when the session asked for everything to be there."""
    if required():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Built:
    minor: str
    plugin: Path
    host: Path
    python_home: Path  # the embeddable Python (x64: no 32-bit one is reachable here)
    wine_prefix: Path | None  # None: runs natively
    release_libs: bool
    arch: windows.Arch = windows.X64  # of the plugin and the host

    @property
    def runs_here(self) -> bool:
        """Whether the plugin can run with python_home (same bitness)."""
        return self.arch is windows.X64 or NATIVE


def find_built() -> Built:
    """What ``nox -s windows-3.X`` built (ORTHANC_WINDOWS_*), else build/windows."""
    minor = os.environ.get("ORTHANC_WINDOWS_PYTHON_MINOR", "3.11")
    arch = windows.ARCHES[os.environ.get(windows.ENV_ARCH, "x64")]
    work = windows.windows_build_dir(ROOT)
    x86 = arch is windows.X86
    plugin = Path(
        os.environ.get(windows.ENV_PLUGIN)
        or work / ("x86" if x86 else "") / f"py{minor}-release" / "OrthancPython.dll"
    )
    host = Path(
        os.environ.get(windows.ENV_HOST)
        or work / ("smoke-host-mingw-i686" if x86 else "smoke-host-mingw") / "smoke_host.exe"
    )
    home = Path(
        os.environ.get(windows.ENV_PYTHON_HOME) or windows.dev_root_path(work, minor)
    )
    for what, path in (
        ("plugin", plugin),
        ("smoke-test host", host),
        ("Python", home / f"python{windows.python_tag(minor)}.dll"),
    ):
        if not path.is_file():
            missing(f"no {what} at {path}: run 'nox -s windows-{minor}{arch.session_suffix}' first")
    prefix = None
    if not NATIVE:
        if windows.wine_command() is None:
            missing("wine64 is not installed (apt-get install wine64)")
        prefix = windows.default_wine_prefix(ROOT)
    return Built(
        minor,
        plugin,
        host,
        home,
        prefix,
        os.environ.get("ORTHANC_WINDOWS_RELEASE_LIBS", "1") == "1",
        arch,
    )


def find_mingw_gxx() -> str:
    """The MinGW-w64 C++ compiler, to build small real DLLs for the checks.
    Linux only: these tests check the checker, which does not depend on the
    platform, and Windows runners' MinGW installs vary."""
    if NATIVE:
        pytest.skip("MinGW-built check fixtures run on Linux only")
    found = shutil.which(f"{windows.MINGW_TRIPLE}-g++-posix") or shutil.which(
        f"{windows.MINGW_TRIPLE}-g++"
    )
    if not found:
        pytest.skip("MinGW-w64 is not installed (apt-get install mingw-w64)")
    return found
