"""CMake configure and build of the plugin, the loader and the smoke-test host, native or cross."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ..report import Reporter
from .common import SDK_HEADER, Runner, WindowsBuildError


def generator_args(
    build: Path, native: bool, which: Callable[[str], str | None] = shutil.which
) -> list[str]:
    """Ninja for cross builds when present; natively CMake's default (Visual
    Studio), since Ninja would need a developer prompt to find MSVC.  A
    configured build folder keeps its generator."""
    if native or (build / "CMakeCache.txt").exists() or not which("ninja"):
        return []
    return ["-G", "Ninja"]


def _cmake_build(
    source: Path,
    build: Path,
    config: str,
    args: Sequence[str],
    log: Path,
    reporter: Reporter,
    what: str,
    run: Runner = subprocess.run,
    native: bool = False,
) -> None:
    build.mkdir(parents=True, exist_ok=True)
    generator = generator_args(build, native)
    steps = [
        [
            "cmake",
            "-S",
            str(source),
            "-B",
            str(build),
            *generator,
            f"-DCMAKE_BUILD_TYPE={config}",
            *args,
        ],
        ["cmake", "--build", str(build), "--config", config, "--parallel"],
    ]
    with open(log, "w", encoding="utf-8") as out:
        for cmd in steps:
            reporter.line(f"{what}: {' '.join(cmd[:3])} ...")
            out.write("$ " + " ".join(cmd) + "\n")
            out.flush()
            code = run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
            if code != 0:
                text = log.read_text(encoding="utf-8", errors="replace").splitlines()[
                    -30:
                ]
                raise WindowsBuildError(
                    f"{what} failed (log: {log}):\n" + "\n".join(text)
                )


def built_file(build: Path, config: str, name: str) -> Path:
    """Single-config generators write to the build folder, Visual Studio to <config>/."""
    for candidate in (build / name, build / config / name):
        if candidate.is_file():
            return candidate
    raise WindowsBuildError(f"no {name} in {build}")


def cmake_path(path: str | Path) -> str:
    """Forward slashes: in CMake strings a Windows backslash starts an escape."""
    return Path(path).as_posix()


def sdk_path(env: Mapping[str, str]) -> str:
    return cmake_path(env.get("ORTHANC_SDK_PATH") or SDK_HEADER.parent)
