"""An import library (pythonXY.lib) made from a Python DLL with gendef and dlltool."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .common import MINGW_TRIPLE, Runner, WindowsBuildError, _run


def make_import_library(
    dll: Path,
    libs: Path,
    tools_prefix: str = MINGW_TRIPLE,
    run: Runner = subprocess.run,
) -> Path:
    """pythonXY.lib for ``dll``: gendef lists its exports (marking data
    symbols DATA), dlltool turns the list into a COFF import library that
    both MinGW's ld and MSVC's link read."""
    libs.mkdir(parents=True, exist_ok=True)
    definition = libs / (dll.stem + ".def")
    exports = _run(["gendef", "-", str(dll)], run).stdout
    if "EXPORTS" not in exports:
        raise WindowsBuildError(f"gendef found no exports in {dll}")
    definition.write_text(exports, encoding="utf-8")
    library = libs / (dll.stem + ".lib")
    _run(
        [
            f"{tools_prefix}-dlltool",
            "--dllname",
            dll.name,
            "--def",
            str(definition),
            "--output-lib",
            str(library),
        ],
        run,
    )
    return library
