"""CMake configure/build command lines for one matrix cell, and running them."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from .discovery import FoundPython
from .matrix import Cell
from .naming import PlatformTag, built_library_name
from .report import Reporter

if TYPE_CHECKING:
    from .roots import Root

SDK_HEADER = "OrthancCPlugin.h"
DEFAULT_SDK_INCLUDE_DIRS: tuple[str, ...] = (
    "/usr/include",
    "/usr/local/include",
    "/opt/homebrew/include",
)
HEARTBEAT_SECONDS = 60.0


@dataclass(frozen=True)
class BuildPlan:
    source_dir: Path
    build_dir: Path
    python: FoundPython
    build_type: str
    codegen_python: str  # interpreter with libclang + Jinja2 for codegen/
    platform: PlatformTag
    generator: str | None = None  # None: CMake's default (or the cached one)
    compiler_launcher: str | None = None  # ccache
    sdk_path: str | None = None  # forwarded as -DORTHANC_SDK_PATH
    codegen_cache: Path | None = None  # shared by the cells: one codegen per header
    extra_args: tuple[str, ...] = ()
    root: Root | None = None  # configure and build inside this Debian root
    jobs: int | None = None  # --parallel (None: the generator's default)

    @property
    def library(self) -> Path:
        return self.build_dir / built_library_name(self.platform)

    @property
    def generated_dir(self) -> Path:
        return self.build_dir / "generated"

    @property
    def log_path(self) -> Path:
        return self.build_dir / "build.log"


@dataclass
class BuildResult:
    name: str
    ok: bool
    library: Path | None = None
    generated_dir: Path | None = None
    build_dir: Path | None = None
    seconds: float = 0.0
    size: int | None = None  # of the library, taken at once: build/ is shared
    log: Path | None = None
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    note: str | None = None  # how it was built, when that is worth a word in the table


def build_dir_for(root: Path, minor: str, build_type: str) -> Path:
    return Path(root) / "build" / f"py{minor}-{build_type.lower()}"


def cached_generator(build_dir: Path) -> str | None:
    """A build folder keeps its generator; asking for another one is a CMake error."""
    cache = build_dir / "CMakeCache.txt"
    try:
        for line in cache.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("CMAKE_GENERATOR:"):
                return line.split("=", 1)[1].strip() or None
    except OSError:
        pass
    return None


def make_plan(
    cell: Cell,
    root: Path,
    codegen_python: str,
    which: Callable[[str], str | None] = shutil.which,
    env: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
) -> BuildPlan:
    if cell.python is None:
        raise ValueError(f"cell {cell.name} has no Python to build against")
    env = os.environ if env is None else env
    build_dir = Path(root) / "build" / cell.name  # build_dir_for() for plain cells
    target = cell.target
    inside = target.root if target is not None else None
    if inside is not None:
        # The root's own tools: its cmake, g++, ccache, and its python3 with
        # Debian's python3-clang and python3-jinja2 for the generator, with a
        # cache of its own (not filled by the host's PyPI libclang).
        def which(name: str) -> str | None:
            return f"/usr/bin/{name}" if inside.has(f"/usr/bin/{name}") else None

        codegen_python = "/usr/bin/python3"
        codegen_cache = Path(root) / "build" / f"codegen-cache-{inside.suite.name}"
    else:
        codegen_cache = Path(root) / "build" / "codegen-cache"
    generator = cached_generator(build_dir)
    if generator is None and which("ninja"):
        generator = "Ninja"
    sdk_path = target.sdk_path if target is not None and target.sdk_path else env.get("ORTHANC_SDK_PATH") or None
    return BuildPlan(
        source_dir=Path(root),
        build_dir=build_dir,
        python=cell.python,
        build_type=cell.build_type,
        codegen_python=codegen_python,
        platform=cell.platform,
        generator=generator,
        compiler_launcher="ccache" if which("ccache") else None,
        sdk_path=sdk_path,
        codegen_cache=codegen_cache,
        extra_args=tuple(extra_args),
        root=inside,
        # make's default is one job; the machine is shared: 2 at most
        jobs=2 if inside is not None and generator is None else None,
    )


def configure_command(plan: BuildPlan, cmake: str = "cmake") -> list[str]:
    cmd = [cmake, "-S", str(plan.source_dir), "-B", str(plan.build_dir)]
    if plan.generator:
        cmd += ["-G", plan.generator]
    cmd += [
        f"-DPYTHON_VERSION={plan.python.minor}",
        f"-DPython3_ROOT_DIR={plan.python.prefix}",
        # Pins FindPython3 to the exact interpreter even when the system has
        # another Python of the same minor.
        f"-DPython3_EXECUTABLE={plan.python.executable}",
        f"-DCMAKE_BUILD_TYPE={plan.build_type}",
        f"-DORTHANC_CODEGEN_PYTHON={plan.codegen_python}",
    ]
    if plan.compiler_launcher:
        cmd += [
            f"-DCMAKE_C_COMPILER_LAUNCHER={plan.compiler_launcher}",
            f"-DCMAKE_CXX_COMPILER_LAUNCHER={plan.compiler_launcher}",
        ]
    if plan.sdk_path:
        cmd.append(f"-DORTHANC_SDK_PATH={plan.sdk_path}")
    if plan.codegen_cache:
        cmd.append(f"-DORTHANC_CODEGEN_CACHE={plan.codegen_cache}")
    cmd += list(plan.extra_args)
    return cmd


def build_command(
    plan: BuildPlan, cmake: str = "cmake", jobs: int | None = None
) -> list[str]:
    # --config only matters for multi-config generators (Visual Studio, Xcode).
    cmd = [cmake, "--build", str(plan.build_dir), "--config", plan.build_type]
    if jobs:
        cmd += ["--parallel", str(jobs)]
    return cmd


def find_sdk_header(
    sdk_path: str | None, include_dirs: Sequence[str] = DEFAULT_SDK_INCLUDE_DIRS
) -> Path | None:
    """ORTHANC_SDK_PATH may name the header, its folder, or an include root
    holding ``orthanc/OrthancCPlugin.h``."""
    if sdk_path:
        p = Path(sdk_path)
        for candidate in (
            p,
            p / SDK_HEADER,
            p / "orthanc" / SDK_HEADER,
            p / "include" / "orthanc" / SDK_HEADER,
        ):
            if candidate.is_file():
                return candidate
        return None
    for d in include_dirs:
        candidate = Path(d) / "orthanc" / SDK_HEADER
        if candidate.is_file():
            return candidate
    return None


def missing_sdk_message(sdk_path: str | None) -> str:
    if sdk_path:
        return (
            f"Orthanc plugin SDK: no {SDK_HEADER} at ORTHANC_SDK_PATH={sdk_path}; "
            f"point it at the folder holding {SDK_HEADER}"
        )
    return (
        f"Orthanc plugin SDK header not found (no /usr/include/orthanc/{SDK_HEADER} and ORTHANC_SDK_PATH unset): "
        f"apt-get install orthanc-dev, or set ORTHANC_SDK_PATH (-DORTHANC_SDK_PATH=...) to the folder holding it"
    )


def environment_problems(
    sdk_path: str | None,
    which: Callable[[str], str | None] = shutil.which,
    include_dirs: Sequence[str] = DEFAULT_SDK_INCLUDE_DIRS,
) -> list[str]:
    """What this machine lacks for any build, one line each saying what to
    install or which option to set."""
    problems = []
    if not which("cmake"):
        problems.append(
            "cmake not found on PATH: install CMake >= 3.18 (apt-get install cmake, or pip install cmake)"
        )
    if find_sdk_header(sdk_path, include_dirs) is None:
        problems.append(missing_sdk_message(sdk_path))
    return problems


def python_problems(python: FoundPython) -> list[str]:
    if python.libpython is None:
        return [
            (
                f"Python {python.version} at {python.executable} has no shared libpython: "
                f"{python.problem or 'rebuild it with --enable-shared'}"
            )
        ]
    if not Path(python.libpython).exists():
        return [f"libpython {python.libpython} disappeared since discovery"]
    return []


def root_problems(plan: BuildPlan) -> list[str]:
    """What a root lacks for a build (paths of the root seen from the host)."""
    root = plan.root
    assert root is not None
    problems = []
    if not root.has("/usr/bin/cmake"):
        problems.append(f"the Debian {root.suite.name} root has no cmake (apt-get install cmake there)")
    header = find_sdk_header(plan.sdk_path, ["/usr/include"]) if plan.sdk_path else None
    if plan.sdk_path and header is None:
        problems.append(missing_sdk_message(plan.sdk_path))
    if not plan.sdk_path and not root.has(f"/usr/include/orthanc/{SDK_HEADER}"):
        problems.append(f"the Debian {root.suite.name} root has no {SDK_HEADER} (apt-get install orthanc-dev there)")
    python = plan.python
    if python.libpython is None or not root.has(python.libpython):
        problems.append(f"the Debian {root.suite.name} root has no shared libpython{python.minor} "
                        f"(apt-get install libpython{python.minor}-dev there)")
    return problems


def preflight(
    plan: BuildPlan,
    which: Callable[[str], str | None] = shutil.which,
    include_dirs: Sequence[str] = DEFAULT_SDK_INCLUDE_DIRS,
) -> list[str]:
    if plan.root is not None:
        return root_problems(plan)
    return environment_problems(plan.sdk_path, which, include_dirs) + python_problems(
        plan.python
    )


Runner = Callable[..., "subprocess.Popen[str]"]


def _run_logged(
    cmd: Sequence[str],
    log,
    what: str,
    reporter: Reporter,
    popen: Runner = subprocess.Popen,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> int:
    """Run with output into the log file, printing a line every ``heartbeat``
    seconds so that a 10-minute compile does not look hung."""
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = popen(list(cmd), stdout=log, stderr=subprocess.STDOUT, text=True)
    started = time.monotonic()
    while True:
        try:
            return proc.wait(timeout=heartbeat)
        except subprocess.TimeoutExpired:
            reporter.line(f"  ... still {what} ({int(time.monotonic() - started)}s)")


def log_tail(path: Path, lines: int = 25) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def run_build(
    plan: BuildPlan,
    reporter: Reporter,
    name: str,
    popen: Runner = subprocess.Popen,
    jobs: int | None = None,
    check: Callable[[BuildPlan], list[str]] = preflight,
) -> BuildResult:
    started = time.monotonic()
    result = BuildResult(
        name=name, ok=False, build_dir=plan.build_dir, log=plan.log_path
    )
    problems = check(plan)
    if problems:
        result.problems = problems
        result.error = problems[0]
        for problem in problems:
            reporter.line(f"{name}: {problem}")
        return result
    plan.build_dir.mkdir(parents=True, exist_ok=True)
    steps = (
        ("configure", "configuring", configure_command(plan)),
        ("build", "building", build_command(plan, jobs=jobs or plan.jobs)),
    )
    where = f" in the {plan.root.suite.name} root" if plan.root is not None else ""
    with open(plan.log_path, "w", encoding="utf-8") as log:
        for step, doing, cmd in steps:
            reporter.line(f"{name}: {doing}{where} ({' '.join(cmd[:2])} ...)")
            # the project is bound at the same path inside a root: same command, same log
            real = plan.root.command(cmd) if plan.root is not None else cmd
            code = _run_logged(real, log, f"{doing} {name}", reporter, popen)
            if code != 0:
                result.error = (
                    f"{step} failed with exit code {code} (log: {plan.log_path})"
                )
                break
    result.seconds = time.monotonic() - started
    if result.error:
        reporter.block(f"{name}: {result.error}; last lines:", log_tail(plan.log_path))
        return result
    missing = [
        p for p in (plan.library, plan.generated_dir / "orthanc.pyi") if not p.is_file()
    ]
    if missing:
        result.error = "build succeeded but did not produce " + ", ".join(
            str(p) for p in missing
        )
        reporter.line(f"{name}: {result.error}")
        return result
    result.ok = True
    result.library = plan.library
    result.size = plan.library.stat().st_size
    result.generated_dir = plan.generated_dir
    reporter.line(f"{name}: built {plan.library} in {result.seconds:.0f}s")
    return result
