"""testing.py: the env handed to tests/integration, junit counts, target venv."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from orthanc_packaging import testing
from orthanc_packaging.report import Reporter
from packaging_fakes import found_python, make_fake_project

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="16"
 time="1.0"/></testsuites>
"""


def test_parse_junit(tmp_path: Path) -> None:
    (tmp_path / "j.xml").write_text(JUNIT)
    counts = testing.parse_junit(tmp_path / "j.xml")
    assert counts == testing.TestCounts(passed=10, failed=2, errors=1, skipped=3)
    assert counts.total == 16
    assert counts.summary() == "10 passed, 2 failed, 1 errors, 3 skipped"


def test_plugin_env_points_orthanc_at_the_target_site_packages(tmp_path: Path) -> None:
    lib = tmp_path / "libOrthancPython.so"
    lib.write_bytes(b"")
    base = {"PATH": "/bin", "PYTHONPATH": "/other/python3.11", "PYTHONHOME": "/x"}
    env = testing.plugin_test_env(
        base,
        lib,
        ["/v/lib/python3.8/site-packages", "/v/lib64/python3.8/site-packages"],
    )
    assert env["ORTHANC_PYTHON_PLUGIN"] == str(lib.resolve())
    assert env["ORTHANC_TESTS_PYTHONPATH"].split(":") == [
        "/v/lib/python3.8/site-packages",
        "/v/lib64/python3.8/site-packages",
    ]
    assert "PYTHONPATH" not in env and "PYTHONHOME" not in env
    assert env["PATH"] == "/bin"
    assert base["PYTHONPATH"] == "/other/python3.11"  # caller's mapping untouched


def test_pytest_command(tmp_path: Path) -> None:
    cmd = testing.pytest_command(
        "/venv/bin/python",
        [Path("tests/integration")],
        tmp_path / "j.xml",
        ["-k", "hello"],
    )
    assert cmd == [
        "/venv/bin/python",
        "-m",
        "pytest",
        "tests/integration",
        "-q",
        f"--junitxml={tmp_path / 'j.xml'}",
        "-p",
        "no:cacheprovider",
        "-k",
        "hello",
    ]


def test_run_integration_tests_counts_and_env(tmp_path: Path) -> None:
    root = make_fake_project(tmp_path / "proj")
    lib = root / "build" / "py3.12-release" / "libOrthancPython.so"
    lib.parent.mkdir(parents=True)
    lib.write_bytes(b"")
    target = testing.TargetEnv(python="/unused", site_packages=[str(tmp_path / "site")])
    out = io.StringIO()
    result = testing.run_integration_tests(
        lib, target, sys.executable, Reporter(out), "py3.12-release", root
    )
    assert result.ok, out.getvalue()
    assert result.counts == testing.TestCounts(passed=2, skipped=1)
    assert result.junit == root / "build" / "test-results" / "py3.12-release.xml"
    assert "2 passed, 1 skipped" in out.getvalue()  # pytest's own output is echoed


def test_run_integration_tests_failure(tmp_path: Path) -> None:
    root = make_fake_project(tmp_path / "proj")
    (root / "fail_cells.txt").write_text("py3.12-release\n")
    lib = root / "build" / "py3.12-release" / "libOrthancPython.so"
    lib.parent.mkdir(parents=True)
    lib.write_bytes(b"")
    target = testing.TargetEnv(python="/unused", site_packages=["/site"])
    result = testing.run_integration_tests(
        lib,
        target,
        sys.executable,
        Reporter(io.StringIO()),
        "py3.12-release",
        root,
        echo=False,
    )
    assert not result.ok and result.exit_code == 1
    assert result.counts == testing.TestCounts(passed=1, failed=1, skipped=1)
    assert result.error is not None and result.error.startswith(
        "pytest exit code 1: 1 passed, 1 failed"
    )


def test_missing_integration_dir(tmp_path: Path) -> None:
    target = testing.TargetEnv(python="/unused", site_packages=[])
    result = testing.run_integration_tests(
        tmp_path / "lib.so",
        target,
        sys.executable,
        Reporter(io.StringIO()),
        "x",
        tmp_path,
    )
    assert not result.ok and "does not exist" in (result.error or "")


class FakeRun:
    """Records commands; pretends venv creation and pip work."""

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.calls: list[list[str]] = []

    def __call__(self, cmd, **kwargs) -> subprocess.CompletedProcess:
        self.calls.append(list(cmd))
        if cmd[1:3] == ["-m", "venv"]:
            py = self.venv / "bin" / "python"
            py.parent.mkdir(parents=True, exist_ok=True)
            py.write_text("")
        out = f"{self.venv}/lib/python3.8/site-packages\n{self.venv}/lib/python3.8/site-packages\n"
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")


def test_target_venv_is_made_from_the_target_python_and_reused(tmp_path: Path) -> None:
    python = found_python("3.8.18", tmp_path)
    venv = tmp_path / "venvs" / "py3.8"
    req = tmp_path / "target.txt"
    req.write_text("pydicom==2.4.4\n")
    run = FakeRun(venv)
    out = io.StringIO()

    env = testing.ensure_target_venv(python, venv, Reporter(out), req, run=run)

    assert run.calls[0] == [python.executable, "-m", "venv", "--clear", str(venv)]
    assert run.calls[1][:3] == [str(venv / "bin" / "python"), "-m", "pip"]
    assert run.calls[1][-2:] == ["-r", str(req)]
    assert env.python == str(venv / "bin" / "python")
    assert env.site_packages == [f"{venv}/lib/python3.8/site-packages"]
    # Same requirements: only the site-packages query runs again.
    run.calls.clear()
    testing.ensure_target_venv(python, venv, Reporter(out), req, run=run)
    assert len(run.calls) == 1 and run.calls[0][1] == "-c"
    # Changed requirements: rebuilt.
    req.write_text("pydicom==2.4.5\n")
    run.calls.clear()
    testing.ensure_target_venv(python, venv, Reporter(out), req, run=run)
    assert run.calls[0][1:3] == ["-m", "venv"]


def test_target_requirements_pin_everything() -> None:
    lines = [
        line.split(";")[0].strip()
        for line in testing.TARGET_REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines and all("==" in line for line in lines)
    names = {line.split("==")[0].lower() for line in lines}
    assert {"pydicom", "pillow", "requests", "xlwt"} <= names


def test_no_test_collected_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_none.py").write_text("")
    result = testing.run_pytest(
        sys.executable, ["tests"], "unit", Reporter(io.StringIO()), tmp_path, echo=False
    )
    assert not result.ok and result.exit_code == 5 and result.error == "no test ran"


def test_total_line_over_runs() -> None:
    runs = [
        testing.TestResult(ok=True, counts=testing.TestCounts(passed=70, skipped=1)),
        testing.TestResult(
            ok=False, counts=testing.TestCounts(passed=40, failed=1, errors=1)
        ),
    ]
    assert testing.total_line(runs) == "total: 110 passed, 2 failed, 1 skipped"
