"""macos/python_layout.py and cmake/MacOS.cmake on synthetic Python layouts.

The layouts are folders and empty files in tmp_path, shaped like python.org
and Homebrew frameworks, pyenv dylib installs and static builds; the paths of
Xcode and the Command Line Tools are refused by name before anything is read,
so they need no files. Each case runs both implementations (the CMake one in
script mode, on any OS) and checks that they agree.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from macos_env import (
    CHOOSE_CMAKE,
    CLT_39,
    ROOT,
    XCODE_39,
    framework,
    homebrew,
    layout,
    prefix,
    touch,
)


@dataclass
class Inputs:
    version: str | None = None
    library: str | None = None
    include_dir: str | None = None
    root_dir: str | None = None


def run_python(given: Inputs) -> dict[str, str]:
    try:
        chosen = layout.choose(
            given.version, given.library, given.include_dir, given.root_dir
        )
    except layout.LayoutError as error:
        return {"ERROR_CODE": error.code}
    if chosen is None:
        return {"KIND": ""}
    return {
        "KIND": chosen.kind,
        "VERSION": chosen.version,
        "LIBRARY": chosen.library,
        "INCLUDE_DIR": chosen.include_dir,
        "FIND_FRAMEWORK": chosen.find_framework,
        "LINK_NAME": chosen.link_name,
        "RPATH": ";".join(chosen.rpaths),
    }


def run_cmake(given: Inputs) -> dict[str, str]:
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake is not installed")
    args = [cmake, f"-DSOURCE_DIR={ROOT}"]
    for name, value in (
        ("VERSION", given.version),
        ("LIBRARY", given.library),
        ("INCLUDE_DIR", given.include_dir),
        ("ROOT_DIR", given.root_dir),
    ):
        args.append(f"-D{name}={value or ''}")
    proc = subprocess.run(
        [*args, "-P", str(CHOOSE_CMAKE)], capture_output=True, text=True, check=True
    )
    values = dict(
        line.split("=", 1) for line in proc.stderr.splitlines() if "=" in line
    )
    if values.get("ERROR_CODE"):
        return {"ERROR_CODE": values["ERROR_CODE"]}
    if not values.get("KIND"):
        return {"KIND": ""}
    return {key: value for key, value in values.items() if key != "ERROR_CODE"}


def both(given: Inputs) -> dict[str, str]:
    from_python = run_python(given)
    assert run_cmake(given) == from_python, (
        "cmake/MacOS.cmake and macos/python_layout.py disagree"
    )
    return from_python


# --------------------------------------------------------------------------
# Frameworks


def test_python_org_framework_from_its_root(tmp_path: Path) -> None:
    vd = framework(tmp_path / "Library" / "Frameworks", "3.12")
    chosen = both(Inputs(root_dir=str(vd)))
    assert chosen["KIND"] == "framework"
    assert chosen["VERSION"] == "3.12"
    assert chosen["LIBRARY"] == f"{vd}/lib/libpython3.12.dylib"
    assert chosen["INCLUDE_DIR"] == f"{vd}/include/python3.12"
    assert chosen["FIND_FRAMEWORK"] == "FIRST"
    assert chosen["LINK_NAME"] == "@rpath/Python.framework/Versions/3.12/Python"
    assert chosen["RPATH"].split(";") == [
        "@loader_path/../../../../../../..",
        str(tmp_path / "Library" / "Frameworks"),
        "/Library/Frameworks",
        "/opt/homebrew/opt/python@3.12/Frameworks",
        "/usr/local/opt/python@3.12/Frameworks",
    ]


def test_the_real_python_org_place_is_listed_once(tmp_path: Path) -> None:
    # Built against /Library/Frameworks itself: no duplicate LC_RPATH.
    rpaths = layout._unique(
        ["@loader_path/x", "/Library/Frameworks", "/Library/Frameworks", "/opt/a"]
    )
    assert rpaths == ("@loader_path/x", "/Library/Frameworks", "/opt/a")


@pytest.mark.parametrize(
    "pointer",
    [
        "Python",
        "lib/libpython3.11.dylib",
        "lib/python3.11/config-3.11-darwin/libpython3.11.a",
    ],
)
def test_any_file_of_a_framework_means_its_own_dylib(
    tmp_path: Path, pointer: str
) -> None:
    # scikit-build-core passes PYTHON_LIBRARY, sometimes the framework binary
    # or the config folder's archive: the link is always the versioned dylib.
    vd = framework(tmp_path / "Library" / "Frameworks", "3.11")
    chosen = both(
        Inputs(
            library=str(vd / pointer), include_dir=str(vd / "include" / "python3.11")
        )
    )
    assert chosen["KIND"] == "framework"
    assert chosen["LIBRARY"] == f"{vd}/lib/libpython3.11.dylib"


def test_a_python_framework_folder_with_a_version(tmp_path: Path) -> None:
    vd = framework(tmp_path / "Frameworks", "3.10")
    chosen = both(Inputs(version="3.10", root_dir=str(vd.parent.parent)))
    assert chosen["KIND"] == "framework"
    assert chosen["LIBRARY"] == f"{vd}/lib/libpython3.10.dylib"


def test_homebrew_cellar_is_replaced_by_its_stable_opt_link(tmp_path: Path) -> None:
    brew = tmp_path / "opt" / "homebrew"
    vd = homebrew(brew, "3.13", "3.13.1")
    chosen = both(Inputs(root_dir=str(vd)))
    assert chosen["KIND"] == "framework"
    assert chosen["LIBRARY"] == f"{vd}/lib/libpython3.13.dylib"
    assert chosen["RPATH"].split(";")[1] == f"{brew}/opt/python@3.13/Frameworks"


def test_homebrew_opt_prefix_holding_the_framework(tmp_path: Path) -> None:
    brew = tmp_path / "opt" / "homebrew"
    homebrew(brew, "3.12", "3.12.7")
    opt = brew / "opt" / "python@3.12"
    chosen = both(Inputs(version="3.12", root_dir=str(opt)))
    assert chosen["KIND"] == "framework"
    assert (
        chosen["LIBRARY"]
        == f"{opt}/Frameworks/Python.framework/Versions/3.12/lib/libpython3.12.dylib"
    )
    assert chosen["RPATH"].split(";")[1] == f"{opt}/Frameworks"


def test_framework_of_another_version_is_refused(tmp_path: Path) -> None:
    vd = framework(tmp_path / "Library" / "Frameworks", "3.9")
    assert both(Inputs(version="3.12", root_dir=str(vd))) == {"ERROR_CODE": "version"}
    assert both(Inputs(version="3.12", library=str(vd / "Python"))) == {
        "ERROR_CODE": "version"
    }


def test_incomplete_framework(tmp_path: Path) -> None:
    vd = tmp_path / "Library" / "Frameworks" / "Python.framework" / "Versions" / "3.12"
    touch(vd / "include" / "python3.12" / "Python.h")
    assert both(Inputs(root_dir=str(vd))) == {"ERROR_CODE": "missing-library"}


# --------------------------------------------------------------------------
# dylib installs (pyenv, uv)


def test_pyenv_dylib_from_its_prefix(tmp_path: Path) -> None:
    root = prefix(tmp_path / "pyenv" / "versions" / "3.12.1", "3.12")
    chosen = both(Inputs(version="3.12", root_dir=str(root)))
    assert chosen == {
        "KIND": "dylib",
        "VERSION": "3.12",
        "LIBRARY": f"{root}/lib/libpython3.12.dylib",
        "INCLUDE_DIR": f"{root}/include/python3.12",
        "FIND_FRAMEWORK": "NEVER",
        "LINK_NAME": "@rpath/libpython3.12.dylib",
        "RPATH": f"@loader_path/../../..;{root}/lib",
    }


def test_pyenv_dylib_from_the_documented_overrides(tmp_path: Path) -> None:
    # The plugin's documentation: -DPYTHON_LIBRARY=... -DPYTHON_INCLUDE_DIR=...
    root = prefix(tmp_path / "py", "3.8")
    chosen = both(
        Inputs(
            library=str(root / "lib" / "libpython3.8.dylib"),
            include_dir=str(root / "include" / "python3.8"),
        )
    )
    assert chosen["KIND"] == "dylib"
    assert chosen["VERSION"] == "3.8"
    assert chosen["LINK_NAME"] == "@rpath/libpython3.8.dylib"


def test_static_python_is_refused(tmp_path: Path) -> None:
    root = prefix(tmp_path / "static", "3.11", shared=False)
    assert both(Inputs(version="3.11", root_dir=str(root))) == {"ERROR_CODE": "static"}
    archive = root / "lib" / "python3.11" / "config-3.11-darwin" / "libpython3.11.a"
    assert both(Inputs(library=str(archive))) == {"ERROR_CODE": "static"}


def test_prefix_without_a_version_cannot_be_chosen(tmp_path: Path) -> None:
    root = prefix(tmp_path / "py", "3.12")
    assert both(Inputs(root_dir=str(root))) == {"ERROR_CODE": "version"}


def test_missing_headers(tmp_path: Path) -> None:
    root = prefix(tmp_path / "py", "3.12")
    (root / "include" / "python3.12" / "Python.h").unlink()
    assert both(Inputs(version="3.12", root_dir=str(root))) == {
        "ERROR_CODE": "missing-headers"
    }


# --------------------------------------------------------------------------
# Apple's own Pythons


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: Inputs(root_dir=XCODE_39),
        lambda tmp: Inputs(library=f"{XCODE_39}/lib/libpython3.9.dylib"),
        lambda tmp: Inputs(root_dir=CLT_39),
        lambda tmp: Inputs(
            version="3.12",
            root_dir=str(prefix(tmp / "a", "3.12")),
            include_dir=f"{CLT_39}/Headers",
        ),
        lambda tmp: Inputs(
            root_dir=str(framework(tmp / "Python3.framework" / "x", "3.9"))
        ),
    ],
    ids=[
        "xcode-root",
        "xcode-library",
        "clt-root",
        "clt-headers",
        "any-Python3.framework",
    ],
)
def test_apple_developer_tools_stub_is_refused(
    tmp_path: Path, make: Callable[[Path], Inputs]
) -> None:
    assert both(make(tmp_path)) == {"ERROR_CODE": "xcode"}


def test_apple_system_framework_is_refused() -> None:
    given = Inputs(root_dir="/System/Library/Frameworks/Python.framework/Versions/2.7")
    assert both(given) == {"ERROR_CODE": "system"}


def test_refusal_explains_what_to_do() -> None:
    error = layout.refusal(XCODE_39)
    assert (
        error is not None
        and "not an allowed client" in str(error)
        and "python.org" in str(error)
    )
    assert layout.refusal("/Library/Frameworks/Python.framework/Versions/3.12") is None


def test_nothing_given_leaves_the_search_to_findpython() -> None:
    assert both(Inputs(version="3.12")) == {"KIND": ""}


def test_cmake_arguments_of_a_choice(tmp_path: Path) -> None:
    vd = framework(tmp_path / "Library" / "Frameworks", "3.12")
    chosen = layout.choose(root_dir=str(vd))
    assert chosen is not None
    assert chosen.cmake_args() == [
        "-DPYTHON_VERSION=3.12",
        f"-DPython3_LIBRARY={vd}/lib/libpython3.12.dylib",
        f"-DPython3_INCLUDE_DIR={vd}/include/python3.12",
        "-DPython3_FIND_FRAMEWORK=FIRST",
    ]
