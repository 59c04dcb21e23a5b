"""Debian packages for the cross build, and CPython's headers (Include/, PC/pyconfig.h) from Debian's source packages."""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from .. import system
from ..report import Reporter
from .common import CROSS_TOOLS, SDK_HEADER, Runner, WindowsBuildError, _run
from .embeddable import _safe_relative
from .wine import wine32_command, wine_command


def missing_packages(
    tools: Mapping[str, str] = CROSS_TOOLS,
    which: Callable[[str], str | None] = shutil.which,
    sdk_header: Path = SDK_HEADER,
    need_wine: bool = True,
    need_wine32: bool = False,
    wine32: Callable[[], list[str] | None] = wine32_command,
) -> list[str]:
    """Debian packages to install for a cross build, in a stable order
    (wine32:i386 runs the 32-bit loader and host)."""
    packages = {package for tool, package in tools.items() if not which(tool)}
    if need_wine and wine_command(which) is None:
        packages.add("wine64")
    if need_wine32 and wine32() is None:
        packages.add("wine32:i386")
    if not sdk_header.is_file():
        packages.add("orthanc-dev")
    return sorted(packages)


def ensure_packages(packages: Sequence[str], reporter: Reporter, run: Runner = subprocess.run) -> None:
    """Debian's cross tools and Wine, through the project's one apt helper."""
    try:
        system.ensure_packages(packages, reporter, run)
    except system.SystemSetupError as error:
        raise WindowsBuildError(str(error)) from error


@dataclass(frozen=True)
class AptSource:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None

    def deb_src_lines(self) -> list[str]:
        options = f"[signed-by={self.signed_by}] " if self.signed_by else ""
        return [
            f"deb-src {options}{self.uri} {suite} {' '.join(self.components)}"
            for suite in self.suites
        ]


def parse_deb822(text: str) -> list[dict[str, str]]:
    """Stanzas of a deb822 .sources file (comments dropped, fields folded)."""
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                stanzas.append(current)
            current, key = {}, ""
        elif line[0] in " \t" and key:
            current[key] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip().lower()
            current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def parse_one_line_sources(text: str) -> list[AptSource]:
    """'deb [options] URI suite component...' lines of a .list file."""
    sources = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        signed_by = None
        options = re.match(r"deb\s+\[([^\]]*)\]\s*", line)
        if options:
            for option in options.group(1).split():
                if option.startswith("signed-by="):
                    signed_by = option.split("=", 1)[1]
            line = "deb " + line[options.end() :]
        words = line.split()
        if len(words) >= 4:
            sources.append(
                AptSource(words[1], (words[2],), tuple(words[3:]), signed_by)
            )
    return sources


def debian_archive_sources(etc_apt: Path = Path("/etc/apt")) -> list[AptSource]:
    """The binary ('deb') Debian archive entries that this machine already
    uses, so that the sources come from the same mirror and suites."""
    found: list[AptSource] = []
    files = (
        sorted((etc_apt / "sources.list.d").glob("*"))
        if (etc_apt / "sources.list.d").is_dir()
        else []
    )
    for path in [etc_apt / "sources.list", *files]:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sources":
            for stanza in parse_deb822(text):
                if "deb" not in stanza.get("types", "").split():
                    continue
                for uri in stanza.get("uris", "").split():
                    found.append(
                        AptSource(
                            uri,
                            tuple(stanza.get("suites", "").split()),
                            tuple(stanza.get("components", "main").split()),
                            stanza.get("signed-by") or None,
                        )
                    )
        elif path.suffix == ".list" or path.name == "sources.list":
            found.extend(parse_one_line_sources(text))
    # Only the main archive (not -security, not third-party repositories):
    # that is where python3.X's source package lives.
    archive = []
    for source in found:
        if not source.uri.rstrip("/").endswith("/debian"):
            continue
        suites = tuple(s for s in source.suites if not s.endswith("-security"))
        if suites:
            archive.append(
                AptSource(source.uri, suites, source.components, source.signed_by)
            )
    return archive


# The Debian suite whose source package python3.X is (the host's own suite may
# not have it: only bookworm has python3.11, and the host may be trixie).
PYTHON_SOURCE_SUITES: dict[str, str] = {"3.11": "bookworm", "3.13": "trixie", "3.14": "forky"}


def sources_for_suite(sources: Sequence[AptSource], suite: str) -> list[AptSource]:
    """The same mirrors (URI, components, keyring), for `suite` only."""
    seen: dict[str, AptSource] = {}
    for source in sources:
        seen.setdefault(source.uri, AptSource(source.uri, (suite,), source.components, source.signed_by))
    return list(seen.values())


def apt_source_download(
    package: str, work: Path, sources: Sequence[AptSource], run: Runner = subprocess.run
) -> list[Path]:
    """``apt-get source --download-only`` through a private deb-src list and
    package index under ``work``: the machine's apt configuration stays as it was."""
    if not sources:
        raise WindowsBuildError(
            "no Debian archive entry in /etc/apt to take the deb-src mirror from"
        )
    state = work / "apt"
    (state / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (state / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
    (state / "sources.list.d").mkdir(parents=True, exist_ok=True)
    source_list = state / "sources.list"
    lines = [line for source in sources for line in source.deb_src_lines()]
    source_list.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = [
        "-o",
        f"Dir::Etc::SourceList={source_list}",
        "-o",
        f"Dir::Etc::SourceParts={state / 'sources.list.d'}",
        "-o",
        f"Dir::State::Lists={state / 'lists'}",
        "-o",
        f"Dir::Cache={state / 'cache'}",
        # Root's apt drops to the _apt user, which cannot write into work/.
        "-o",
        "APT::Sandbox::User=root",
    ]
    _run(["apt-get", *options, "update", "-q"], run)
    downloads = work / "src"
    downloads.mkdir(parents=True, exist_ok=True)
    _run(
        ["apt-get", *options, "source", "--download-only", "-q", package],
        run,
        cwd=str(downloads),
    )
    return orig_tarballs(downloads, package)


def orig_tarballs(folder: Path, package: str) -> list[Path]:
    """The upstream source tarballs of `package` in `folder`: newer Debian
    releases put a detached signature (.orig.tar.xz.asc) beside them."""
    return sorted(p for p in folder.glob(f"{package}_*.orig.tar.*") if p.suffix != ".asc")


# PC/pyconfig.h.in (3.13 on) differs from PC/pyconfig.h only by a commented-out
# "#define Py_GIL_DISABLED 1" that free-threaded builds uncomment.
PYCONFIG_NAMES = ("pyconfig.h", "pyconfig.h.in")


def _header_members(names: Iterable[str]) -> dict[str, str]:
    """Map an archive's member names to paths under include/: Include/** and
    PC/pyconfig.h (PC/pyconfig.h.in from 3.13 on, used as is: its only
    placeholder, Py_GIL_DISABLED, stays off for the regular build)."""
    mapping: dict[str, str] = {}
    for name in names:
        parts = name.split("/")
        if "Include" in parts:
            index = parts.index("Include")
            if index <= 1 and len(parts) > index + 1 and parts[-1]:
                mapping[name] = "/".join(parts[index + 1 :])
        elif 2 <= len(parts) <= 3 and parts[-2] == "PC" and parts[-1] in PYCONFIG_NAMES:
            mapping[name] = "pyconfig.h"
    return mapping


def extract_headers(source: Path, include: Path) -> None:
    """CPython's headers, from a source tarball or tree, into ``include``."""
    include.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        names = [
            p.relative_to(source.parent).as_posix()
            for p in source.rglob("*")
            if p.is_file()
        ]
        for name, relative in _header_members(names).items():
            if not _safe_relative(relative):
                continue
            target = include / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.parent / name, target)
    else:
        with tarfile.open(source) as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            for name, relative in _header_members(members).items():
                if not _safe_relative(relative):
                    raise WindowsBuildError(f"unsafe path {name!r} in {source}")
                handle = tar.extractfile(members[name])
                assert handle is not None
                target = include / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(handle.read())
    for needed in ("Python.h", "patchlevel.h", "pyconfig.h"):
        if not (include / needed).is_file():
            raise WindowsBuildError(
                f"{source} gave no {needed}: is it a CPython source?"
            )


def header_version(include: Path) -> str:
    """'3.11.2' from include/patchlevel.h."""
    text = (include / "patchlevel.h").read_text(encoding="utf-8", errors="replace")
    parts = []
    for part in ("MAJOR", "MINOR", "MICRO"):
        match = re.search(rf"#define\s+PY_{part}_VERSION\s+(\d+)", text)
        if not match:
            raise WindowsBuildError(
                f"no PY_{part}_VERSION in {include / 'patchlevel.h'}"
            )
        parts.append(match.group(1))
    return ".".join(parts)
