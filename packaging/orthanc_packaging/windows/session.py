"""`nox -s windows-3.X`: build, check, smoke-test, copy to dist/ and bundle."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ..naming import artifact_name
from ..report import Reporter
from ..version import read_version
from .apt_headers import ensure_packages, missing_packages
from .cmake_build import _cmake_build, built_file, cmake_path, sdk_path
from .common import (
    ENV_HOST,
    ENV_HOST_X86,
    ENV_LOADER,
    ENV_LOADER_X86,
    ENV_PLUGIN,
    ENV_PYTHON_HOME,
    ENV_REQUIRE,
    WINDOWS,
    Runner,
    WindowsBuildError,
    _run,
    windows_build_dir,
)
from .devroot import assemble_dev_root
from .pe_checks import check_dll


@dataclass(frozen=True)
class Options:
    minor: str
    config: str = "Release"
    python: str | None = None  # native: the Windows Python to embed
    test: bool = True
    release_libs: bool = True


def parse_options(minor: str, args: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog=f"nox -s windows-{minor} --")
    parser.add_argument("--config", choices=("Release", "Debug"), default="Release")
    parser.add_argument(
        "--python", help="native builds: interpreter of the Windows Python to embed"
    )
    parser.add_argument("--no-test", action="store_true", help="skip the smoke test")
    parser.add_argument(
        "--debug-libs",
        action="store_true",
        help="MSVC Debug: link pythonXY_d.lib (PYTHON_WINDOWS_USE_RELEASE_LIBS=OFF)",
    )
    parsed = parser.parse_args(list(args))
    return Options(
        minor, parsed.config, parsed.python, not parsed.no_test, not parsed.debug_libs
    )


def native_python_root(options: Options, run: Runner = subprocess.run) -> Path:
    """The install folder (sys.base_prefix) of the Windows Python to embed:
    --python, else the py launcher's 3.X."""
    cmd = [options.python] if options.python else ["py", f"-{options.minor}"]
    code = (
        "import sys; print(sys.version_info[0], sys.version_info[1], sys.base_prefix)"
    )
    out = _run([*cmd, "-c", code], run).stdout.split(maxsplit=2)
    if f"{out[0]}.{out[1]}" != options.minor:
        raise WindowsBuildError(
            f"{' '.join(cmd)} is Python {out[0]}.{out[1]}, not {options.minor}"
        )
    return Path(out[2].strip())


@dataclass
class SessionResult:
    dll: Path | None = None
    artifact: Path | None = None
    bundle: Path | None = None  # dist's windows-x64 archive
    problems: list[str] = field(default_factory=list)


def run_session(
    root: Path,
    minor: str,
    tools_python: str,
    args: Sequence[str],
    reporter: Reporter,
    run: Runner = subprocess.run,
    env: Mapping[str, str] | None = None,
) -> int:
    """``nox -s windows-3.X [-- --config Debug --python PATH --no-test]``:
    build the plugin DLL for Windows, check it, smoke-test it, copy it to dist/."""
    env = os.environ if env is None else env
    options = parse_options(minor, args)
    try:
        result = build_check_and_test(root, options, tools_python, reporter, run, env)
    except WindowsBuildError as exc:
        reporter.block(f"windows-{minor}: failed", str(exc).splitlines())
        return 1
    if result.problems:
        reporter.block(
            f"windows-{minor}: {result.dll} failed its checks", result.problems
        )
        return 1
    reporter.line(f"windows-{minor}: {result.artifact}")
    return 0


def build_check_and_test(
    root: Path,
    options: Options,
    tools_python: str,
    reporter: Reporter,
    run: Runner,
    env: Mapping[str, str],
) -> SessionResult:
    native = sys.platform.startswith("win")
    version = read_version(root)
    work = windows_build_dir(root)
    config_dir = f"py{options.minor}-{options.config.lower()}"
    sdk = sdk_path(env)

    if native:
        python_root = native_python_root(options, run)
        toolchain: list[str] = []
        python_home = python_root
    else:
        ensure_packages(missing_packages(need_wine=options.test), reporter, run)
        dev_root = assemble_dev_root(
            options.minor,
            work / "devroot" / f"py{options.minor}",
            work / "downloads",
            reporter,
            tools_python,
            run,
            env,
        )
        python_root = python_home = dev_root.path
        toolchain = [
            f"-DCMAKE_TOOLCHAIN_FILE={cmake_path(root / 'windows' / 'toolchain-mingw-w64-x86_64.cmake')}"
        ]

    plugin_build = work / config_dir
    _cmake_build(
        root,
        plugin_build,
        options.config,
        [
            *toolchain,
            f"-DPYTHON_VERSION={options.minor}",
            f"-DPYTHON_WINDOWS_ROOT={cmake_path(python_root)}",
            f"-DPYTHON_WINDOWS_USE_RELEASE_LIBS={'ON' if options.release_libs else 'OFF'}",
            "-DSTATIC_BUILD=ON",
            f"-DORTHANC_CODEGEN_PYTHON={cmake_path(tools_python)}",
            f"-DORTHANC_SDK_PATH={sdk}",
            f"-DORTHANC_CODEGEN_CACHE={cmake_path(root / 'build' / 'codegen-cache')}",
        ],
        plugin_build / "build.log",
        reporter,
        f"OrthancPython {options.minor} {options.config}",
        run,
        native,
    )
    dll = built_file(plugin_build, options.config, "OrthancPython.dll")
    result = SessionResult(dll=dll)

    reporter.line(f"checking {dll}")
    result.problems = check_dll(
        dll, options.minor, version, options.release_libs, run=run
    )
    if result.problems:
        return result
    loader = _build_loader(root, work, native, toolchain, sdk, reporter, run)

    if options.test:
        host_build = work / ("smoke-host-msvc" if native else "smoke-host-mingw")
        _cmake_build(
            root / "windows" / "smoke-host",
            host_build,
            "Release",
            [*toolchain, f"-DORTHANC_SDK_PATH={sdk}"],
            host_build / "build.log",
            reporter,
            "smoke-test host",
            run,
            native,
        )
        host = built_file(host_build, "Release", "smoke_host.exe")
        test_env = dict(env)
        test_env.update(
            {
                ENV_PLUGIN: str(dll),
                ENV_HOST: str(host),
                ENV_LOADER: str(loader),
                **_x86_loader_and_host(root, work, native, sdk, reporter, run),
                ENV_PYTHON_HOME: str(python_home),
                ENV_REQUIRE: "1",
                "ORTHANC_WINDOWS_PYTHON_MINOR": options.minor,
                "ORTHANC_WINDOWS_RELEASE_LIBS": "1" if options.release_libs else "0",
            }
        )
        reporter.line(
            "running tests/windows (smoke-test host"
            + ("" if native else " under Wine")
            + ")"
        )
        code = run(
            [
                tools_python,
                "-m",
                "pytest",
                str(root / "tests" / "windows"),
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            cwd=str(root),
            env=test_env,
        ).returncode
        if code != 0:
            result.problems.append(f"tests/windows failed (pytest exit code {code})")
            return result

    dist = root / "dist" / version
    if options.config != "Release":
        dist = dist / options.config.lower()
    dist.mkdir(parents=True, exist_ok=True)
    result.artifact = dist / artifact_name(version, options.minor, WINDOWS)
    shutil.copyfile(dll, result.artifact)
    if options.config == "Release":
        result.bundle = windows_bundle(dist, version, loader)
        reporter.line(f"windows-{options.minor}: bundle {result.bundle}")
    return result


def _build_loader(root: Path, work: Path, native: bool, toolchain: Sequence[str], sdk: str,
                  reporter: Reporter, run: Runner) -> Path:
    """The loader DLL (src/loader), 64-bit as the plugin DLL."""
    build = work / ("loader-msvc" if native else "loader-mingw")
    _cmake_build(root / "src" / "loader", build, "Release",
                 [*toolchain, f"-DORTHANC_SDK_PATH={sdk}", "-DSTATIC_BUILD=ON"],
                 build / "build.log", reporter, "loader", run, native)
    return built_file(build, "Release", "OrthancPython.dll")


def _x86_loader_and_host(root: Path, work: Path, native: bool, sdk: str, reporter: Reporter,
                         run: Runner) -> dict[str, str]:
    """The 32-bit loader and smoke-test host (MinGW i686), for the test that a
    32-bit loader refuses a 64-bit Python with the one error; none natively
    or without the i686 compilers."""
    if native or not any(shutil.which(f"i686-w64-mingw32-{c}") for c in ("gcc-posix", "gcc")):
        return {}
    toolchain = [f"-DCMAKE_TOOLCHAIN_FILE={cmake_path(root / 'windows' / 'toolchain-mingw-w64-i686.cmake')}",
                 f"-DORTHANC_SDK_PATH={sdk}"]
    loader_build, host_build = work / "loader-mingw-i686", work / "smoke-host-mingw-i686"
    _cmake_build(root / "src" / "loader", loader_build, "Release", toolchain, loader_build / "build.log",
                 reporter, "loader (32-bit)", run, native)
    _cmake_build(root / "windows" / "smoke-host", host_build, "Release", toolchain, host_build / "build.log",
                 reporter, "smoke-test host (32-bit)", run, native)
    return {ENV_LOADER_X86: str(built_file(loader_build, "Release", "OrthancPython.dll")),
            ENV_HOST_X86: str(built_file(host_build, "Release", "smoke_host.exe"))}


def windows_bundle(dist: Path, version: str, loader: Path) -> Path:
    """dist's windows-x64 bundle: the loader and every OrthancPython-Python3.X DLL
    the windows sessions put there; listed in manifest.json when the release
    session made one."""
    from .. import bundle

    modules = []
    for dll in sorted(dist.glob(f"OrthancPython-Python3.*-{version}.dll")):
        minor = dll.name[len("OrthancPython-Python"):-len(f"-{version}.dll")]
        modules.append(bundle.Module(minor, dll))
    made = bundle.make_bundle(dist, version, "windows-x64", loader, modules)
    if (dist / "manifest.json").is_file():
        bundle.record_bundles(dist, [made])
    return made.archive
