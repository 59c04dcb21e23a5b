""".github/workflows/wheels.yml: actionlint, and what the jobs must do."""

from __future__ import annotations

import subprocess

import pytest
from wheel_env import ROOT, tool

WORKFLOW = ROOT / ".github" / "workflows" / "wheels.yml"


def test_actionlint_is_clean() -> None:
    """Every workflow of the project (wheels.yml and windows.yml): the windows
    tests run where this PyPI build of actionlint is not installed."""
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed (pip install -r tests/wheels/requirements.txt)"
        )
    proc = subprocess.run(
        [actionlint, "-no-color", *map(str, sorted(WORKFLOW.parent.glob("*.yml")))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_platform_runs_the_pinned_cibuildwheel() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert f"os: {runner}" in text
    assert "pip install -r tests/wheels/requirements-cibuildwheel.txt" in text
    assert "cibuildwheel --platform ${{ matrix.platform }}" in text
    # The collected artifact holds every wheel: 6 Pythons x 3 platforms.
    assert 'test "$count" -eq 18' in text
