"""Fake Python installations and trees for the release toolchain tests."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest


def probe_info(
    prefix: Path,
    version: str,
    *,
    shared: bool = True,
    platform: str = "linux",
    implementation: str = "cpython",
    **config: Any,
) -> dict[str, Any]:
    """What the probe script prints for a Unix-like install under ``prefix``."""
    parts = [int(x) for x in version.split(".")]
    minor = f"{parts[0]}.{parts[1]}"
    cfg: dict[str, Any] = {
        "SOABI": f"cpython-{parts[0]}{parts[1]}-x86_64-linux-gnu",
        "EXT_SUFFIX": f".cpython-{parts[0]}{parts[1]}-x86_64-linux-gnu.so",
        "Py_ENABLE_SHARED": 1 if shared else 0,
        "Py_GIL_DISABLED": 0,
        "LIBDIR": str(prefix / "lib"),
        "LIBPL": str(prefix / "lib" / f"python{minor}" / "config"),
        "LDLIBRARY": f"libpython{minor}.so" if shared else f"libpython{minor}.a",
        "LIBRARY": f"libpython{minor}.a",
        "INSTSONAME": f"libpython{minor}.so.1.0",
        "MULTIARCH": "x86_64-linux-gnu",
        "PYTHONFRAMEWORK": "",
        "PYTHONFRAMEWORKPREFIX": "",
    }
    cfg.update(config)
    return {
        "version": parts,
        "implementation": implementation,
        "executable": str(prefix / "bin" / f"python{minor}"),
        "prefix": str(prefix),
        "base_prefix": str(prefix),
        "platform": platform,
        "include": str(prefix / "include" / f"python{minor}"),
        "pointer_bits": 64,
        "config": cfg,
    }


def write_fake_interpreter(
    exe: Path, info: dict[str, Any] | None, exit_code: int = 0
) -> Path:
    """A shell script standing in for ``python``: prints the probe JSON
    whatever its arguments, as the real probe would."""
    exe.parent.mkdir(parents=True, exist_ok=True)
    body = "#!/bin/sh\n"
    if info is not None:
        body += "cat <<'JSON'\n" + json.dumps(info) + "\nJSON\n"
    else:
        body += "echo 'boom' >&2\n"
    body += f"exit {exit_code}\n"
    exe.write_text(body)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def make_install(
    prefix: Path,
    version: str,
    *,
    shared: bool = True,
    headers: bool = True,
    exe_name: str | None = None,
    **kwargs: Any,
) -> Path:
    """A fake Unix Python installation: bin/python3.X, headers, libpython."""
    minor = ".".join(version.split(".")[:2])
    info = probe_info(prefix, version, shared=shared, **kwargs)
    lib = prefix / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    (lib / f"libpython{minor}.a").write_bytes(b"static")
    if shared:
        (lib / f"libpython{minor}.so").write_bytes(b"shared")
    if headers:
        inc = prefix / "include" / f"python{minor}"
        inc.mkdir(parents=True, exist_ok=True)
        (inc / "Python.h").write_text("/* fake */\n")
    exe = write_fake_interpreter(prefix / "bin" / (exe_name or f"python{minor}"), info)
    return exe


needs_posix = pytest.mark.skipif(
    os.name != "posix", reason="fake interpreters are shell scripts"
)


FAKE_CMAKE = r"""
cmake_minimum_required(VERSION 3.16)
project(FakeOrthancPython C CXX)
# Stands in for the real project: same outputs, no Python, no SDK.
if(FAIL_CONFIGURE)
  message(FATAL_ERROR "fake configure failure for ${PYTHON_VERSION}")
endif()
file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/plugin.c" "int OrthancPluginInitialize(void) { return 0; }\n")
add_library(OrthancPython SHARED "${CMAKE_CURRENT_BINARY_DIR}/plugin.c")
set(gen "${CMAKE_CURRENT_BINARY_DIR}/generated")
file(WRITE "${gen}/orthanc.pyi" "def LogWarning(message: str) -> None: ...\n")
file(WRITE "${gen}/coverage.md" "# coverage\n")
file(WRITE "${gen}/model.json" "{\"sdk_version\": \"1.12.4\", \"header_sha256\": \"${SDK_HASH}\"}\n")
"""

FAKE_LOADER_CMAKE = r"""
cmake_minimum_required(VERSION 3.16)
project(FakeLoader C)
file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/loader.c" "int OrthancPluginGetName(void) { return 0; }\n")
add_library(OrthancPythonLoader SHARED "${CMAKE_CURRENT_BINARY_DIR}/loader.c")
set_target_properties(OrthancPythonLoader PROPERTIES OUTPUT_NAME OrthancPython)
"""

FAKE_INTEGRATION_TEST = r"""
import os
from pathlib import Path

import pytest


def test_plugin_is_handed_over():
    assert Path(os.environ["ORTHANC_PYTHON_PLUGIN"]).is_file()
    assert os.environ["ORTHANC_TESTS_PYTHONPATH"]
    assert "PYTHONPATH" not in os.environ


def test_cells_listed_in_fail_file_fail():
    marker = Path(__file__).resolve().parents[2] / "fail_cells.txt"
    failing = marker.read_text().split() if marker.exists() else []
    assert not any(cell in os.environ["ORTHANC_PYTHON_PLUGIN"] for cell in failing)


@pytest.mark.skip(reason="counted as skipped")
def test_skipped():
    pass
"""


def make_fake_project(root: Path, version: str = "0.1.0") -> Path:
    """A project tree whose CMake build and integration tests take seconds."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "VERSION").write_text(version + "\n")
    (root / "CMakeLists.txt").write_text(FAKE_CMAKE)
    (root / "src" / "loader").mkdir(parents=True)
    (root / "src" / "loader" / "CMakeLists.txt").write_text(FAKE_LOADER_CMAKE)
    tests = root / "tests" / "integration"
    tests.mkdir(parents=True)
    (tests / "test_fake.py").write_text(FAKE_INTEGRATION_TEST)
    return root


def found_python(
    version: str, root: Path, problem: str | None = None, source: str = "pyenv"
):
    """A FoundPython whose libpython file exists (for preflight)."""
    from orthanc_packaging.discovery import FoundPython

    minor = ".".join(version.split(".")[:2])
    prefix = root / "pythons" / version
    lib = prefix / "lib" / f"libpython{minor}.so"
    lib.parent.mkdir(parents=True, exist_ok=True)
    lib.write_bytes(b"fake")
    return FoundPython(
        version=version,
        minor=minor,
        abi=f"cpython-{minor.replace('.', '')}-x86_64-linux-gnu",
        executable=str(prefix / "bin" / f"python{minor}"),
        prefix=str(prefix),
        include_dir=str(prefix / "include" / f"python{minor}"),
        libpython=None if problem else str(lib),
        source=source,
        problem=problem,
    )


def have_build_tools() -> bool:
    import shutil

    return bool(
        shutil.which("cmake")
        and (shutil.which("cc") or shutil.which("gcc") or shutil.which("clang"))
    )


needs_build_tools = pytest.mark.skipif(
    not have_build_tools(), reason="needs cmake and a C compiler"
)
