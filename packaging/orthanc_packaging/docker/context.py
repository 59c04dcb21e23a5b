"""The build context of the Docker images: the files `docker build` sends.

docker/Dockerfile.dockerignore is an allow-list: BuildKit reads it next to the
Dockerfile; the builds here send a tar filtered by the same rules (the
classic builder of Debian's Docker does not read it), so build/, .nox/,
dist/ and .git/ never reach the daemon with either builder.
"""

from __future__ import annotations

import copy
import io
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Mapping, Sequence


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: `*` and `?` stay in one path
    component, `**/` spans folders, and a match on a folder covers all that
    it holds."""
    pattern = pattern.strip("/")
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?")


def context_filter(ignore_text: str) -> Callable[[str], bool]:
    """Whether a relative path (with /) is sent, by .dockerignore rules:
    the last matching line decides, `!` lines let paths back in."""
    rules: list[tuple[re.Pattern[str], bool]] = []
    for line in ignore_text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        rules.append((_pattern_regex(line[1:].strip() if keep else line), keep))

    def included(path: str) -> bool:
        verdict = True
        for regex, keep in rules:
            if regex.fullmatch(path):
                verdict = keep
        return verdict

    return included


def context_files(root: Path, ignore_text: str | None = None) -> list[str]:
    """Relative paths of the files a build of `root` sends, sorted."""
    included = context_filter(ignore_text or "")
    # The literal start of each `!` pattern (up to its first wildcard).
    reentries = [
        re.split(r"[*?\[]", line.strip()[1:].strip("/"))[0]
        for line in (ignore_text or "").splitlines()
        if line.strip().startswith("!")
    ]
    files = []
    for folder, dirs, names in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        # Folders that are out, and that no `!` line reaches into, stay unvisited.
        dirs[:] = sorted(
            d
            for d in dirs
            if included(prefix + d)
            or any(r.startswith(prefix + d + "/") or not r for r in reentries)
        )
        files += [prefix + n for n in sorted(names) if included(prefix + n)]
    return sorted(files)


@dataclass(frozen=True)
class ContextEntry:
    info: tarfile.TarInfo
    data: bytes | None  # the content of a regular file


def snapshot_context(root: Path, files: Sequence[str]) -> tuple[ContextEntry, ...]:
    """The build context read once, in memory (a few hundred KiB).

    The builds that must see the same sources (the image, then the
    script-layer probe) take the same snapshot, even while others edit the
    tree. Modes and times come from the files; owners are root, as
    `docker build .` sends them, so the same files hit the same build cache.
    """
    entries = []
    with tarfile.open(fileobj=io.BytesIO(), mode="w") as scratch:
        for name in files:
            info = scratch.gettarinfo(str(root / name), arcname=name)
            info.uid = info.gid = 0
            info.mtime = int(info.mtime)
            info.uname = info.gname = ""
            data = (root / name).read_bytes() if info.isfile() else None
            entries.append(ContextEntry(info, data))
    return tuple(entries)


def write_context_tar(
    snapshot: Sequence[ContextEntry],
    target: BinaryIO,
    changes: Mapping[str, bytes] | None = None,
) -> None:
    """The build context as a tar, with `changes` replacing file contents."""
    changes = changes or {}
    # Plain ustar/GNU headers: the docker CLI only recognizes stdin as an
    # archive (not a Dockerfile) when its first header is a file's.
    with tarfile.open(fileobj=target, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for entry in snapshot:
            info = copy.copy(entry.info)
            data = changes.get(info.name, entry.data)
            if data is None:
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
