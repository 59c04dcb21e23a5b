"""PYTHON_WINDOWS_USE_RELEASE_LIBS as MSVC sees it: with _DEBUG defined (an
MSVC Debug build), src/PythonHeaders.h must keep Python's pyconfig.h on the
release library and off Py_DEBUG, unless ORTHANC_PYTHON_USE_DEBUG_LIBS asks
for the debug one.

No MSVC runs here, so MinGW's preprocessor stands in for it: _MSC_VER and
_M_X64 are defined by hand, and only preprocessing is done (the checked
outcome is preprocessor-only: macros and the #pragma comment(lib) line).
The pyconfig.h is CPython's own PC/pyconfig.h (MSVC's, from Debian's 3.11
source package), not the MinGW one the cross build writes."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from windows_env import ROOT, find_mingw_gxx, missing, windows

HEADER = ROOT / "src" / "PythonHeaders.h"
MSVC_DEBUG = ["-D_MSC_VER=1930", "-D_WIN64", "-D_M_X64", "-D_DEBUG"]


@pytest.fixture(scope="module")
def msvc_include(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CPython 3.11's Include/ and PC/pyconfig.h (Debian's source package, kept
    in build/windows/downloads after the first time)."""
    downloads = windows.windows_build_dir(ROOT) / "downloads" / "cpython"
    try:
        source = windows.find_cpython_source("3.11", downloads, windows.Reporter(io.StringIO()))
    except windows.WindowsBuildError as error:
        missing(f"no CPython 3.11 source for MSVC's pyconfig.h: {error}")
    include = tmp_path_factory.mktemp("msvc") / "include"
    windows.extract_headers(source, include)
    return include


@pytest.fixture(scope="module")
def preprocess(msvc_include: Path):
    def run(*flags: str) -> tuple[str, str]:
        return _preprocess(msvc_include, *flags)
    return run


def _preprocess(include: Path, *flags: str) -> tuple[str, str]:
    """(preprocessed text, macro dump) of PythonHeaders.h as an MSVC Debug build."""
    gxx = find_mingw_gxx()
    base = [gxx, "-E", "-x", "c++", *MSVC_DEBUG, *flags, f"-I{include}", str(HEADER)]
    text = subprocess.run(base, capture_output=True, text=True, check=True).stdout
    macros = subprocess.run(
        [*base[:2], "-dM", *base[2:]], capture_output=True, text=True, check=True
    ).stdout
    return text, macros


def defined(macros: str, name: str) -> bool:
    return any(line.split()[1:2] == [name] for line in macros.splitlines())


def test_release_libs_hide_debug_from_python(preprocess) -> None:
    text, macros = preprocess()
    assert '#pragma comment(lib,"python311.lib")' in text
    assert "python311_d.lib" not in text
    assert not defined(macros, "Py_DEBUG")
    assert defined(macros, "_DEBUG")  # restored for the rest of the plugin


def test_debug_libs_keep_debug(preprocess) -> None:
    text, macros = preprocess("-DORTHANC_PYTHON_USE_DEBUG_LIBS")
    assert '#pragma comment(lib,"python311_d.lib")' in text
    assert defined(macros, "Py_DEBUG")
