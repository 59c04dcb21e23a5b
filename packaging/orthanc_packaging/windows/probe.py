"""The pyconfig probe (windows/pyconfig-probe): a dev root's headers against
the compiler (at compile time) and against the real python3X.dll (when run)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .common import Runner, WindowsBuildError, _run, python_tag
from .devroot import DevRoot


def build_probe(root: Path, dev_root: DevRoot, work: Path, run: Runner = subprocess.run) -> Path:
    """pyconfig_probe.exe for the dev root's architecture, linked with its
    import library.  Its static assertions make a pyconfig.h size that the
    compiler disagrees with a build error, reported as a failed check."""
    arch = dev_root.arch
    out = work / "pyconfig-probe" / arch.name / f"py{dev_root.minor}"
    out.mkdir(parents=True, exist_ok=True)
    exe = out / "pyconfig_probe.exe"
    library = dev_root.path / "libs" / f"python{python_tag(dev_root.minor)}.lib"
    cmd = [f"{arch.triple}-gcc-posix", "-std=c11", "-O1", "-Wall", "-Werror",
           *(f"-D{d}" for d in arch.gcc_defines),
           f"-I{dev_root.path / 'include'}", str(root / "windows" / "pyconfig-probe" / "pyconfig_probe.c"),
           "-o", str(exe), str(library)]
    try:
        _run(cmd, run)
    except WindowsBuildError as error:
        raise WindowsBuildError(f"the pyconfig probe does not compile against {dev_root.path}: {error}") from None
    return exe
