"""`nox -s windows-3.X`: build, check, smoke-test, copy to dist/ and bundle."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ..deliverable import Artifact, DeliverableError, produce
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


class WindowsDll:
    """The plugin DLL for one Windows Python as a deliverable: the MinGW
    cross build (MSVC on Windows) with the loader DLL, the static checks
    (exports, imports, version resource), the smoke-test host under Wine;
    then the DLL and the windows-x64 bundle go to dist/."""

    def __init__(self, root: Path, options: Options, tools_python: str, reporter: Reporter,
                 run: Runner = subprocess.run, env: Mapping[str, str] | None = None) -> None:
        self.name = f"windows-{options.minor}"
        self.root = Path(root)
        self.options = options
        self.tools_python = tools_python
        self.reporter = reporter
        self.run = run
        self.env = os.environ if env is None else env
        self.native = sys.platform.startswith("win")
        self.version = read_version(self.root)
        self.work = windows_build_dir(self.root)
        self.sdk = sdk_path(self.env)
        self.toolchain: list[str] = []
        self.python_root: Path | None = None
        self.dll: Path | None = None
        self.loader: Path | None = None

    def prepare(self) -> None:
        """Debian's cross tools and Wine, and a Windows Python development root."""
        try:
            if self.native:
                self.python_root = native_python_root(self.options, self.run)
                return
            ensure_packages(missing_packages(need_wine=self.options.test), self.reporter, self.run)
            dev_root = assemble_dev_root(
                self.options.minor, self.work / "devroot" / f"py{self.options.minor}",
                self.work / "downloads", self.reporter, self.tools_python, self.run, self.env,
            )
        except WindowsBuildError as error:
            raise DeliverableError(str(error)) from error
        self.python_root = dev_root.path
        self.toolchain = [
            f"-DCMAKE_TOOLCHAIN_FILE={cmake_path(self.root / 'windows' / 'toolchain-mingw-w64-x86_64.cmake')}"
        ]

    def build(self) -> list[Artifact]:
        assert self.python_root is not None, "prepare first"
        o = self.options
        plugin_build = self.work / f"py{o.minor}-{o.config.lower()}"
        try:
            _cmake_build(
                self.root, plugin_build, o.config,
                [
                    *self.toolchain,
                    f"-DPYTHON_VERSION={o.minor}",
                    f"-DPYTHON_WINDOWS_ROOT={cmake_path(self.python_root)}",
                    f"-DPYTHON_WINDOWS_USE_RELEASE_LIBS={'ON' if o.release_libs else 'OFF'}",
                    "-DSTATIC_BUILD=ON",
                    f"-DORTHANC_CODEGEN_PYTHON={cmake_path(self.tools_python)}",
                    f"-DORTHANC_SDK_PATH={self.sdk}",
                    f"-DORTHANC_CODEGEN_CACHE={cmake_path(self.root / 'build' / 'codegen-cache')}",
                ],
                plugin_build / "build.log", self.reporter, f"OrthancPython {o.minor} {o.config}",
                self.run, self.native,
            )
            self.dll = built_file(plugin_build, o.config, "OrthancPython.dll")
            self.loader = _build_loader(self.root, self.work, self.native, self.toolchain, self.sdk,
                                        self.reporter, self.run)
        except WindowsBuildError as error:
            raise DeliverableError(str(error)) from error
        return [Artifact("plugin DLL", self.dll, self.dll.stat().st_size),
                Artifact("loader DLL", self.loader, self.loader.stat().st_size)]

    def check(self, artifacts: Sequence[Artifact]) -> list[str]:
        assert self.dll is not None
        return check_dll(self.dll, self.options.minor, self.version, self.options.release_libs, run=self.run)

    def smoke_test(self, artifacts: Sequence[Artifact]) -> list[str]:
        if not self.options.test:
            self.reporter.line(f"{self.name}: smoke test not run (--no-test)")
            return []
        try:
            test_env = self._smoke_test_env()
        except WindowsBuildError as error:
            return [str(error)]
        self.reporter.line("running tests/windows (smoke-test host" + ("" if self.native else " under Wine") + ")")
        code = self.run(
            [self.tools_python, "-m", "pytest", str(self.root / "tests" / "windows"), "-q", "-p", "no:cacheprovider"],
            cwd=str(self.root), env=test_env,
        ).returncode
        return [f"tests/windows failed (pytest exit code {code})"] if code != 0 else []

    def _smoke_test_env(self) -> dict[str, str]:
        """What tests/windows reads: the DLLs, the smoke-test host, the Python."""
        assert self.dll is not None and self.loader is not None and self.python_root is not None
        host_build = self.work / ("smoke-host-msvc" if self.native else "smoke-host-mingw")
        _cmake_build(self.root / "windows" / "smoke-host", host_build, "Release",
                     [*self.toolchain, f"-DORTHANC_SDK_PATH={self.sdk}"], host_build / "build.log",
                     self.reporter, "smoke-test host", self.run, self.native)
        return {
            **self.env,
            ENV_PLUGIN: str(self.dll),
            ENV_HOST: str(built_file(host_build, "Release", "smoke_host.exe")),
            ENV_LOADER: str(self.loader),
            **_x86_loader_and_host(self.root, self.work, self.native, self.sdk, self.reporter, self.run),
            ENV_PYTHON_HOME: str(self.python_root),
            ENV_REQUIRE: "1",
            "ORTHANC_WINDOWS_PYTHON_MINOR": self.options.minor,
            "ORTHANC_WINDOWS_RELEASE_LIBS": "1" if self.options.release_libs else "0",
        }

    def publish(self) -> list[str]:
        """After the smoke test: the DLL (and, for Release, the bundle) into dist/."""
        assert self.dll is not None and self.loader is not None
        dist = self.root / "dist" / self.version
        if self.options.config != "Release":
            dist = dist / self.options.config.lower()
        dist.mkdir(parents=True, exist_ok=True)
        artifact = dist / artifact_name(self.version, self.options.minor, WINDOWS)
        shutil.copyfile(self.dll, artifact)
        lines = [f"dist: {artifact}"]
        if self.options.config == "Release":
            lines.append(f"bundle: {windows_bundle(dist, self.version, self.loader)}")
        return lines

    def summary(self) -> list[str]:
        return []


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
    dll = WindowsDll(root, parse_options(minor, args), tools_python, reporter, run, env)
    outcome = produce(dll, reporter)
    if not outcome.ok:
        return 1
    reporter.block(f"{dll.name}:", dll.publish())
    return 0


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
