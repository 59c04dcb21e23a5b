""".github/workflows/release.yml: its jobs are the matrix the nox sessions build,
each runs a session the noxfile has, and its artifacts are the parts gather.py knows.
(actionlint runs on every workflow in tests/wheels/test_wheels_workflow.py.)"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from orthanc_packaging import (
    bundle,
    discovery,
    gather,
    orthanc_releases,
    sessions,
    windows,
)

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


@pytest.fixture(scope="module")
def jobs() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]


def nox_sessions() -> set[str]:
    """The sessions noxfile.py lists (test_noxfile.py checks they are these)."""
    return set(sessions.SESSIONS) | {"lint"}


def test_matrices_are_those_the_sessions_build(jobs: dict[str, Any]) -> None:
    assert jobs["linux"]["strategy"]["matrix"]["python"] == list(discovery.SUPPORTED_MINORS)
    assert jobs["windows"]["strategy"]["matrix"]["python"] == list(windows.WINDOWS_MINORS)
    arches = [p.split("-", 1)[1] for p in bundle.PLATFORMS if p.startswith("windows-")]
    assert jobs["windows"]["strategy"]["matrix"]["arch"] == arches
    assert jobs["windows-loader"]["strategy"]["matrix"]["arch"] == arches
    suites = [s for s in orthanc_releases.WANTED_SUITES if s != "bookworm"]  # bookworm: the runner's own Orthanc
    assert jobs["orthanc-releases"]["strategy"]["matrix"]["suite"] == suites


def matrix_combinations(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    """The jobs a matrix makes, as GitHub does: the product of its lists, then
    each `include` entry adds its keys to the combinations it matches."""
    axes = {k: v for k, v in matrix.items() if k not in ("include", "exclude")}
    combos = [dict(zip(axes, values)) for values in itertools.product(*axes.values())] or [{}]
    for extra in matrix.get("include", []):
        matching = [c for c in combos if all(c.get(k, v) == v for k, v in extra.items() if k in axes)]
        for combo in matching:
            combo.update(extra)
    return combos


def expand(template: str, matrix: dict[str, Any]) -> list[str]:
    names = []
    for combo in matrix_combinations(matrix):
        name = template
        for key, value in combo.items():
            name = name.replace("${{ matrix." + key + " }}", str(value))
        names.append(name)
    return sorted(set(names))


def test_every_session_run_exists(jobs: dict[str, Any]) -> None:
    known = nox_sessions()
    used = []
    for job in jobs.values():
        for step in job.get("steps", []):
            for match in re.finditer(r"nox -s \"?([\w.${}\[\] -]+?)\"?(?: --|$|\n)", step.get("run", "")):
                used += expand(match.group(1).strip(), job.get("strategy", {}).get("matrix", {}))
    assert used and set(used) <= known, sorted(set(used) - known)
    assert {"loader", "wheels", "docker", "stubs", "orthanc-releases", "release"} <= set(used)
    windows_sessions = {f"windows-{m}{a.session_suffix}" for m in windows.WINDOWS_MINORS
                        for a in windows.ARCHES.values()}
    assert windows_sessions <= set(used)


def test_artifacts_are_parts_gather_knows(jobs: dict[str, Any]) -> None:
    patterns = (gather.LINUX_PART, gather.ROOT_PART, gather.WINDOWS_PART, gather.LOADER_PART)
    for job_id, job in jobs.items():
        if job_id in ("sdk", "publish", "docker"):  # docker pushes its images instead
            continue
        matrix = job.get("strategy", {}).get("matrix", {})
        uploads = [s["with"]["name"] for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
        assert uploads, job_id
        for template in uploads:
            for name in expand(template, matrix):
                assert name in ("wheels", "stubs") or any(p.match(name) for p in patterns), (job_id, name)


def test_publish_waits_for_every_job(jobs: dict[str, Any]) -> None:
    assert set(jobs["publish"]["needs"]) == set(jobs) - {"publish"}
    assert "orthanc_packaging.gather" in str(jobs["publish"]["steps"])
    assert "ghcr.io" in str(jobs["docker"]["steps"]) and jobs["docker"]["permissions"]["packages"] == "write"
