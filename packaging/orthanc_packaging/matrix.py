"""The build matrix: Python versions x build types x platforms.

A requested Python that this machine lacks becomes a skipped cell (the other
cells still run); a version that is not a supported Python at all is an
error, reported in one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .discovery import SUPPORTED_MINORS, FoundPython
from .naming import PlatformTag, detect_platform

if TYPE_CHECKING:
    from .roots import Root

BUILD_TYPES: tuple[str, ...] = ("Release", "Debug", "RelWithDebInfo", "MinSizeRel")


class MatrixError(ValueError):
    pass


def parse_minor(text: str) -> str:
    """``"3.12"`` (or ``"3.12.1"``, ``"py3.12"``) -> ``"3.12"``."""
    m = re.match(
        r"^(?:py(?:thon)?)?(\d+)\.(\d+)(?:\.\d+)?$", text.strip(), re.IGNORECASE
    )
    supported = ", ".join(SUPPORTED_MINORS)
    if not m:
        raise MatrixError(
            f"invalid Python version {text!r}: expected e.g. 3.12 (supported: {supported})"
        )
    minor = f"{int(m.group(1))}.{int(m.group(2))}"
    if minor not in SUPPORTED_MINORS:
        raise MatrixError(
            f"unsupported Python version {text!r} (supported: {supported})"
        )
    return minor


def parse_build_type(text: str) -> str:
    for build_type in BUILD_TYPES:
        if build_type.lower() == text.strip().lower():
            return build_type
    raise MatrixError(
        f"unknown build type {text!r} (expected one of: {', '.join(BUILD_TYPES)})"
    )


@dataclass(frozen=True)
class Target:
    """Which Orthanc a cell is tested against and which SDK header it is
    built with, when that is not simply this host's (orthanc_releases.py).
    ``root`` set: built and tested inside that Debian root."""

    suite: str  # the Debian suite whose Orthanc runs the tests ("bookworm", ...)
    orthanc: str  # that Orthanc's version
    sdk: str  # version of the OrthancCPlugin.h the cell is built against
    sdk_path: str | None = None  # folder holding it (-DORTHANC_SDK_PATH); None: the default one
    root: Root | None = None  # None: this host
    test: bool = True  # False: build only (compile check and coverage report)
    tag: str | None = None  # in the cell's name: py3.13-<tag>-release
    orthanc_binary: str | None = None  # host executable running that Orthanc (a root's wrapper)
    embedded_python: str | None = None  # host executable running the embedded Python's interpreter


@dataclass(frozen=True)
class Cell:
    minor: str
    build_type: str
    platform: PlatformTag
    python: FoundPython | None = None
    skip_reason: str | None = None
    target: Target | None = None

    @property
    def name(self) -> str:
        """py3.11-release; trixie-py3.13-release for a root's cell;
        py3.13-sdk1.13.0-release when tagged."""
        t = self.target
        prefix = f"{t.root.suite.name}-" if t is not None and t.root is not None else ""
        tag = f"-{t.tag}" if t is not None and t.tag else ""
        return f"{prefix}py{self.minor}{tag}-{self.build_type.lower()}"

    @property
    def in_root(self) -> bool:
        return self.target is not None and self.target.root is not None

    @property
    def runnable(self) -> bool:
        return self.python is not None and self.skip_reason is None


@dataclass(frozen=True)
class Matrix:
    platform: PlatformTag
    cells: tuple[Cell, ...]

    def runnable(self) -> list[Cell]:
        return [c for c in self.cells if c.runnable]

    def skipped(self) -> list[Cell]:
        return [c for c in self.cells if not c.runnable]


def _pick(
    found: Sequence[FoundPython], minor: str
) -> tuple[FoundPython | None, str | None]:
    same = [p for p in found if p.minor == minor]
    usable = [p for p in same if p.usable]
    if usable:
        return usable[0], None
    if same:
        return (
            same[0],
            f"skipped: Python {same[0].version} at {same[0].executable}: {same[0].problem}",
        )
    return (
        None,
        f"skipped: Python {minor} not found (install it, e.g. `pyenv install {minor}`)",
    )


def cells_for(
    found_pythons: Sequence[FoundPython],
    build_types: Sequence[str] = ("Release",),
    platform: PlatformTag | None = None,
    versions: Sequence[str] | None = None,
) -> list[Cell]:
    """One cell per (Python minor, build type).

    ``versions`` None means every supported minor that was found; otherwise
    the requested ones, in that order, found or not.
    """
    platform = detect_platform() if platform is None else platform
    kinds = list(dict.fromkeys(parse_build_type(b) for b in build_types))
    if versions is None:
        minors = [
            m for m in SUPPORTED_MINORS if any(p.minor == m for p in found_pythons)
        ]
    else:
        minors = list(dict.fromkeys(parse_minor(v) for v in versions))
    cells = []
    for minor in minors:
        python, reason = _pick(found_pythons, minor)
        for build_type in kinds:
            cells.append(Cell(minor, build_type, platform, python, reason))
    return cells


def matrix_for(
    found_pythons: Sequence[FoundPython],
    build_types: Sequence[str] = ("Release",),
    platform: PlatformTag | None = None,
    versions: Sequence[str] | None = None,
) -> Matrix:
    cells = cells_for(found_pythons, build_types, platform, versions)
    plat = cells[0].platform if cells else (platform or detect_platform())
    return Matrix(plat, tuple(cells))
