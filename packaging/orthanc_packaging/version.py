"""The plugin's single version number, kept in the ``VERSION`` file."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Plain X.Y.Z with an optional pre-release/local suffix; the string ends up in
# file names, so anything with spaces or slashes is refused early.
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:[.+-]?[0-9A-Za-z.]+)?$")


class VersionError(ValueError):
    pass


def read_version(root: Path | None = None) -> str:
    path = Path(root or PROJECT_ROOT) / "VERSION"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise VersionError(
            f"cannot read the plugin version from {path}: {exc.strerror}"
        ) from None
    if not _VERSION_RE.match(text):
        raise VersionError(f"{path} holds {text!r}, expected a version like 1.2.3")
    return text
