"""What the tests of tests/wheels share: the project's paths and
packaging/wheels.py, loaded from its file as ``orthanc_wheels`` (the
folder's name is also the PyPA library's, which pytest imports)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SOURCE = ROOT / "python"


def _load(name: str, path: Path) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


wheels = _load("orthanc_wheels", ROOT / "packaging" / "wheels.py")


def tool(name: str) -> str | None:
    """A command of the venv running the tests (even when it is not on
    PATH), else of PATH."""
    here = Path(sys.executable).parent / (name + (".exe" if os.name == "nt" else ""))
    return str(here) if here.is_file() else shutil.which(name)
