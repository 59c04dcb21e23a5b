"""An import library (pythonXY.lib) made from a Python DLL with gendef and dlltool."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .common import X64, Arch, Runner, WindowsBuildError, _run


def export_definition(dll: Path, libs: Path, run: Runner = subprocess.run) -> Path:
    """pythonXY.def: the DLL's exports as gendef lists them (data symbols
    marked DATA)."""
    libs.mkdir(parents=True, exist_ok=True)
    definition = libs / (dll.stem + ".def")
    exports = _run(["gendef", "-", str(dll)], run).stdout
    if "EXPORTS" not in exports:
        raise WindowsBuildError(f"gendef found no exports in {dll}")
    definition.write_text(exports, encoding="utf-8")
    return definition


def exported_names(definition: Path) -> set[str]:
    """The names a .def file exports (without ordinals, DATA and the like)."""
    names: set[str] = set()
    in_exports = False
    for line in definition.read_text(encoding="utf-8").splitlines():
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        if line.upper() == "EXPORTS":
            in_exports = True
        elif in_exports:
            names.add(line.split()[0].split("@", 1)[0].split("=", 1)[0])
    return names


def make_import_library(
    definition: Path,
    dll_name: str,
    libs: Path,
    arch: Arch = X64,
    run: Runner = subprocess.run,
) -> Path:
    """pythonXY.lib for `arch` from an export list: a COFF import library
    that both MinGW's ld and MSVC's link read.

    CPython exports the same undecorated (cdecl) names on x64 and x86, so the
    x86 library is made from the x64 DLL's list.  dlltool for i386 prefixes
    each symbol with the underscore that 32-bit C names carry and imports the
    name as listed; --add-underscore would wrongly import "_PyDict_New"."""
    libs.mkdir(parents=True, exist_ok=True)
    library = libs / (Path(dll_name).stem + ".lib")
    _run(
        [
            f"{arch.triple}-dlltool",
            "--machine",
            arch.dlltool_machine,
            "--dllname",
            dll_name,
            "--def",
            str(definition),
            "--output-lib",
            str(library),
        ],
        run,
    )
    return library
