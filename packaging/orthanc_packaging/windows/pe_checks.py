"""Static checks of a built DLL: exports, imports, architecture, version resource."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from .common import (
    ENTRY_POINTS,
    X64,
    Arch,
    Runner,
    WindowsBuildError,
    _run,
    python_tag,
)


@dataclass
class DllFacts:
    file_format: str = ""
    exports: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    imported_names: dict[str, list[str]] = field(default_factory=dict)  # DLL -> names


def find_objdump(which: Callable[[str], str | None] = shutil.which) -> str | None:
    # x86_64's objdump reads PE32 (i386) files too.
    for name in (f"{X64.triple}-objdump", "objdump"):
        found = which(name)
        if found:
            return found
    return None


def parse_objdump(text: str) -> DllFacts:
    """File format, exported names and imported DLLs from ``objdump -p``."""
    facts = DllFacts()
    match = re.search(r"file format (\S+)", text)
    facts.file_format = match.group(1) if match else ""
    for block in re.split(r"^\s*DLL Name:\s*", text, flags=re.MULTILINE)[1:]:
        lines = block.splitlines()
        name = lines[0].strip()
        facts.imports.append(name)
        names = facts.imported_names.setdefault(name, [])
        # "\tvma:  Hint/Ord Member-Name Bound-To", then "\t<vma>\t<hint>  <name>"
        # lines until a blank line.
        for line in lines[2:]:
            entry = re.match(r"\s*[0-9a-fA-F]+\s+\d+\s+(\S+)", line)
            if not line.strip() or entry is None:
                break
            names.append(entry.group(1))
    table = re.search(
        r"\[Ordinal/Name Pointer\] Table.*?\n(.*?)(?:\n\s*\n|\Z)", text, re.DOTALL
    )
    if table:
        for line in table.group(1).splitlines():
            entry = re.match(
                r"\s*\[\s*\d+\]\s+(?:\+base\[\s*\d+\]\s+[0-9a-fA-F]+\s+)?(\S+)", line
            )
            if entry:
                facts.exports.append(entry.group(1))
    return facts


def read_dll_facts(
    dll: Path, objdump: str | None = None, run: Runner = subprocess.run
) -> DllFacts:
    tool = objdump or find_objdump()
    if tool is None:
        raise WindowsBuildError("objdump not found: install binutils or mingw-w64")
    return parse_objdump(_run([tool, "-p", str(dll)], run).stdout)


def check_imports_and_exports(
    facts: DllFacts, minor: str, release_libs: bool = True, arch: Arch = X64
) -> list[str]:
    """What would stop a Windows user's Orthanc from loading the plugin."""
    problems = []
    if facts.file_format != arch.pe_format:
        problems.append(
            f"not a {arch.bits}-bit Windows DLL (file format {facts.file_format or 'unknown'}, "
            f"expected {arch.pe_format})"
        )
    for name in ENTRY_POINTS:
        if name not in facts.exports:
            problems.append(f"does not export {name}")
    imports = {name.lower() for name in facts.imports}
    tag = python_tag(minor)
    release, debug = f"python{tag}.dll", f"python{tag}_d.dll"
    if release_libs:
        if release not in imports:
            problems.append(f"does not import {release}")
        if debug in imports:
            problems.append(
                f"imports the debug Python {debug} (release libraries were asked for)"
            )
    elif debug not in imports:
        problems.append(f"does not import {debug}")
    for name in sorted(imports):
        if re.fullmatch(r"python\d+(_d)?\.dll", name) and name not in (release, debug):
            problems.append(f"imports another Python, {name}")
    for name in arch.runtime_dlls:
        if name in imports:
            problems.append(
                f"imports the MinGW runtime {name}, which Windows users do not have"
            )
    return problems


# The fixed part of a VERSIONINFO resource starts with this signature.
_FIXED_FILE_INFO = struct.pack("<I", 0xFEEF04BD)


@dataclass(frozen=True)
class VersionResource:
    file_version: tuple[int, int, int, int]
    strings: Mapping[str, str]


def read_version_resource(data: bytes) -> VersionResource | None:
    """The version resource of a PE file's bytes (VS_FIXEDFILEINFO plus the
    StringFileInfo values, which are UTF-16 key/value pairs)."""
    start = data.find(_FIXED_FILE_INFO)
    if start < 0:
        return None
    ms, ls = struct.unpack_from("<II", data, start + 8)
    version = (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)
    strings = {}
    for key in (
        "FileVersion",
        "ProductVersion",
        "OriginalFilename",
        "FileDescription",
        "PythonVersion",
    ):
        needle = (key + "\0").encode("utf-16-le")
        at = data.find(needle, start)
        if at < 0:
            continue
        at += len(needle)
        while data[at : at + 2] == b"\0\0":  # padding to a 32-bit boundary
            at += 2
        end = at
        while data[end : end + 2] != b"\0\0" and end < len(data):
            end += 2
        strings[key] = data[at:end].decode("utf-16-le", errors="replace")
    return VersionResource(version, strings)


def check_version_resource(data: bytes, version: str, minor: str) -> list[str]:
    resource = read_version_resource(data)
    if resource is None:
        return ["has no version resource"]
    problems = []
    numbers = [int(n) for n in re.findall(r"\d+", version)[:3]]
    numbers += [0] * (3 - len(numbers))
    if list(resource.file_version[:3]) != numbers:
        problems.append(
            f"version resource says {resource.file_version}, the plugin is {version}"
        )
    if resource.strings.get("FileVersion") != version:
        problems.append(
            f"FileVersion is {resource.strings.get('FileVersion')!r}, expected {version!r}"
        )
    if resource.strings.get("PythonVersion") != minor:
        problems.append(
            f"PythonVersion is {resource.strings.get('PythonVersion')!r}, expected {minor!r}"
        )
    return problems


def check_python_imports(facts: DllFacts, minor: str, exported: set[str]) -> list[str]:
    """Every name taken from python3X.dll is one the real DLL exports: a
    misnamed import (a decorated x86 name, an API of another minor) would
    stop Windows from loading the plugin."""
    dll = f"python{python_tag(minor)}.dll"
    names = next((n for d, n in facts.imported_names.items() if d.lower() == dll), [])
    missing = sorted(set(names) - exported)
    if not missing:
        return []
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return [f"imports from {dll} what it does not export: {shown}"]


def check_dll(
    dll: Path,
    minor: str,
    version: str,
    release_libs: bool = True,
    objdump: str | None = None,
    run: Runner = subprocess.run,
    arch: Arch = X64,
    python_exports: set[str] | None = None,
) -> list[str]:
    """Every static check on one built plugin DLL; an empty list means it
    passed.  `python_exports`: the names the real python3X.dll exports."""
    if not dll.is_file():
        return [f"{dll} does not exist"]
    facts = read_dll_facts(dll, objdump, run)
    problems = check_imports_and_exports(facts, minor, release_libs, arch)
    if python_exports is not None:
        problems += check_python_imports(facts, minor, python_exports)
    problems += check_version_resource(dll.read_bytes(), version, minor)
    return problems
