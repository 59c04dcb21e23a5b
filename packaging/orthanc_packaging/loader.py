"""The loader plugin (src/loader): build it, gather the per-Python modules
into a bundle folder, and test it in the real Orthanc (`nox -s loader`).

The modules are those the other sessions already built when they are there
(the `tests` session's build/py3.X-*release/, the `wheels` session's
build/wheels/build-py3.X-local/, the Debian roots' build/<suite>-py3.X-release/),
so that in CI this session mostly tests; a missing one is built here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import bundle, cmake, orthanc_releases, release, testing
from .cells import build_cell
from .discovery import DiscoveryResult
from .matrix import Cell, cells_for
from .naming import detect_platform
from .report import Reporter
from .version import PROJECT_ROOT, read_version

LOADER_SOURCE = Path("src") / "loader"
LIBRARY = "libOrthancPython.so"
# The Debian roots whose Python the loader is tested with (Orthanc inside the root).
ROOT_SUITES: tuple[str, ...] = ("forky",)


def loader_build_dir(root: Path) -> Path:
    return Path(root) / "build" / "loader"


def bundle_dir(root: Path) -> Path:
    """The test bundle: in the project's tree, which the Debian roots see too."""
    return Path(root) / "build" / "loader-bundle"


def configure_command(root: Path, build_dir: Path, generator: str | None,
                      extra: Sequence[str] = ()) -> list[str]:
    command = ["cmake", "-S", str(Path(root) / LOADER_SOURCE), "-B", str(build_dir),
               "-DCMAKE_BUILD_TYPE=Release"]
    if generator and cmake.cached_generator(build_dir) is None:
        command += ["-G", generator]
    return command + list(extra)


def build_loader(root: Path, reporter: Reporter, build_dir: Path | None = None,
                 extra: Sequence[str] = (), name: str = LIBRARY) -> Path | None:
    """Configure and build the loader; its path, or None (the log says why)."""
    build_dir = build_dir or loader_build_dir(root)
    build_dir.mkdir(parents=True, exist_ok=True)
    generator = "Ninja" if shutil.which("ninja") else None
    log = build_dir / "build.log"
    with open(log, "w", encoding="utf-8") as out:
        for command in (configure_command(root, build_dir, generator, extra),
                        ["cmake", "--build", str(build_dir)]):
            out.write(f"$ {' '.join(command)}\n")
            out.flush()
            code = subprocess.run(command, cwd=root, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
            if code != 0:
                reporter.line(f"loader: `{' '.join(command)}` failed (log: {log})")
                return None
    library = build_dir / name
    if not library.is_file():
        reporter.line(f"loader: the build wrote no {library}")
        return None
    reporter.line(f"loader: built {library} ({library.stat().st_size} bytes)")
    return library


def built_module(root: Path, minor: str) -> Path | None:
    """A module for `minor` that an earlier session built on this host."""
    build = Path(root) / "build"
    candidates = [build / f"py{minor}-release" / LIBRARY]
    candidates += sorted(build.glob(f"py{minor}-sdk*-release/{LIBRARY}"))
    candidates.append(build / "wheels" / f"build-py{minor}-local" / LIBRARY)
    return next((c for c in candidates if c.is_file()), None)


@dataclass
class Gathered:
    modules: list[bundle.Module] = field(default_factory=list)
    host_pythons: dict[str, str] = field(default_factory=dict)  # minor -> interpreter
    roots: list[dict[str, str]] = field(default_factory=list)  # for tests/loader (ORTHANC_LOADER_ROOTS)
    problems: list[str] = field(default_factory=list)


def _host_cells(found: DiscoveryResult, minors: Sequence[str] | None) -> list[Cell]:
    return [c for c in cells_for(found.pythons, ["Release"], detect_platform(), minors) if c.runnable]


def gather_host_modules(root: Path, found: DiscoveryResult, tools_python: str, reporter: Reporter,
                        minors: Sequence[str] | None, into: Gathered) -> None:
    for cell in _host_cells(found, minors):
        assert cell.python is not None
        library = built_module(root, cell.minor)
        if library is None:
            reporter.line(f"loader: no module for Python {cell.minor} built yet: building {cell.name}")
            result = build_cell(cell, root, tools_python, reporter)
            if not result.ok or result.library is None:
                into.problems.append(f"Python {cell.minor}: build failed ({result.error})")
                continue
            library = result.library
        else:
            reporter.line(f"loader: Python {cell.minor}: {library}")
        into.modules.append(bundle.Module(cell.minor, library))
        into.host_pythons[cell.minor] = cell.python.executable


def gather_root_modules(root: Path, found: DiscoveryResult, tools_python: str, reporter: Reporter,
                        suites: Sequence[str], into: Gathered) -> None:
    """The module of each root suite's Python, built inside that root (the
    `tests` session's build is reused), and what the tests need to run
    Orthanc and that Python there."""
    if not suites:
        return
    env = {**os.environ, orthanc_releases.ENV_SUITES: ",".join(suites), orthanc_releases.ENV_SDK: "own"}
    plan = orthanc_releases.plan_cells(root, found.pythons, [], reporter, detect_platform(), env=env)
    into.problems += plan.problems
    for cell in plan.cells:
        target = cell.target
        if target is None or target.root is None or not target.test:
            continue
        if not cell.runnable or cell.python is None:
            into.problems.append(f"{cell.name}: {cell.skip_reason}")
            continue
        if any(m.minor == cell.minor for m in into.modules):
            into.problems.append(f"{cell.name}: the bundle already holds a module for Python {cell.minor}")
            continue
        library = Path(root) / "build" / cell.name / LIBRARY
        if not library.is_file():
            result = build_cell(cell, root, tools_python, reporter)
            if not result.ok or result.library is None:
                into.problems.append(f"{cell.name}: build failed ({result.error})")
                continue
            library = result.library
        reporter.line(f"loader: Python {cell.minor} (Debian {target.suite}): {library}")
        into.modules.append(bundle.Module(cell.minor, library, f"built in Debian {target.suite}"))
        inside = f"/usr/bin/python{cell.minor}"
        into.roots.append({
            "suite": target.suite,
            "minor": cell.minor,
            "orthanc": target.orthanc_binary or "",
            "python": str(target.root.wrapper(inside)),
            "inside": inside,
        })


def test_environment(folder: Path, gathered: Gathered) -> dict[str, str]:
    """The contract with tests/loader/test_loader.py."""
    return {
        "ORTHANC_LOADER_BUNDLE": str(folder),
        "ORTHANC_LOADER_PYTHONS": json.dumps(gathered.host_pythons),
        "ORTHANC_LOADER_ROOTS": json.dumps(gathered.roots),
    }


def run_loader_session(root: Path, tools_python: str, reporter: Reporter,
                       minors: Sequence[str] | None = None, pytest_args: Sequence[str] = (),
                       suites: Sequence[str] | None = None) -> int:
    """Build the loader, gather the modules into build/loader-bundle/, run
    tests/loader against it. Returns the exit code."""
    root = Path(root)
    found = release.find_pythons(reporter)
    gathered = Gathered()
    gather_host_modules(root, found, tools_python, reporter, minors, gathered)
    if suites is None:
        value = os.environ.get(orthanc_releases.ENV_SUITES, "")
        suites = [] if value == "none" else [s for s in ROOT_SUITES if not value or s in value.split(",")]
    gather_root_modules(root, found, tools_python, reporter, suites, gathered)
    loader = build_loader(root, reporter)
    for problem in gathered.problems:
        reporter.line(f"loader: FAILED {problem}")
    if loader is None or not gathered.modules:
        return 1
    folder = bundle.assemble_folder(bundle_dir(root), "linux-x86_64", read_version(root), loader,
                                    gathered.modules)
    reporter.block(f"loader: bundle {folder}:", [
        f"{p.relative_to(folder)}  {p.stat().st_size} bytes" for p in sorted(folder.rglob("*")) if p.is_file()])
    result = testing.run_pytest(tools_python, ["tests/loader"], "loader", reporter, root,
                                env={**os.environ, **test_environment(folder, gathered)},
                                extra_args=list(pytest_args))
    return 0 if result.ok and not gathered.problems else 1


def release_bundle(dist_dir: Path, version: str, root: Path, reporter: Reporter) -> bundle.Bundle | None:
    """The linux-x86_64 bundle of a release: the loader and the modules that
    dist_dir's manifest ships (tested by the release run), plus the Debian
    roots' modules built by the tests or loader sessions (a newer Python than
    this host has, needing that suite's C library). Recorded in manifest.json."""
    manifest = json.loads((Path(dist_dir) / "manifest.json").read_text(encoding="utf-8"))
    modules = [bundle.Module(a["python_minor"], Path(dist_dir) / a["file"])
               for a in manifest.get("artifacts", []) if a.get("platform") == "linux-x86_64"]
    for suite in ROOT_SUITES:
        for library in sorted((Path(root) / "build").glob(f"{suite}-py3.*-release/{LIBRARY}")):
            minor = library.parent.name.split("-")[1][2:]
            if all(m.minor != minor for m in modules):
                modules.append(bundle.Module(minor, library, f"built in Debian {suite}: needs its C library or newer"))
    if not modules:
        reporter.line("bundle: no Linux module in this release")
        return None
    loader = build_loader(root, reporter)
    if loader is None:
        return None
    made = bundle.make_bundle(Path(dist_dir), version, "linux-x86_64", loader, modules)
    bundle.record_bundles(Path(dist_dir), [made])
    reporter.block(f"bundle {made.archive.name} ({made.archive.stat().st_size} bytes):", [
        f"{m['file']}  {m['size']} bytes{'  (' + m['note'] + ')' if m.get('note') else ''}"
        for m in made.description["modules"]])
    return made


if __name__ == "__main__":  # pragma: no cover - manual use
    sys.exit(run_loader_session(PROJECT_ROOT, sys.executable, Reporter(prefix="loader")))
