"""What the tests of tests/wheels share: the project's paths and
the release library's wheels module."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from orthanc_packaging import wheel_checks, wheels

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SOURCE = ROOT / "python"


__all__ = ["PACKAGE_SOURCE", "ROOT", "tool", "wheel_checks", "wheels"]


def tool(name: str) -> str | None:
    """A command of the venv running the tests (even when it is not on
    PATH), else of PATH."""
    here = Path(sys.executable).parent / (name + (".exe" if os.name == "nt" else ""))
    return str(here) if here.is_file() else shutil.which(name)
