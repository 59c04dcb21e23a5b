"""cmake/MacOS.cmake included by a project, as CMakeLists.txt does on macOS:
what it hands to FindPython3 from the project's inputs. APPLE is forced on
(no compiler is involved), so this runs on any OS; the target part needs
otool and runs on the macOS CI job only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from macos_env import CLT_39, ROOT, framework, prefix

PROJECT = """\
cmake_minimum_required(VERSION 3.18)
project(glue NONE)
set(APPLE TRUE)
include("{root}/cmake/MacOS.cmake")
foreach(_name Python3_LIBRARY Python3_INCLUDE_DIR Python3_FIND_FRAMEWORK PYTHON_VERSION
              ORTHANC_PYTHON_MACOS_LINK_NAME ORTHANC_PYTHON_MACOS_RPATH)
  message(STATUS "${{_name}}=${{${{_name}}}}")
endforeach()
"""


def configure(tmp_path: Path, args: list[str]) -> subprocess.CompletedProcess:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake is not installed")
    source = tmp_path / "project"
    source.mkdir(exist_ok=True)
    (source / "CMakeLists.txt").write_text(
        PROJECT.format(root=ROOT.as_posix()), encoding="utf-8"
    )
    build = tmp_path / "build"
    shutil.rmtree(build, ignore_errors=True)
    return subprocess.run(
        [cmake, "-S", str(source), "-B", str(build), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def values(done: subprocess.CompletedProcess) -> dict[str, str]:
    assert done.returncode == 0, done.stdout + done.stderr
    found = {}
    for line in done.stdout.splitlines():
        line = line.removeprefix("-- ")
        if "=" in line and line.split("=", 1)[0].replace("_", "").isalnum():
            key, value = line.split("=", 1)
            found[key] = value
    return found


def test_root_dir_of_a_framework(tmp_path: Path) -> None:
    vd = framework(tmp_path / "Library" / "Frameworks", "3.12")
    got = values(configure(tmp_path, [f"-DPython3_ROOT_DIR={vd}"]))
    assert got["Python3_LIBRARY"] == f"{vd}/lib/libpython3.12.dylib"
    assert got["Python3_INCLUDE_DIR"] == f"{vd}/include/python3.12"
    assert got["Python3_FIND_FRAMEWORK"] == "FIRST"
    assert got["PYTHON_VERSION"] == "3.12"  # FindPython3 then asks for exactly it
    assert (
        got["ORTHANC_PYTHON_MACOS_LINK_NAME"]
        == "@rpath/Python.framework/Versions/3.12/Python"
    )


def test_documented_library_and_include_overrides(tmp_path: Path) -> None:
    root = prefix(tmp_path / "pyenv" / "versions" / "3.8.18", "3.8")
    got = values(
        configure(
            tmp_path,
            [
                "-DPYTHON_VERSION=3.8",
                f"-DPYTHON_LIBRARY={root}/lib/libpython3.8.dylib",
                f"-DPYTHON_INCLUDE_DIR={root}/include/python3.8",
            ],
        )
    )
    assert got["Python3_LIBRARY"] == f"{root}/lib/libpython3.8.dylib"
    assert got["Python3_FIND_FRAMEWORK"] == "NEVER"
    assert got["ORTHANC_PYTHON_MACOS_RPATH"] == f"@loader_path/../../..;{root}/lib"


@pytest.mark.skipif(os.name == "nt", reason="the fake interpreter is a shell script")
def test_venv_interpreter_leads_to_its_base_framework(tmp_path: Path) -> None:
    # scikit-build-core passes the build venv's python: its base Python is
    # the one to link.
    vd = framework(tmp_path / "Library" / "Frameworks", "3.11")
    fake = tmp_path / "venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n%s\\n' '{vd}' '3.11'\n", encoding="utf-8")
    fake.chmod(0o755)
    got = values(configure(tmp_path, [f"-DPython3_EXECUTABLE={fake}"]))
    assert got["Python3_LIBRARY"] == f"{vd}/lib/libpython3.11.dylib"
    assert got["PYTHON_VERSION"] == "3.11"


def test_command_line_tools_python_stops_the_configuration(tmp_path: Path) -> None:
    done = configure(tmp_path, [f"-DPython3_ROOT_DIR={CLT_39}"])
    assert done.returncode != 0
    assert "not an allowed client" in done.stderr


def test_nothing_given_leaves_findpython_alone(tmp_path: Path) -> None:
    got = values(configure(tmp_path, []))
    assert got["Python3_LIBRARY"] == ""
    assert got["Python3_FIND_FRAMEWORK"] == ""
