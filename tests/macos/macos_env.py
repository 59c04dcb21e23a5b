"""Synthetic Python layouts of macOS (folders and empty files in a tmp
dir) and macos/python_layout.py, for tests/macos."""

from __future__ import annotations

import os
from pathlib import Path


import python_layout as layout

__all__ = [
    "CHOOSE_CMAKE",
    "CLT_39",
    "ROOT",
    "XCODE_39",
    "framework",
    "homebrew",
    "layout",
    "prefix",
    "touch",
]

ROOT = Path(__file__).resolve().parents[2]
CHOOSE_CMAKE = Path(__file__).with_name("choose.cmake")
XCODE_39 = "/Applications/Xcode.app/Contents/Developer/Library/Frameworks/Python3.framework/Versions/3.9"
CLT_39 = "/Library/Developer/CommandLineTools/Library/Frameworks/Python3.framework/Versions/3.9"


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def framework(parent: Path, version: str) -> Path:
    """<parent>/Python.framework/Versions/X.Y as python.org and Homebrew lay it out."""
    vd = parent / "Python.framework" / "Versions" / version
    touch(vd / "Python")
    (vd / "lib").mkdir(parents=True)
    os.symlink("../Python", vd / "lib" / f"libpython{version}.dylib")
    touch(
        vd
        / "lib"
        / f"python{version}"
        / f"config-{version}-darwin"
        / f"libpython{version}.a"
    )
    touch(vd / "include" / f"python{version}" / "Python.h")
    touch(vd / "bin" / f"python{version}")
    return vd


def homebrew(brew: Path, version: str, patch: str) -> Path:
    """<brew>/Cellar/python@X.Y/<patch>/Frameworks/..., and <brew>/opt/python@X.Y -> it."""
    keg = brew / "Cellar" / f"python@{version}" / patch
    vd = framework(keg / "Frameworks", version)
    (brew / "opt").mkdir(parents=True)
    os.symlink(keg, brew / "opt" / f"python@{version}")
    return vd


def prefix(root: Path, version: str, shared: bool = True) -> Path:
    """A pyenv/uv install: <prefix>/lib/libpythonX.Y.dylib (or only the .a)."""
    touch(root / "include" / f"python{version}" / "Python.h")
    touch(root / "bin" / f"python{version}")
    if shared:
        touch(root / "lib" / f"libpython{version}.dylib")
    else:
        touch(
            root
            / "lib"
            / f"python{version}"
            / f"config-{version}-darwin"
            / f"libpython{version}.a"
        )
    return root
