"""What a wheel of the plugin must hold, and the commands that the
cibuildwheel configuration runs (``python
packaging/orthanc_packaging/wheel_checks.py check-sdk|link-stub|check-wheel``).

Standard library only, and no import of the rest of ``orthanc_packaging``:
the same file runs as a script inside cibuildwheel's manylinux containers and
under every Python the wheels are built for.

Why libpython is never bundled: the plugin embeds the Python whose venv the
wheel is installed into, so it must load that Python's own library (its
standard library and C extensions go with it). auditwheel's policies forbid
linking libpython at all (extension modules get it from the interpreter), so
``auditwheel show`` calls such a wheel "linux_x86_64"; ``auditwheel repair
--exclude libpython3.*.so.1.0`` keeps the dependency external and tags the
wheel for the glibc/libstdc++ symbols it uses, which is what the manylinux tag
promises. The shared libpython is a documented host requirement, like Orthanc.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

# Debian bookworm's orthanc-dev 1.10.1+dfsg-2+deb12u1, the header of every
# build of the project; CI hands it to cibuildwheel (.github/workflows/wheels.yml).
SDK_SHA256 = "25636a2d6aeed108caa0cb079d944ae77d23857a3b6fd4690fed046ccce6612f"
SDK_HEADER = "OrthancCPlugin.h"

LIBPYTHON_EXCLUDE = "libpython3.*.so.1.0"
DISTRIBUTION = "orthanc_python_plugin"
LIBRARY_NAMES = ("libOrthancPython.so", "libOrthancPython.dylib", "OrthancPython.dll")


def wheel_minor(wheel: Path) -> str | None:
    """ "3.12" for a ``...-cp312-cp312-...whl``."""
    m = re.search(r"-cp3(\d+)-cp3\1-", wheel.name)
    return f"3.{m.group(1)}" if m else None


# --------------------------------------------------------------------------
# ELF and wheel checks


def elf_dynamic(
    path: Path, run: Callable[..., str] = subprocess.check_output
) -> tuple[list[str], list[str]]:
    """(NEEDED entries, RUNPATH/RPATH entries) of an ELF file, via readelf."""
    text = run(["readelf", "-d", str(path)], text=True)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", text)
    runpath: list[str] = []
    for value in re.findall(
        r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]*)\]", text
    ):
        runpath += [p for p in value.split(":") if p]
    return needed, runpath


@dataclass
class WheelReport:
    wheel: Path
    problems: list[str] = field(default_factory=list)
    needed: list[str] = field(default_factory=list)
    runpath: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_wheel(wheel: Path, require_manylinux: bool = False) -> WheelReport:
    """What a wheel of the plugin must hold, and must not."""
    report = WheelReport(wheel)
    minor = wheel_minor(wheel)
    if minor is None:
        report.problems.append(
            "not tagged cpXY-cpXY (the plugin links one libpython: no abi3, no py3-none)"
        )
    if require_manylinux and "-manylinux_" not in wheel.name:
        report.problems.append(
            "not tagged manylinux_X_Y (auditwheel repair did not run)"
        )
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        libraries = [
            n
            for n in names
            if n.startswith("orthanc_python/") and n.split("/")[-1] in LIBRARY_NAMES
        ]
        for wanted in (
            "orthanc_python/__init__.py",
            "orthanc_python/orthanc.pyi",
            "orthanc-stubs/__init__.pyi",
        ):
            if wanted not in names:
                report.problems.append(f"{wanted} is missing")
        if len(libraries) != 1:
            report.problems.append(
                f"expected one plugin library in orthanc_python/, found {libraries or 'none'} "
                "(does CMakeLists.txt have the if(SKBUILD) install rules?)"
            )
        bundled = [n for n in names if _is_python_library(n)]
        if bundled:
            report.problems.append(
                f"bundles a Python library: {bundled} (the host's must be used)"
            )
        entry_points = next(
            (n for n in names if n.endswith(".dist-info/entry_points.txt")), None
        )
        if (
            entry_points is None
            or "orthanc-python-plugin" not in archive.read(entry_points).decode()
        ):
            report.problems.append("no orthanc-python-plugin console script")
        if libraries and libraries[0].endswith(".so") and shutil.which("readelf"):
            _check_elf(archive, libraries[0], minor, report)
    return report


def _is_python_library(member: str) -> bool:
    name = member.split("/")[-1]
    return "Python.framework/" in member or bool(
        re.match(r"^(lib)?python3\d*(\.\d+)?(\.so|\.dylib|\.dll)", name)
    )


def _check_elf(
    archive: zipfile.ZipFile, member: str, minor: str | None, report: WheelReport
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(archive.extract(member, tmp))
        report.needed, report.runpath = elf_dynamic(path)
    pythons = [n for n in report.needed if n.startswith("libpython")]
    if minor and pythons != [f"libpython{minor}.so.1.0"]:
        report.problems.append(
            f"links {pythons or 'no libpython'}, expected libpython{minor}.so.1.0"
        )
    # A stub linked for manylinux builds must never be where the plugin looks.
    stale = [p for p in report.runpath if "orthanc-python-link" in p]
    if stale:
        report.problems.append(f"RUNPATH points at the link stub: {stale}")


# --------------------------------------------------------------------------
# Commands for cibuildwheel


def find_sdk_header(path: Path) -> Path | None:
    for candidate in (path, path / SDK_HEADER, path / "orthanc" / SDK_HEADER):
        if candidate.is_file():
            return candidate
    return None


def check_sdk(path: Path, expected: str = SDK_SHA256) -> list[str]:
    header = find_sdk_header(path)
    if header is None:
        return [
            f"no {SDK_HEADER} in {path} (the workflow's sdk job puts it into sdk/orthanc/)"
        ]
    digest = hashlib.sha256(header.read_bytes()).hexdigest()
    if digest != expected:
        return [
            f"{header}: sha256 {digest}, expected {expected} (Orthanc 1.10.1's header)"
        ]
    return []


def link_stub(output_dir: Path, cc: str = "cc") -> Path:
    """A library that only carries the SONAME libpython3.X.so.1.0 of the
    running Python, for linking where no shared libpython exists (manylinux).

    The plugin then records the dependency by SONAME, and its Python symbols
    stay undefined until the host's libpython provides them at load time.
    Its file name holds the version, as FindPython3 reads it from there."""
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    output_dir.mkdir(parents=True, exist_ok=True)
    stub = output_dir / f"libpython{minor}.so"
    source = output_dir / "empty.c"
    source.write_text(
        "/* link-time stand-in for the host's libpython */\n", encoding="utf-8"
    )
    subprocess.run(
        [
            cc,
            "-shared",
            "-fPIC",
            "-nostdlib",
            f"-Wl,-soname,libpython{minor}.so.1.0",
            "-o",
            str(stub),
            str(source),
        ],
        check=True,
    )
    return stub


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wheel_checks.py", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sdk = sub.add_parser(
        "check-sdk", help="check the Orthanc SDK header against its pinned sha256"
    )
    sdk.add_argument("path", type=Path)
    stub = sub.add_parser(
        "link-stub",
        help="write a link stub for this Python's libpython; print its path",
    )
    stub.add_argument("output_dir", type=Path)
    check = sub.add_parser(
        "check-wheel", help="check wheels (files or folders of .whl)"
    )
    check.add_argument("paths", type=Path, nargs="+")
    args = parser.parse_args(argv)

    if args.command == "check-sdk":
        problems = check_sdk(args.path)
        for line in problems or [f"{find_sdk_header(args.path)}: sha256 ok"]:
            print(line)
        return 1 if problems else 0
    if args.command == "link-stub":
        print(link_stub(args.output_dir))
        return 0
    if args.command == "check-wheel":
        wheels = [
            w
            for p in args.paths
            for w in (sorted(p.glob("*.whl")) if p.is_dir() else [p])
        ]
        bad = 0
        for wheel in wheels:
            report = check_wheel(
                wheel, require_manylinux=sys.platform.startswith("linux")
            )
            print(f"{wheel.name}: {'ok' if report.ok else '; '.join(report.problems)}")
            bad += not report.ok
        return 1 if bad or not wheels else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
