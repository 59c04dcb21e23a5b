"""Where Python interpreters live on each platform (pyenv, uv, python.org
and Homebrew frameworks, the Windows ``py`` launcher, PATH): the candidates
that discovery.py probes."""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from .commands import output_of

CommandRunner = Callable[[Sequence[str]], Optional[str]]


@dataclass(frozen=True)
class Candidate:
    executable: str
    source: str


@dataclass
class SearchPlaces:
    """Where to look. ``default_places`` fills it for this machine; tests
    fill it with fake trees."""

    path_dirs: list[str] = field(default_factory=list)
    pyenv_root: Path | None = None
    uv_dir: Path | None = None
    framework_dirs: list[Path] = field(
        default_factory=list
    )  # .../Python.framework/Versions
    homebrew_prefixes: list[Path] = field(default_factory=list)
    py_launcher_output: str | None = None  # text of `py -0p`, Windows only
    windows: bool = False


# --------------------------------------------------------------------------
# Where to look


def find_pyenv_root(
    env: Mapping[str, str], which: Callable[[str], str | None], run: CommandRunner
) -> Path | None:
    if env.get("PYENV_ROOT"):
        return Path(env["PYENV_ROOT"])
    pyenv = which("pyenv")
    if pyenv:
        out = run([pyenv, "root"])
        if out and out.strip():
            return Path(out.strip())
    home = env.get("HOME") or env.get("USERPROFILE")
    if home and (Path(home) / ".pyenv").is_dir():
        return Path(home) / ".pyenv"
    return None


def find_uv_dir(env: Mapping[str, str], windows: bool) -> Path | None:
    if env.get("UV_PYTHON_INSTALL_DIR"):
        return Path(env["UV_PYTHON_INSTALL_DIR"])
    if windows and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "uv" / "python"
    if env.get("XDG_DATA_HOME"):
        return Path(env["XDG_DATA_HOME"]) / "uv" / "python"
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) / ".local" / "share" / "uv" / "python" if home else None


def default_places(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    which: Callable[[str], str | None] = shutil.which,
    run: CommandRunner = output_of,
) -> SearchPlaces:
    env = os.environ if env is None else env
    windows = platform.startswith("win")
    places = SearchPlaces(
        path_dirs=[d for d in env.get("PATH", "").split(os.pathsep) if d],
        pyenv_root=find_pyenv_root(env, which, run),
        uv_dir=find_uv_dir(env, windows),
        windows=windows,
    )
    if platform == "darwin":
        places.framework_dirs = [
            Path("/Library/Frameworks/Python.framework/Versions"),
            Path(env.get("HOME", "~")) / "Library/Frameworks/Python.framework/Versions",
        ]
        places.homebrew_prefixes = [Path("/opt/homebrew"), Path("/usr/local")]
    if windows:
        py = which("py")
        places.py_launcher_output = run([py, "-0p"]) if py else None
    return places


# --------------------------------------------------------------------------
# Candidates per source


def _first_existing(paths: Iterable[Path]) -> Path | None:
    for path in paths:
        if path.is_file():
            return path
    return None


def _unix_or_windows_exe(prefix: Path, minor_hint: str | None) -> Path | None:
    names = [f"bin/python{minor_hint}"] if minor_hint else []
    names += ["bin/python3", "bin/python", "python.exe"]
    return _first_existing(prefix / n for n in names)


def _minor_hint(name: str) -> str | None:
    m = re.search(r"(\d+)\.(\d+)", name)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def pyenv_candidates(root: Path) -> list[Candidate]:
    versions = root / "versions"
    if not versions.is_dir():
        return []
    found = []
    for entry in sorted(versions.iterdir(), key=lambda p: _version_key(p.name)):
        # pyenv also keeps virtualenvs and non-CPython builds here; the probe
        # tells them apart, this only skips folder names that say so.
        if entry.name.startswith(("pypy", "jython", "graalpy", "micropython")):
            continue
        exe = _unix_or_windows_exe(entry, _minor_hint(entry.name))
        if exe:
            found.append(Candidate(str(exe), "pyenv"))
    return found


def uv_candidates(uv_dir: Path) -> list[Candidate]:
    if not uv_dir.is_dir():
        return []
    found = []
    for entry in sorted(uv_dir.iterdir(), key=lambda p: _version_key(p.name)):
        if not entry.name.startswith("cpython-"):
            continue  # pypy-*, graalpy-*, and uv's own lock/cache files
        exe = _unix_or_windows_exe(entry, _minor_hint(entry.name))
        if exe:
            found.append(Candidate(str(exe), "uv"))
    return found


def framework_candidates(
    versions_dir: Path, source: str = "framework"
) -> list[Candidate]:
    """``<...>/Python.framework/Versions/X.Y/bin/python3.Y``."""
    if not versions_dir.is_dir():
        return []
    found = []
    for entry in sorted(versions_dir.iterdir(), key=lambda p: _version_key(p.name)):
        if entry.name == "Current" or not re.match(r"^\d+\.\d+$", entry.name):
            continue
        exe = _first_existing(
            [entry / "bin" / f"python{entry.name}", entry / "bin" / "python3"]
        )
        if exe:
            found.append(Candidate(str(exe), source))
    return found


def homebrew_candidates(prefix: Path) -> list[Candidate]:
    found = []
    for formula in sorted(
        prefix.glob("opt/python@3.*"), key=lambda p: _version_key(p.name)
    ):
        found += framework_candidates(
            formula / "Frameworks/Python.framework/Versions", "homebrew"
        )
    found += framework_candidates(
        prefix / "Frameworks/Python.framework/Versions", "homebrew"
    )
    return found


_PY_LAUNCHER_LINE = re.compile(
    r"^\s*-(?:V:)?(?P<tag>[^\s*]+)\s+(?:\*\s+)?(?P<path>.+?)(?:\s+\*)?\s*$"
)


def parse_py_launcher(output: str) -> list[tuple[str, str]]:
    """Parse ``py -0p`` into (tag, executable) pairs.

    Both launcher formats exist in the wild: ``-V:3.12 *  C:\\...\\python.exe``
    (3.11+ launcher, ``*`` marks the default) and ``-3.9-64  C:\\...\\python.exe *``
    (older). Paths may contain spaces.
    """
    pairs = []
    for line in output.splitlines():
        m = _PY_LAUNCHER_LINE.match(line)
        if m and (m.group("path").lower().endswith(".exe")):
            pairs.append((m.group("tag"), m.group("path").strip()))
    return pairs


def py_launcher_candidates(output: str | None) -> list[Candidate]:
    if not output:
        return []
    return [Candidate(path, "py-launcher") for _tag, path in parse_py_launcher(output)]


_PATH_NAME = re.compile(r"^python(3(\.\d+)?)?(\.exe)?$", re.IGNORECASE)


def path_candidates(path_dirs: Sequence[str]) -> list[Candidate]:
    found = []
    for d in path_dirs:
        norm = d.replace("\\", "/").rstrip("/")
        # pyenv/asdf shims only forward to interpreters found elsewhere and
        # fail for versions not selected; the Windows Store stubs open the Store.
        if norm.endswith("/shims") or "WindowsApps" in norm:
            continue
        try:
            names = sorted(os.listdir(d), key=_version_key)
        except OSError:
            continue
        for name in names:
            full = os.path.join(d, name)
            if (
                _PATH_NAME.match(name)
                and os.path.isfile(full)
                and os.access(full, os.X_OK)
            ):
                found.append(Candidate(full, "path"))
    return found


def candidates(places: SearchPlaces) -> list[Candidate]:
    found: list[Candidate] = []
    if places.pyenv_root:
        found += pyenv_candidates(places.pyenv_root)
    if places.uv_dir:
        found += uv_candidates(places.uv_dir)
    for versions_dir in places.framework_dirs:
        found += framework_candidates(versions_dir)
    for prefix in places.homebrew_prefixes:
        found += homebrew_candidates(prefix)
    found += py_launcher_candidates(places.py_launcher_output)
    found += path_candidates(places.path_dirs)
    return found


def _version_key(name: str) -> tuple[Any, ...]:
    # Natural order so that 3.10 sorts after 3.9.
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


