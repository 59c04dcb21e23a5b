"""CMake command lines, preflight messages, and a real build of a fake project."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from orthanc_packaging import cmake
from orthanc_packaging.matrix import Cell
from orthanc_packaging.naming import PlatformTag
from orthanc_packaging.report import Reporter
from packaging_fakes import found_python, make_fake_project, needs_build_tools

LINUX = PlatformTag("linux", "x86_64")


def which_of(*present: str):
    return lambda name: f"/usr/bin/{name}" if name in present else None


def cell_for(
    tmp_path: Path, version: str = "3.12.1", build_type: str = "Release"
) -> Cell:
    python = found_python(version, tmp_path)
    return Cell(python.minor, build_type, LINUX, python)


def test_configure_command_with_ninja_and_ccache(tmp_path: Path) -> None:
    cell = cell_for(tmp_path)
    plan = cmake.make_plan(
        cell,
        tmp_path / "src",
        "/venv/bin/python",
        which=which_of("ninja", "ccache"),
        env={},
    )
    py = cell.python
    assert py is not None
    assert cmake.configure_command(plan) == [
        "cmake",
        "-S",
        str(tmp_path / "src"),
        "-B",
        str(tmp_path / "src/build/py3.12-release"),
        "-G",
        "Ninja",
        "-DPYTHON_VERSION=3.12",
        f"-DPython3_ROOT_DIR={py.prefix}",
        f"-DPython3_EXECUTABLE={py.executable}",
        "-DCMAKE_BUILD_TYPE=Release",
        "-DORTHANC_CODEGEN_PYTHON=/venv/bin/python",
        "-DCMAKE_C_COMPILER_LAUNCHER=ccache",
        "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache",
        f"-DORTHANC_CODEGEN_CACHE={tmp_path / 'src/build/codegen-cache'}",
    ]
    assert cmake.build_command(plan) == [
        "cmake",
        "--build",
        str(plan.build_dir),
        "--config",
        "Release",
    ]
    assert cmake.build_command(plan, jobs=2)[-2:] == ["--parallel", "2"]


def test_configure_command_without_ninja_ccache_but_with_sdk_path(
    tmp_path: Path,
) -> None:
    cell = cell_for(tmp_path, "3.8.18", "Debug")
    plan = cmake.make_plan(
        cell, tmp_path, "/py", which=which_of(), env={"ORTHANC_SDK_PATH": "/sdk"}
    )
    cmd = cmake.configure_command(plan)
    assert "-G" not in cmd
    assert not any("LAUNCHER" in a for a in cmd)
    assert "-DORTHANC_SDK_PATH=/sdk" in cmd
    assert "-DCMAKE_BUILD_TYPE=Debug" in cmd and "-DPYTHON_VERSION=3.8" in cmd
    assert plan.build_dir == tmp_path / "build" / "py3.8-debug"


def test_existing_build_dir_keeps_its_generator(tmp_path: Path) -> None:
    build = tmp_path / "build" / "py3.12-release"
    build.mkdir(parents=True)
    (build / "CMakeCache.txt").write_text("CMAKE_GENERATOR:INTERNAL=Unix Makefiles\n")
    plan = cmake.make_plan(
        cell_for(tmp_path), tmp_path, "/py", which=which_of("ninja"), env={}
    )
    assert plan.generator == "Unix Makefiles"


def test_plan_needs_a_python(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="py3.9-release has no Python"):
        cmake.make_plan(Cell("3.9", "Release", LINUX), tmp_path, "/py")


def test_find_sdk_header(tmp_path: Path) -> None:
    inc = tmp_path / "include"
    (inc / "orthanc").mkdir(parents=True)
    header = inc / "orthanc" / "OrthancCPlugin.h"
    header.write_text("")
    assert cmake.find_sdk_header(None, [str(tmp_path / "nothing"), str(inc)]) == header
    assert (
        cmake.find_sdk_header(str(inc / "orthanc"), []) == header
    )  # the folder holding it
    assert cmake.find_sdk_header(str(inc), []) == header  # an include root
    assert cmake.find_sdk_header(str(tmp_path), []) == header  # a prefix
    assert cmake.find_sdk_header(str(header), []) == header  # the header itself
    assert cmake.find_sdk_header(str(tmp_path / "nothing"), [str(inc)]) is None


def test_missing_sdk_is_one_line_saying_how_to_fix(tmp_path: Path) -> None:
    [line] = cmake.environment_problems(
        None, which=which_of("cmake"), include_dirs=[str(tmp_path)]
    )
    assert "\n" not in line
    assert "no /usr/include/orthanc/OrthancCPlugin.h" in line
    assert "apt-get install orthanc-dev" in line and "ORTHANC_SDK_PATH" in line
    [line] = cmake.environment_problems(
        "/opt/sdk", which=which_of("cmake"), include_dirs=[]
    )
    assert line.startswith(
        "Orthanc plugin SDK: no OrthancCPlugin.h at ORTHANC_SDK_PATH=/opt/sdk"
    )


def test_missing_cmake_and_libpython(tmp_path: Path) -> None:
    inc = tmp_path / "orthanc"
    inc.mkdir()
    (inc / "OrthancCPlugin.h").write_text("")
    assert cmake.environment_problems(
        None, which=which_of(), include_dirs=[str(tmp_path)]
    ) == [
        "cmake not found on PATH: install CMake >= 3.18 (apt-get install cmake, or pip install cmake)"
    ]
    static = found_python(
        "3.10.0",
        tmp_path,
        problem="no shared libpython (built without --enable-shared); ...",
    )
    [line] = cmake.python_problems(static)
    assert line.startswith(
        f"Python 3.10.0 at {static.executable} has no shared libpython: no shared libpython"
    )


def fake_plan(root: Path, **changes) -> cmake.BuildPlan:
    cell = cell_for(root)
    plan = cmake.make_plan(cell, root, "/unused", env={})
    fields = {**plan.__dict__, "codegen_cache": None, **changes}
    return cmake.BuildPlan(**fields)


@needs_build_tools
def test_run_build_on_a_fake_project(tmp_path: Path) -> None:
    root = make_fake_project(tmp_path / "proj")
    out = io.StringIO()
    plan = fake_plan(root, extra_args=("-DSDK_HASH=abc",))
    result = cmake.run_build(plan, Reporter(out), "py3.12-release", check=lambda _: [])
    assert result.ok, out.getvalue()
    assert result.library == root / "build" / "py3.12-release" / "libOrthancPython.so"
    assert result.library.is_file()
    assert (
        result.generated_dir is not None
        and (result.generated_dir / "orthanc.pyi").is_file()
    )
    assert "py3.12-release: configuring" in out.getvalue()
    assert "py3.12-release: built" in out.getvalue()
    assert "-DPYTHON_VERSION=3.12" in (plan.build_dir / "build.log").read_text()


@needs_build_tools
def test_failed_configure_shows_the_log_tail(tmp_path: Path) -> None:
    root = make_fake_project(tmp_path / "proj")
    out = io.StringIO()
    plan = fake_plan(root, extra_args=("-DFAIL_CONFIGURE=ON",))
    result = cmake.run_build(plan, Reporter(out), "py3.12-release", check=lambda _: [])
    assert not result.ok
    assert result.error is not None and result.error.startswith(
        "configure failed with exit code 1"
    )
    assert "fake configure failure for 3.12" in out.getvalue()


def test_preflight_problems_stop_before_cmake(tmp_path: Path) -> None:
    out = io.StringIO()
    plan = fake_plan(tmp_path)

    def no_popen(*args, **kwargs):
        raise AssertionError("cmake must not run")

    result = cmake.run_build(
        plan,
        Reporter(out),
        "py3.12-release",
        popen=no_popen,
        check=lambda _: ["no SDK: install it"],
    )
    assert not result.ok and result.error == "no SDK: install it"
    assert "py3.12-release: no SDK: install it" in out.getvalue()
