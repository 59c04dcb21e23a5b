"""The Linux binaries per Python: discover the Pythons, build and test a
cell for each (cells.py), print the table and assemble dist/<version>/.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from .cells import REAL_STEPS, CellOutcome, CellSteps, run_cells
from .discovery import (
    SUPPORTED_RANGE,
    DiscoveryResult,
    FoundPython,
    ProbeRunner,
    SearchPlaces,
    discover,
    run_probe,
)
from .manifest import ArtifactInput, ManifestError, assemble
from .matrix import MatrixError, cells_for, parse_minor
from .naming import PlatformTag, detect_platform
from .report import FAILED, OK, SKIPPED, Reporter, exit_code, format_table
from .version import PROJECT_ROOT, read_version


def find_pythons(
    reporter: Reporter,
    places: SearchPlaces | None = None,
    probe: ProbeRunner = run_probe,
) -> DiscoveryResult:
    found = discover(places, probe)
    reporter.block("Pythons found:", found.summary_lines() or ["none"])
    return found


def preferred_minor(
    found: Sequence[FoundPython], wanted: str | None = None
) -> str | None:
    """``wanted``, else the minor running this code if it is usable here,
    else the newest usable one."""
    if wanted:
        return parse_minor(wanted)
    usable = [p.minor for p in found if p.usable]
    current = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if current in usable:
        return current
    return (
        max(usable, key=lambda m: tuple(int(x) for x in m.split(".")))
        if usable
        else None
    )


def second_minor(found: Sequence[FoundPython], first: str) -> str | None:
    """Another usable Python for CI to test, newest first (3.12 or 3.13 on
    this kind of machine), so the suite runs on two Python versions."""
    others = [p.minor for p in found if p.usable and p.minor != first]
    return max(others, key=lambda m: tuple(int(x) for x in m.split("."))) if others else None


def skip_reason(found: Sequence[FoundPython], minor: str) -> str | None:
    """Why a single-Python session cannot run here, or None."""
    cell = cells_for(found, ["Release"], detect_platform(), [minor])[0]
    if cell.runnable:
        return None
    if cell.python is None:
        return f"Python {cell.minor} not found: install it, e.g. `pyenv install {cell.minor}`"
    return f"Python {cell.minor} not usable: {cell.python.problem}"


def print_summary(
    outcomes: Sequence[CellOutcome], version: str, reporter: Reporter
) -> int:
    rows = [o.row(version) for o in outcomes]
    reporter.stream.write("\n" + format_table(rows) + "\n")
    for o in outcomes:
        if o.status in (FAILED, SKIPPED):
            reason = (o.reason or "").replace("skipped: ", "", 1)
            reporter.stream.write(f"{o.status.upper()} {o.cell.name}: {reason}\n")
    reporter.stream.flush()
    return exit_code(rows)


def artifacts_of(outcomes: Sequence[CellOutcome]) -> list[ArtifactInput]:
    inputs = []
    for o in outcomes:
        b = o.build
        if (
            o.cell.python is None
            or b is None
            or not b.ok
            or b.library is None
            or b.generated_dir is None
        ):
            continue
        inputs.append(
            ArtifactInput(
                name=o.cell.name,
                library=b.library,
                build_dir=b.build_dir or b.library.parent,
                generated_dir=b.generated_dir,
                python=o.cell.python,
                build_type=o.cell.build_type,
                platform=o.cell.platform,
                tests_passed=o.status == OK and o.tested,
                tests=o.tests.counts if o.tests else None,
            )
        )
    return inputs


def run_matrix(
    root: Path = PROJECT_ROOT,
    versions: Sequence[str] | None = None,
    build_types: Sequence[str] = ("Release",),
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    test: bool = True,
    dist: bool = False,
    dist_root: Path | None = None,
    platform: PlatformTag | None = None,
    found: DiscoveryResult | None = None,
    cmake_args: Sequence[str] = (),
    pytest_args: Sequence[str] = (),
    steps: CellSteps = REAL_STEPS,
) -> int:
    """Build (and test) every cell; with ``dist`` also assemble dist/<version>/.
    Returns the process exit code."""
    reporter = reporter or Reporter()
    root = Path(root)
    version = read_version(root)
    found = found if found is not None else find_pythons(reporter)
    try:
        cells = cells_for(
            found.pythons, build_types, platform or detect_platform(), versions
        )
    except MatrixError as exc:
        reporter.line(f"error: {exc}")
        return 2
    if not cells:
        reporter.line(f"error: no supported Python ({SUPPORTED_RANGE}) found on this machine")
        return 1
    outcomes = run_cells(
        cells, root, tools_python, reporter, test, cmake_args, pytest_args, steps=steps
    )
    code = print_summary(outcomes, version, reporter)
    if dist:
        failed = [o.cell.name for o in outcomes if o.status == FAILED]
        try:
            out = assemble(
                Path(dist_root or root / "dist"),
                version,
                artifacts_of(outcomes),
                root,
                failed_cells=failed,
            )
        except ManifestError as exc:
            reporter.line(f"dist not assembled: {exc}")
            return 1
        reporter.block(f"assembled {out.directory}:", out.files)
        from . import loader  # it builds on this module

        if (platform or detect_platform()).os == "linux" and loader.release_bundle(
                out.directory, version, root, reporter) is None:
            reporter.line("dist has no linux-x86_64 bundle (see above)")
            return code or 1
        if failed:
            reporter.line(
                f"dist is INCOMPLETE: {', '.join(failed)} failed (recorded in manifest.json)"
            )
    return code


