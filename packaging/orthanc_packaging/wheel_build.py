"""One local wheel build: pip wheel in a persistent build folder with the
pinned build backend, auditwheel show and repair (libpython excluded), then
the checks of wheel_checks.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable

from .wheel_checks import DISTRIBUTION, LIBPYTHON_EXCLUDE, check_wheel

Log = Callable[[str], None]


def _print(line: str) -> None:
    print(line, flush=True)


# The build backend pins of pyproject.toml's build-system.requires, per
# Python: local builds install it into a persistent venv and build without
# isolation (tests/wheels checks that both lists agree).
BACKEND_REQUIREMENT = {"3.8": "scikit-build-core==0.11.6"}
BACKEND_REQUIREMENT_DEFAULT = "scikit-build-core==1.1.2"

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
                        str(Path(__file__).with_name("wheel_checks.py")),
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


