"""release.py end to end on a fake CMake project: build, test, table, dist."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from orthanc_packaging import release, testing
from orthanc_packaging.cells import CellSteps
from orthanc_packaging.discovery import DiscoveryResult
from orthanc_packaging.naming import PlatformTag
from orthanc_packaging.report import Reporter
from packaging_fakes import found_python, make_fake_project, needs_build_tools

LINUX = PlatformTag("linux", "x86_64")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_fake_project(tmp_path / "proj", version="0.2.0")


def _fake_venv(python, venv_dir, reporter, *args, **kwargs):
    return testing.TargetEnv(python="/unused", site_packages=[str(venv_dir / "site-packages")])


# No SDK header or target venv needed by the fake project.
FAKE_STEPS = CellSteps(make_venv=_fake_venv, env_problems=list)


def run(project: Path, versions, found, **kwargs) -> tuple[int, str]:
    out = io.StringIO()
    kwargs.setdefault("steps", FAKE_STEPS)
    code = release.run_matrix(
        root=project,
        versions=versions,
        tools_python=sys.executable,
        reporter=Reporter(out),
        platform=LINUX,
        found=DiscoveryResult(found),
        cmake_args=["-DSDK_HASH=" + "a" * 64],
        **kwargs,
    )
    return code, out.getvalue()


@needs_build_tools
def test_release_builds_tests_and_assembles(project: Path, tmp_path: Path) -> None:
    found = [found_python("3.11.7", tmp_path), found_python("3.12.1", tmp_path)]
    code, out = run(project, ["3.11", "3.12", "3.9"], found, dist=True)
    assert code == 0, out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Python  Build"))
    table = lines[header : header + 6]
    assert table[2].split()[:5] == ["3.11.7", "Release", "2", "passed,", "1"]
    assert "libOrthancPython-0.2.0-py3.11-linux-x86_64.so" in table[2] and table[
        2
    ].endswith("OK")
    assert "libOrthancPython-0.2.0-py3.12-linux-x86_64.so" in table[3]
    assert (
        table[4].startswith("3.9 ")
        and "skipped: Python 3.9 not found" in table[4]
        and table[4].endswith("SKIPPED")
    )
    assert "2 ok, 0 failed, 1 skipped" in out
    dist = project / "dist" / "0.2.0"
    manifest = json.loads((dist / "manifest.json").read_text())
    assert [a["file"] for a in manifest["artifacts"]] == [
        "libOrthancPython-0.2.0-py3.11-linux-x86_64.so",
        "libOrthancPython-0.2.0-py3.12-linux-x86_64.so",
    ]
    assert manifest["sdk_header_sha256"] == "a" * 64
    assert manifest["artifacts"][0]["tests"] == {
        "passed": 2,
        "failed": 0,
        "errors": 0,
        "skipped": 1,
    }
    assert manifest["artifacts"][0]["compiler"][
        "id"
    ]  # read from the real CMake build folder
    assert (dist / "orthanc.pyi").is_file() and (dist / "SHA256SUMS").is_file()
    # the one download: the loader and both modules
    [linux] = manifest["bundles"]
    assert linux["file"] == "OrthancPython-0.2.0-linux-x86_64.tar.gz"
    assert linux["python_minors"] == ["3.11", "3.12"]
    assert "  OrthancPython-0.2.0-linux-x86_64.tar.gz\n" in (dist / "SHA256SUMS").read_text()


@needs_build_tools
def test_one_failing_cell_fails_the_run_without_hiding_the_others(
    project: Path, tmp_path: Path
) -> None:
    (project / "fail_cells.txt").write_text("py3.12-release\n")
    found = [found_python("3.11.7", tmp_path), found_python("3.12.1", tmp_path)]
    code, out = run(project, None, found, dist=True)
    assert code == 1
    assert "1 ok, 1 failed, 0 skipped" in out
    assert (
        "FAILED py3.12-release: pytest exit code 1: 1 passed, 1 failed, 1 skipped"
        in out
    )
    assert "dist is INCOMPLETE: py3.12-release failed" in out
    manifest = json.loads((project / "dist" / "0.2.0" / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert [a["python_minor"] for a in manifest["artifacts"]] == ["3.11"]


def test_unknown_version_is_one_error_line(project: Path, tmp_path: Path) -> None:
    code, out = run(project, ["3.12", "3.99"], [found_python("3.12.1", tmp_path)])
    assert code == 2
    assert out.strip().endswith(
        "error: unsupported Python version '3.99' (supported: 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14)"
    )


def test_missing_sdk_fails_every_cell_with_one_line(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = CellSteps(make_venv=_fake_venv, env_problems=lambda: ["Orthanc plugin SDK header not found (...)"])
    code, out = run(
        project,
        None,
        [found_python("3.11.7", tmp_path), found_python("3.12.1", tmp_path)],
        steps=steps,
    )
    assert code == 1
    assert out.count("cannot build: Orthanc plugin SDK header not found") == 1
    assert out.count("FAILED py3.1") == 2


def test_nothing_found(project: Path) -> None:
    code, out = run(project, None, [])
    assert code == 1 and "no supported Python" in out


def test_skip_reason_and_preferred_minor(tmp_path: Path) -> None:
    found = [
        found_python("3.12.1", tmp_path),
        found_python("3.10.0", tmp_path, problem="no headers"),
    ]
    assert release.skip_reason(found, "3.12") is None
    assert (
        release.skip_reason(found, "3.9")
        == "Python 3.9 not found: install it, e.g. `pyenv install 3.9`"
    )
    assert release.skip_reason(found, "3.10") == "Python 3.10 not usable: no headers"
    assert release.preferred_minor(found, "3.10") == "3.10"
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    expected = here if here == "3.12" else "3.12"
    assert release.preferred_minor(found) == expected
    assert release.preferred_minor([]) is None
