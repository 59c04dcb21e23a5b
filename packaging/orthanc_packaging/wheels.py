"""Wheels of the plugin (pyproject.toml, scikit-build-core).

- ``build_all``: one wheel per Python 3.8-3.13 found here (pyenv), each built
  in a persistent build folder, repaired by auditwheel with libpython
  excluded, checked, then tested in a real Orthanc (tests/wheels). The nox
  session ``wheels`` runs it.
- The commands that the cibuildwheel configuration runs (``python
  packaging/orthanc_packaging/wheels.py check-sdk|link-stub|check-wheel``).

Standard library only, and no import of the rest of ``orthanc_packaging``:
the same file runs as a script inside cibuildwheel's manylinux containers and
under every Python the wheels are built for.

Why libpython is never bundled: the plugin embeds the Python whose venv the
wheel is installed into, so it must load that Python's own library (its
standard library and C extensions go with it). auditwheel's policies forbid
linking libpython at all (extension modules get it from the interpreter), so
``auditwheel show`` calls such a wheel "linux_x86_64"; ``auditwheel repair
--exclude libpython3.*.so.1.0`` keeps the dependency external and tags the
wheel for the glibc/libstdc++ symbols it uses, which is what the manylinux tag
promises. The shared libpython is a documented host requirement, like Orthanc.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[2]
MINORS: tuple[str, ...] = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")

# Debian bookworm's orthanc-dev 1.10.1+dfsg-2+deb12u1, the header of every
# build of the project; CI hands it to cibuildwheel (.github/workflows/wheels.yml).
SDK_SHA256 = "25636a2d6aeed108caa0cb079d944ae77d23857a3b6fd4690fed046ccce6612f"
SDK_HEADER = "OrthancCPlugin.h"

# The build backend pins of pyproject.toml's build-system.requires, per
# Python: local builds install it into a persistent venv and build without
# isolation (tests/wheels checks that both lists agree).
BACKEND_REQUIREMENT = {"3.8": "scikit-build-core==0.11.6"}
BACKEND_REQUIREMENT_DEFAULT = "scikit-build-core==1.1.2"

LIBPYTHON_EXCLUDE = "libpython3.*.so.1.0"
DISTRIBUTION = "orthanc_python_plugin"
LIBRARY_NAMES = ("libOrthancPython.so", "libOrthancPython.dylib", "OrthancPython.dll")

Log = Callable[[str], None]


def _print(line: str) -> None:
    print(line, flush=True)


# --------------------------------------------------------------------------
# Pythons


def version_key(name: str) -> tuple[int | str, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def pyenv_root(env: Mapping[str, str] = os.environ) -> Path | None:
    if env.get("PYENV_ROOT"):
        return Path(env["PYENV_ROOT"])
    home = Path(env.get("HOME", "~")).expanduser()
    return home / ".pyenv" if (home / ".pyenv").is_dir() else None


def find_pythons(
    minors: Sequence[str] = MINORS, root: Path | None = None
) -> dict[str, Path]:
    """The newest pyenv CPython of each minor that has a shared libpython."""
    root = root if root is not None else pyenv_root()
    found: dict[str, Path] = {}
    versions = root / "versions" if root else None
    if versions is None or not versions.is_dir():
        return found
    for entry in sorted(versions.iterdir(), key=lambda p: version_key(p.name)):
        m = re.match(r"^(3\.\d+)\.\d+$", entry.name)
        if not m or m.group(1) not in minors:
            continue
        minor = m.group(1)
        exe = entry / "bin" / f"python{minor}"
        if exe.is_file() and (entry / "lib" / f"libpython{minor}.so.1.0").exists():
            found[minor] = exe  # sorted: the newest patch release wins
    return found


def wheel_minor(wheel: Path) -> str | None:
    """ "3.12" for a ``...-cp312-cp312-...whl``."""
    m = re.search(r"-cp3(\d+)-cp3\1-", wheel.name)
    return f"3.{m.group(1)}" if m else None


# --------------------------------------------------------------------------
# ELF and wheel checks


def elf_dynamic(
    path: Path, run: Callable[..., str] = subprocess.check_output
) -> tuple[list[str], list[str]]:
    """(NEEDED entries, RUNPATH/RPATH entries) of an ELF file, via readelf."""
    text = run(["readelf", "-d", str(path)], text=True)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", text)
    runpath: list[str] = []
    for value in re.findall(
        r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]*)\]", text
    ):
        runpath += [p for p in value.split(":") if p]
    return needed, runpath


@dataclass
class WheelReport:
    wheel: Path
    problems: list[str] = field(default_factory=list)
    needed: list[str] = field(default_factory=list)
    runpath: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_wheel(wheel: Path, require_manylinux: bool = False) -> WheelReport:
    """What a wheel of the plugin must hold, and must not."""
    report = WheelReport(wheel)
    minor = wheel_minor(wheel)
    if minor is None:
        report.problems.append(
            "not tagged cpXY-cpXY (the plugin links one libpython: no abi3, no py3-none)"
        )
    if require_manylinux and "-manylinux_" not in wheel.name:
        report.problems.append(
            "not tagged manylinux_X_Y (auditwheel repair did not run)"
        )
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        libraries = [
            n
            for n in names
            if n.startswith("orthanc_python/") and n.split("/")[-1] in LIBRARY_NAMES
        ]
        for wanted in (
            "orthanc_python/__init__.py",
            "orthanc_python/orthanc.pyi",
            "orthanc-stubs/__init__.pyi",
        ):
            if wanted not in names:
                report.problems.append(f"{wanted} is missing")
        if len(libraries) != 1:
            report.problems.append(
                f"expected one plugin library in orthanc_python/, found {libraries or 'none'} "
                "(does CMakeLists.txt have the if(SKBUILD) install rules?)"
            )
        bundled = [n for n in names if _is_python_library(n)]
        if bundled:
            report.problems.append(
                f"bundles a Python library: {bundled} (the host's must be used)"
            )
        entry_points = next(
            (n for n in names if n.endswith(".dist-info/entry_points.txt")), None
        )
        if (
            entry_points is None
            or "orthanc-python-plugin" not in archive.read(entry_points).decode()
        ):
            report.problems.append("no orthanc-python-plugin console script")
        if libraries and libraries[0].endswith(".so") and shutil.which("readelf"):
            _check_elf(archive, libraries[0], minor, report)
    return report


def _is_python_library(member: str) -> bool:
    name = member.split("/")[-1]
    return "Python.framework/" in member or bool(
        re.match(r"^(lib)?python3\d*(\.\d+)?(\.so|\.dylib|\.dll)", name)
    )


def _check_elf(
    archive: zipfile.ZipFile, member: str, minor: str | None, report: WheelReport
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(archive.extract(member, tmp))
        report.needed, report.runpath = elf_dynamic(path)
    pythons = [n for n in report.needed if n.startswith("libpython")]
    if minor and pythons != [f"libpython{minor}.so.1.0"]:
        report.problems.append(
            f"links {pythons or 'no libpython'}, expected libpython{minor}.so.1.0"
        )
    # A stub linked for manylinux builds must never be where the plugin looks.
    stale = [p for p in report.runpath if "orthanc-python-link" in p]
    if stale:
        report.problems.append(f"RUNPATH points at the link stub: {stale}")


# --------------------------------------------------------------------------
# Commands for cibuildwheel


def find_sdk_header(path: Path) -> Path | None:
    for candidate in (path, path / SDK_HEADER, path / "orthanc" / SDK_HEADER):
        if candidate.is_file():
            return candidate
    return None


def check_sdk(path: Path, expected: str = SDK_SHA256) -> list[str]:
    header = find_sdk_header(path)
    if header is None:
        return [
            f"no {SDK_HEADER} in {path} (the workflow's sdk job puts it into sdk/orthanc/)"
        ]
    digest = hashlib.sha256(header.read_bytes()).hexdigest()
    if digest != expected:
        return [
            f"{header}: sha256 {digest}, expected {expected} (Orthanc 1.10.1's header)"
        ]
    return []


def link_stub(output_dir: Path, cc: str = "cc") -> Path:
    """A library that only carries the SONAME libpython3.X.so.1.0 of the
    running Python, for linking where no shared libpython exists (manylinux).

    The plugin then records the dependency by SONAME, and its Python symbols
    stay undefined until the host's libpython provides them at load time.
    Its file name holds the version, as FindPython3 reads it from there."""
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    output_dir.mkdir(parents=True, exist_ok=True)
    stub = output_dir / f"libpython{minor}.so"
    source = output_dir / "empty.c"
    source.write_text(
        "/* link-time stand-in for the host's libpython */\n", encoding="utf-8"
    )
    subprocess.run(
        [
            cc,
            "-shared",
            "-fPIC",
            "-nostdlib",
            f"-Wl,-soname,libpython{minor}.so.1.0",
            "-o",
            str(stub),
            str(source),
        ],
        check=True,
    )
    return stub


# --------------------------------------------------------------------------
# Local builds


@dataclass(frozen=True)
class Variant:
    """How a local wheel finds libpython.

    ``local``: its RUNPATH keeps the build Python's library folder, so it
    runs from any venv of that Python on this machine. ``portable``: linked
    to the stub with the flags of the manylinux builds of CI, it finds
    libpython only where any host has it (the prefix of the Python it is
    installed into, the system's library path): built here to test, against
    the system's Python, the wheels CI publishes."""

    name: str
    portable: bool = False


LOCAL = Variant("local")
PORTABLE = Variant("portable", portable=True)


def portable_cmake_args(stub: Path) -> str:
    """CMAKE_ARGS of the manylinux builds (pyproject.toml's cibuildwheel
    environment; tests/wheels checks that both agree)."""
    return (
        f"-DPython3_LIBRARY={stub} -DORTHANC_PYTHON_WHEEL_BUILD_RPATH=OFF "
        "-DCMAKE_SHARED_LINKER_FLAGS=-Wl,--no-as-needed"
    )


@dataclass
class WheelBuild:
    minor: str
    variant: Variant
    python: Path | None  # the interpreter that built it
    wheel: Path | None = None  # the repaired, checked wheel
    seconds: float = 0.0
    platform_tag: str = ""
    error: str | None = None


@dataclass
class Layout:
    """Where local wheel builds keep their things (under build/wheels/):
    persistent build folders and build venvs, so that a rebuild only
    compiles what changed."""

    root: Path

    @property
    def base(self) -> Path:
        return self.root / "build" / "wheels"

    def env(self, minor: str) -> Path:
        return self.base / "envs" / f"py{minor}"

    def build_dir(self, minor: str, variant: Variant) -> Path:
        return self.base / f"build-py{minor}-{variant.name}"

    def raw(self, minor: str, variant: Variant) -> Path:
        return self.base / "raw" / f"py{minor}-{variant.name}"

    def dist(self, variant: Variant) -> Path:
        return self.base / f"dist-{variant.name}"

    def log(self, minor: str, variant: Variant) -> Path:
        return self.base / f"py{minor}-{variant.name}.log"

    @property
    def stubs(self) -> Path:
        return self.base / "orthanc-python-link"


def backend_requirement(minor: str) -> str:
    return BACKEND_REQUIREMENT.get(minor, BACKEND_REQUIREMENT_DEFAULT)


def _env_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_build_env(
    python: Path, env_dir: Path, requirement: str, log: IO[str]
) -> Path:
    """A venv of the target Python with the build backend, kept between
    builds (its path is in the CMake cache of the persistent build folder)."""
    stamp = env_dir / "orthanc-build-backend.txt"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == requirement:
        return _env_python(env_dir)
    if env_dir.exists():
        shutil.rmtree(env_dir)
    subprocess.run(
        [str(python), "-m", "venv", str(env_dir)],
        check=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    subprocess.run(
        [str(_env_python(env_dir)), "-m", "pip", "install", "--quiet", requirement],
        check=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stamp.write_text(requirement, encoding="utf-8")
    return _env_python(env_dir)


def wheel_command(
    env_python: Path,
    root: Path,
    out_dir: Path,
    build_dir: Path,
    codegen_python: str,
    codegen_cache: Path,
    launcher: str | None = None,
    sdk_path: str | None = None,
) -> list[str]:
    """pip wheel without build isolation, into a persistent build folder."""
    settings = {
        "build-dir": str(build_dir),
        "cmake.define.ORTHANC_CODEGEN_PYTHON": codegen_python,
        "cmake.define.ORTHANC_CODEGEN_CACHE": str(codegen_cache),
    }
    if launcher:
        settings["cmake.define.CMAKE_C_COMPILER_LAUNCHER"] = launcher
        settings["cmake.define.CMAKE_CXX_COMPILER_LAUNCHER"] = launcher
    if sdk_path:
        settings["cmake.define.ORTHANC_SDK_PATH"] = sdk_path
    cmd = [
        str(env_python),
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "--wheel-dir",
        str(out_dir),
    ]
    cmd += [f"--config-settings={key}={value}" for key, value in settings.items()]
    return cmd + [str(root)]


def auditwheel_commands(auditwheel: str, wheel: Path, dest: Path) -> list[list[str]]:
    return [
        [auditwheel, "show", str(wheel)],
        [
            auditwheel,
            "repair",
            "--exclude",
            LIBPYTHON_EXCLUDE,
            "--wheel-dir",
            str(dest),
            str(wheel),
        ],
    ]


def parse_policy(show_output: str) -> str:
    """The tag ``auditwheel show`` says the symbols allow ("constrains ... to")."""
    text = " ".join(show_output.split())
    m = re.search(r'constrains the platform tag to "([^"]+)"', text) or re.search(
        r'consistent with the following platform tag: "([^"]+)"', text
    )
    return m.group(1) if m else ""


def _wheels_of(folder: Path, minor: str) -> list[Path]:
    return sorted(folder.glob(f"{DISTRIBUTION}-*-cp{minor.replace('.', '')}-*.whl"))


def build_one(
    minor: str,
    python: Path,
    layout: Layout,
    codegen_python: str,
    tools_bin: Path,
    variant: Variant = LOCAL,
    log_line: Log = _print,
) -> WheelBuild:
    """pip wheel, auditwheel show, auditwheel repair (libpython excluded),
    check_wheel; the wheel lands in build/wheels/dist-<variant>/."""
    result = WheelBuild(minor, variant, python)
    started = time.monotonic()
    raw, dist, log_path = (
        layout.raw(minor, variant),
        layout.dist(variant),
        layout.log(minor, variant),
    )
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    dist.mkdir(parents=True, exist_ok=True)
    for old in _wheels_of(dist, minor):
        old.unlink()
    env = dict(
        os.environ, PATH=f"{tools_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    )  # patchelf
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            env_python = ensure_build_env(
                python, layout.env(minor), backend_requirement(minor), log
            )
            if variant.portable:
                stub = subprocess.run(
                    [
                        str(env_python),
                        str(Path(__file__).resolve()),
                        "link-stub",
                        str(layout.stubs),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.strip()
                env["CMAKE_ARGS"] = portable_cmake_args(Path(stub))
            cmd = wheel_command(
                env_python,
                layout.root,
                raw,
                layout.build_dir(minor, variant),
                codegen_python,
                layout.root / "build" / "codegen-cache",
                "ccache" if shutil.which("ccache") else None,
                os.environ.get("ORTHANC_SDK_PATH") or None,
            )
            log.write("$ " + " ".join(cmd) + "\n")
            log.flush()
            subprocess.run(
                cmd, check=True, stdout=log, stderr=subprocess.STDOUT, env=env
            )
            built = sorted(raw.glob("*.whl"))
            if len(built) != 1:
                raise RuntimeError(f"pip wheel left {len(built)} wheels in {raw}")
            show, repair = auditwheel_commands(
                str(tools_bin / "auditwheel"), built[0], dist
            )
            shown = subprocess.run(
                show, check=True, capture_output=True, text=True, env=env
            ).stdout
            log.write(shown)
            result.platform_tag = parse_policy(shown)
            subprocess.run(
                repair, check=True, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        except (OSError, subprocess.CalledProcessError, RuntimeError) as error:
            result.error = f"{error} (log: {log_path})"
            result.seconds = time.monotonic() - started
            return result
    result.seconds = time.monotonic() - started
    repaired = _wheels_of(dist, minor)
    if len(repaired) != 1:
        result.error = (
            f"auditwheel repair wrote {len(repaired)} wheels (log: {log_path})"
        )
        return result
    report = check_wheel(repaired[0], require_manylinux=True)
    if not report.ok:
        result.error = "; ".join(report.problems)
        return result
    result.wheel = repaired[0]
    log_line(
        f"wheels: {minor} {variant.name}: {repaired[0].name} in {result.seconds:.0f}s "
        f"(symbols allow {result.platform_tag}; libpython not bundled, RUNPATH {':'.join(report.runpath)})"
    )
    return result


SYSTEM_PYTHON_PROBE = (
    "import sys, sysconfig, ensurepip\n"
    "print('%d.%d' % sys.version_info[:2])\n"
    "print(sysconfig.get_config_var('LIBDIR') or '')\n"
    "print(sysconfig.get_config_var('INSTSONAME') or '')\n"
)


def find_system_python(
    candidates: Sequence[str] = ("/usr/bin/python3",),
) -> tuple[str, Path] | None:
    """The distribution's Python, if it has a shared libpython and can make
    venvs: the host a portable wheel is tested against."""
    for candidate in candidates:
        if not os.path.isfile(candidate):
            continue
        done = subprocess.run(
            [candidate, "-c", SYSTEM_PYTHON_PROBE],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stdout.splitlines()
        if done.returncode != 0 or len(lines) != 3 or lines[0] not in MINORS:
            continue
        if lines[1] and lines[2] and (Path(lines[1]) / lines[2]).is_file():
            return lines[0], Path(os.path.realpath(candidate))
    return None


def run_tests(
    root: Path,
    tools_python: str,
    built: Sequence[Path],
    pythons: Mapping[str, Path],
    pytest_args: Sequence[str] = (),
    tests: str = "tests/wheels",
) -> int:
    """tests/wheels against the wheels ``built``, each installed into a
    fresh venv of the Python given for its version."""
    env = dict(os.environ)
    env["ORTHANC_PYTHON_WHEELS"] = os.pathsep.join(str(w) for w in built)
    env["ORTHANC_WHEEL_PYTHONS"] = json.dumps({m: str(p) for m, p in pythons.items()})
    cmd = [
        tools_python,
        "-m",
        "pytest",
        str(root / tests),
        "-p",
        "no:cacheprovider",
        "-q",
        *pytest_args,
    ]
    return subprocess.run(cmd, cwd=root, env=env, check=False).returncode


def build_all(
    root: Path = ROOT,
    minors: Sequence[str] | None = None,
    tools_python: str = sys.executable,
    test: bool = True,
    pytest_args: Sequence[str] = (),
    portable: bool = True,
    log_line: Log = _print,
) -> int:
    """A local wheel for each pyenv Python, and a portable one for the
    system Python's version; repaired, checked and (``test``) run in Orthanc."""
    wanted = list(minors or MINORS)
    unknown = [m for m in wanted if m not in MINORS]
    if unknown:
        log_line(
            f"wheels: unsupported Python {', '.join(unknown)} (supported: {', '.join(MINORS)})"
        )
        return 2
    pythons = find_pythons(wanted)
    layout = Layout(Path(root))
    tools_bin = Path(tools_python).parent
    results: list[WheelBuild] = []
    for minor in wanted:
        if minor not in pythons:
            log_line(
                f"wheels: {minor}: skipped, no pyenv Python {minor} with a shared libpython"
            )
            continue
        log_line(f"wheels: {minor} local: building with {pythons[minor]}")
        results.append(
            build_one(
                minor, pythons[minor], layout, tools_python, tools_bin, LOCAL, log_line
            )
        )
    system = find_system_python() if portable else None
    if system and system[0] in pythons:
        log_line(
            f"wheels: {system[0]} portable: building with {pythons[system[0]]}, for {system[1]}"
        )
        results.append(
            build_one(
                system[0],
                pythons[system[0]],
                layout,
                tools_python,
                tools_bin,
                PORTABLE,
                log_line,
            )
        )
    elif system:
        log_line(
            f"wheels: no portable wheel: the system Python is {system[0]}, not asked for"
        )
    elif portable:
        log_line(
            "wheels: no portable wheel: no system Python 3.8-3.13 with a shared libpython and venv"
        )
    for r in results:
        state = f"ok {r.wheel.name}" if r.wheel else f"FAILED {r.error}"
        log_line(f"  {r.minor:<5} {r.variant.name:<8} {r.seconds:5.0f}s  {state}")
    code = 1 if not results or any(r.wheel is None for r in results) else 0
    if not test:
        return code
    local = [r for r in results if r.wheel and r.variant == LOCAL]
    if local:
        code = (
            run_tests(
                Path(root),
                tools_python,
                [r.wheel for r in local if r.wheel],
                {r.minor: pythons[r.minor] for r in local},
                pytest_args,
            )
            or code
        )
    portable_built = [r.wheel for r in results if r.wheel and r.variant == PORTABLE]
    if system and portable_built:
        code = (
            run_tests(
                Path(root),
                tools_python,
                portable_built,
                {system[0]: system[1]},
                pytest_args,
                tests="tests/wheels/test_wheel_in_orthanc.py",
            )
            or code
        )
    return code


# --------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wheels.py", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sdk = sub.add_parser(
        "check-sdk", help="check the Orthanc SDK header against its pinned sha256"
    )
    sdk.add_argument("path", type=Path)
    stub = sub.add_parser(
        "link-stub",
        help="write a link stub for this Python's libpython; print its path",
    )
    stub.add_argument("output_dir", type=Path)
    check = sub.add_parser(
        "check-wheel", help="check wheels (files or folders of .whl)"
    )
    check.add_argument("paths", type=Path, nargs="+")
    build = sub.add_parser(
        "build", help="build, repair, check and test the wheels of this machine"
    )
    build.add_argument("minors", nargs="*")
    build.add_argument("--no-test", action="store_true")
    build.add_argument(
        "--no-portable",
        action="store_true",
        help="skip the stub-linked wheel for the system Python",
    )
    args = parser.parse_args(argv)

    if args.command == "check-sdk":
        problems = check_sdk(args.path)
        for line in problems or [f"{find_sdk_header(args.path)}: sha256 ok"]:
            print(line)
        return 1 if problems else 0
    if args.command == "link-stub":
        print(link_stub(args.output_dir))
        return 0
    if args.command == "check-wheel":
        wheels = [
            w
            for p in args.paths
            for w in (sorted(p.glob("*.whl")) if p.is_dir() else [p])
        ]
        bad = 0
        for wheel in wheels:
            report = check_wheel(
                wheel, require_manylinux=sys.platform.startswith("linux")
            )
            print(f"{wheel.name}: {'ok' if report.ok else '; '.join(report.problems)}")
            bad += not report.ok
        return 1 if bad or not wheels else 0
    return build_all(
        minors=args.minors, test=not args.no_test, portable=not args.no_portable
    )


if __name__ == "__main__":
    sys.exit(main())
