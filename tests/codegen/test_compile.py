"""The rendered C++ compiles as C++17 without warnings (-Wall -Wextra)."""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

# Paths computed here: `from conftest import` could pick another conftest.py.
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def test_generated_cpp_compiles(real_output_dir, real_header):
    compiler = shutil.which("g++")
    include = sysconfig.get_paths()["include"]
    if compiler is None or not (Path(include) / "Python.h").is_file():
        pytest.skip("g++ or the Python headers are missing")
    sources = sorted(str(p) for p in real_output_dir.glob("Orthanc*.cpp"))
    assert len(sources) == 3
    command = [
        compiler, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
        "-I", str(real_header.parent.parent), "-I", str(ROOT / "src"), "-I", str(real_output_dir), "-I", include, *sources,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
