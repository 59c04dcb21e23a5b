"""A cache of generated outputs, keyed by the header and by the generator itself.

Key = sha256(sha256(header bytes) + sha256(every source, template and fake
libc header of the codegen package)): a change to either regenerates.  An
entry is a directory `<cache dir>/<key>/` holding the output files; it is
written in a temporary directory and renamed into place, so that parallel
builds never see half an entry.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional

PACKAGE = Path(__file__).resolve().parent
_SOURCE_SUFFIXES = (".py", ".j2", ".h", ".txt")


def default_cache_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("ORTHANC_CODEGEN_CACHE"):
        return Path(env["ORTHANC_CODEGEN_CACHE"])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "orthanc-python-codegen"
    return Path.home() / ".cache" / "orthanc-python-codegen"


def generator_digest(package: Path = PACKAGE) -> str:
    """Hash of the generator's own files (names and contents)."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in package.rglob("*")
        if p.is_file() and p.suffix in _SOURCE_SUFFIXES and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(header_bytes: bytes, package: Path = PACKAGE) -> str:
    header_digest = hashlib.sha256(header_bytes).hexdigest()
    return hashlib.sha256(f"{header_digest}:{generator_digest(package)}".encode("ascii")).hexdigest()


class Cache:
    def __init__(self, directory: Path, file_names: Iterable[str]) -> None:
        self.directory = Path(directory)
        self.file_names = tuple(file_names)

    def entry(self, key: str) -> Path:
        return self.directory / key

    def load(self, key: str) -> Optional[Dict[str, bytes]]:
        """The cached outputs, or None when absent or incomplete."""
        entry = self.entry(key)
        try:
            return {name: (entry / name).read_bytes() for name in self.file_names}
        except OSError:
            return None

    def store(self, key: str, outputs: Mapping[str, bytes]) -> Path:
        """Adds an entry atomically; a concurrent writer of the same key wins harmlessly."""
        self.directory.mkdir(parents=True, exist_ok=True)
        entry = self.entry(key)
        temp = Path(tempfile.mkdtemp(dir=str(self.directory), prefix=".tmp-" + key[:12] + "-"))
        try:
            os.chmod(str(temp), 0o755)  # mkdtemp makes it private; the entry is not secret
            for name in self.file_names:
                (temp / name).write_bytes(outputs[name])
            if entry.exists() and self.load(key) is None:
                # An incomplete entry (files deleted by hand): replace it.
                shutil.rmtree(str(entry), ignore_errors=True)
            try:
                os.rename(str(temp), str(entry))
            except OSError:
                if self.load(key) is None:
                    raise
                # Another build stored the same key first: its content is the same.
        finally:
            if temp.exists():
                shutil.rmtree(str(temp), ignore_errors=True)
        return entry
