"""PYTHON_WINDOWS_USE_RELEASE_LIBS as MSVC sees it: with _DEBUG defined (an
MSVC Debug build), src/PythonHeaders.h must keep Python's pyconfig.h on the
release library and off Py_DEBUG, unless ORTHANC_PYTHON_USE_DEBUG_LIBS asks
for the debug one.

No MSVC runs here, so MinGW's preprocessor stands in for it: _MSC_VER and
_M_X64 are defined by hand, and only preprocessing is done (the checked
outcome is preprocessor-only: macros and the #pragma comment(lib) line)."""

from __future__ import annotations

import subprocess

import pytest
from windows_env import ROOT, find_mingw_gxx, windows

HEADER = ROOT / "src" / "PythonHeaders.h"
INCLUDE = windows.windows_build_dir(ROOT) / "devroot" / "py3.11" / "include"
MSVC_DEBUG = ["-D_MSC_VER=1930", "-D_WIN64", "-D_M_X64", "-D_DEBUG"]


def preprocess(*flags: str) -> tuple[str, str]:
    """(preprocessed text, macro dump) of PythonHeaders.h as an MSVC Debug build."""
    gxx = find_mingw_gxx()
    if not (INCLUDE / "pyconfig.h").is_file():
        pytest.skip(f"no dev root headers at {INCLUDE} (nox -s windows-3.11)")
    base = [gxx, "-E", "-x", "c++", *MSVC_DEBUG, *flags, f"-I{INCLUDE}", str(HEADER)]
    text = subprocess.run(base, capture_output=True, text=True, check=True).stdout
    macros = subprocess.run(
        [*base[:2], "-dM", *base[2:]], capture_output=True, text=True, check=True
    ).stdout
    return text, macros


def defined(macros: str, name: str) -> bool:
    return any(line.split()[1:2] == [name] for line in macros.splitlines())


def test_release_libs_hide_debug_from_python() -> None:
    text, macros = preprocess()
    assert '#pragma comment(lib,"python311.lib")' in text
    assert "python311_d.lib" not in text
    assert not defined(macros, "Py_DEBUG")
    assert defined(macros, "_DEBUG")  # restored for the rest of the plugin


def test_debug_libs_keep_debug() -> None:
    text, macros = preprocess("-DORTHANC_PYTHON_USE_DEBUG_LIBS")
    assert '#pragma comment(lib,"python311_d.lib")' in text
    assert defined(macros, "Py_DEBUG")
