"""Building what is measured: ours (this tree), the twins and the native
reference plugin, on this host or in the forky root (through a cmake wrapper)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from . import BENCH_DIR, ROOT, BenchError, log
from .scenarios import REFERENCES

SYSTEM_PYTHON_ROOT = Path("/usr")
SYSTEM_LIBPYTHON = Path("/usr/lib/x86_64-linux-gnu/libpython3.11.so")
NATIVE_SOURCE = BENCH_DIR / "native"
# The twin CPython builds of the forky root (orthanc_packaging.freethreaded).
FORKY_TWINS = {"py3.14": Path("/opt/python3.14"), "py3.14t": Path("/opt/python3.14t")}


def cmake_build(cmake: str, source: Path, build_dir: Path, options: Sequence[str]) -> None:
    """Configure and build with `cmake` (a wrapper running it inside a root, or the host's)."""
    command = [cmake, "-S", str(source), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
               *options]
    log("$ " + " ".join(command))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([cmake, "--build", str(build_dir), "-j2"], check=True,
                   stdout=subprocess.DEVNULL)


def build_plugin(build_dir: Path, python_root: Path | None, cmake: str = "cmake") -> Path:
    options = ["-DPYTHON_VERSION=3.11"]
    if python_root is not None:
        options += [f"-DPython3_ROOT_DIR={python_root}",
                    f"-DPython3_EXECUTABLE={python_root / 'bin' / 'python3.11'}",
                    # The code generator needs libclang and Jinja2, which the
                    # embedded Python may lack: keep the interpreter running this script.
                    f"-DORTHANC_CODEGEN_PYTHON={sys.executable}"]
    cmake_build(cmake, ROOT, build_dir, options)
    return build_dir / "libOrthancPython.so"


def build_native(cmake: str, build_dir: Path) -> Path:
    cmake_build(cmake, NATIVE_SOURCE, build_dir, [])
    return build_dir / "libNativeBench.so"


def build_plugins() -> dict[str, Path]:
    """"ours": same libpython as the upstream plugin (Debian's python3.11), when
    libpython3.11-dev is installed; "pyenv": CMake's default Python 3.11."""
    builds: dict[str, Path] = {}
    if SYSTEM_LIBPYTHON.exists() and (SYSTEM_PYTHON_ROOT / "bin" / "python3.11").exists():
        builds["ours"] = build_plugin(ROOT / "build-bench-system", SYSTEM_PYTHON_ROOT)
    else:
        log(f"{SYSTEM_LIBPYTHON} is missing (apt-get install -y libpython3.11-dev): "
            "only the default build is measured")
    default = build_plugin(ROOT / "build-bench", None)
    builds["pyenv" if builds else "ours"] = default
    return builds


def forky_python_options(prefix: Path, executable: str) -> list[str]:
    """CMake options of a build against one Python of the forky root; the
    generator runs on the root's python3 (Debian's python3-clang)."""
    options = ["-DPYTHON_VERSION=3.14", f"-DPython3_EXECUTABLE={prefix / 'bin' / executable}",
               "-DORTHANC_CODEGEN_PYTHON=/usr/bin/python3", "-DPython3_FIND_STRATEGY=LOCATION",
               "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]  # the root has ccache (roots.BUILD_PACKAGES)
    if prefix != SYSTEM_PYTHON_ROOT:
        options.append(f"-DPython3_ROOT_DIR={prefix}")
    return options


def build_forky(cmake: str) -> tuple[dict[str, Path], dict[str, Path], Path]:
    """In the forky root: ours (Debian's Python 3.14), the twins, native."""
    ours = ROOT / "build-bench-forky"
    cmake_build(cmake, ROOT, ours, forky_python_options(SYSTEM_PYTHON_ROOT, "python3.14"))
    twins: dict[str, Path] = {}
    for name, prefix in FORKY_TWINS.items():
        folder = ROOT / f"build-bench-forky-{name}"
        cmake_build(cmake, ROOT, folder, forky_python_options(prefix, name.replace("py", "python")))
        twins[name] = folder / "libOrthancPython.so"
    native = build_native(cmake, ROOT / "build-bench-native-forky")
    return {"ours": ours / "libOrthancPython.so"}, twins, native


def default_ours() -> Path:
    """$ORTHANC_PYTHON_PLUGIN, else the newest of the bench's own builds."""
    env = os.environ.get("ORTHANC_PYTHON_PLUGIN")
    if env:
        return Path(env)
    for folder in ("build-bench-system", "build-bench"):
        candidate = ROOT / folder / "libOrthancPython.so"
        if candidate.is_file():
            return candidate
    return ROOT / "build-bench" / "libOrthancPython.so"


def named_paths(items: Sequence[str], taken: Sequence[str]) -> dict[str, Path]:
    """NAME=PATH options; BenchError for a malformed or repeated NAME."""
    found: dict[str, Path] = {}
    for item in items:
        name, _, path = item.partition("=")
        if not path or name in found or name in taken or name in REFERENCES:
            raise BenchError(f"{item}: expected NAME=PATH with a new NAME")
        found[name] = Path(path)
    return found


def choose_builds(args: argparse.Namespace) -> tuple[dict[str, Path], dict[str, Path], Path | None]:
    """(ours and --also, the twins, native), built first with --build."""
    twins: dict[str, Path] = {}
    native: Path | None = args.native
    if args.build and args.forky:
        plugins, twins, native = build_forky(args.cmake)
    elif args.build:
        plugins = build_plugins()
        native = build_native(args.cmake, ROOT / "build-bench-native")
    else:
        plugins = {"ours": args.ours or default_ours()}
    plugins.update(named_paths(args.also, list(plugins)))
    twins.update(named_paths(args.twin, [*plugins, *twins]))
    return plugins, twins, native
