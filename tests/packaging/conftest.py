"""Makes packaging/ importable for the release toolchain tests.

packaging/ shares its name with the PyPA library that pytest and nox import,
so it is loaded here as ``orthanc_packaging`` (like noxfile.py does).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_release_tools() -> None:
    name = "orthanc_packaging"
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        name,
        ROOT / "packaging" / "__init__.py",
        submodule_search_locations=[str(ROOT / "packaging")],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load_release_tools()
