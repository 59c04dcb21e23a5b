"""Find the CPython interpreters installed on this machine.

Candidates come from several places (pyenv, uv, python.org and Homebrew
frameworks, the Windows ``py`` launcher, PATH). Each candidate is run once
with a probe script; what it prints decides the version, ABI, prefix, headers
and shared libpython. The probe runner is a parameter so that unit tests can
use fake interpreters or no process at all.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Mapping,
)

from .python_places import (
    Candidate,
    SearchPlaces,
    candidates,
    default_places,
)

# 3.14: Debian forky's python3.14 (tests in its root, see orthanc_releases.py)
SUPPORTED_MINORS: tuple[str, ...] = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
SUPPORTED_RANGE = f"{SUPPORTED_MINORS[0]} to {SUPPORTED_MINORS[-1]}"

# Order matters: when two candidates are the same installation, the earlier
# source names it (a pyenv Python also reachable from PATH is "pyenv").
SOURCES: tuple[str, ...] = (
    "pyenv",
    "uv",
    "framework",
    "homebrew",
    "py-launcher",
    "path",
)

# Runs under every interpreter we may meet, Python 2.7 included, so that an
# old one is reported as unsupported instead of as a crash: no f-strings.
PROBE_SCRIPT = r"""
import json, struct, sys, sysconfig
names = ("SOABI", "EXT_SUFFIX", "Py_ENABLE_SHARED", "Py_GIL_DISABLED", "LIBDIR",
         "LIBPL", "LDLIBRARY", "LIBRARY", "INSTSONAME", "MULTIARCH",
         "PYTHONFRAMEWORK", "PYTHONFRAMEWORKPREFIX", "py_version_nodot", "VERSION")
print(json.dumps({
    "version": list(sys.version_info[:3]),
    "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "platform": sys.platform,
    "include": sysconfig.get_paths()["include"],
    "pointer_bits": struct.calcsize("P") * 8,
    "config": dict((n, sysconfig.get_config_var(n)) for n in names),
}))
"""

ProbeRunner = Callable[[str], Mapping[str, Any]]


class ProbeError(RuntimeError):
    pass


@dataclass(frozen=True)
class FoundPython:
    version: str  # "3.12.1"
    minor: str  # "3.12"
    abi: str  # sysconfig SOABI, e.g. "cpython-312-x86_64-linux-gnu"
    executable: str
    prefix: str  # sys.base_prefix: CMake's Python3_ROOT_DIR
    include_dir: str
    libpython: str | None  # shared library to link/embed, None if absent
    source: str  # one of SOURCES
    problem: str | None = None  # why the plugin cannot be built for it

    @property
    def usable(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        return f"Python {self.version} ({self.source}) {self.executable}"


@dataclass(frozen=True)
class ProbeFailure:
    executable: str
    source: str
    reason: str


@dataclass
class DiscoveryResult:
    pythons: list[FoundPython] = field(default_factory=list)
    failures: list[ProbeFailure] = field(default_factory=list)

    def usable(self) -> list[FoundPython]:
        return [p for p in self.pythons if p.usable]

    def best(self, minor: str) -> FoundPython | None:
        """First usable Python of that minor, in source priority order."""
        for python in self.pythons:
            if python.minor == minor and python.usable:
                return python
        return None

    def summary_lines(self) -> list[str]:
        lines = []
        for p in self.pythons:
            state = "ok" if p.usable else f"not usable: {p.problem}"
            lines.append(f"{p.version:<8} {p.source:<11} {p.executable}  [{state}]")
        for f in self.failures:
            lines.append(
                f"{'?':<8} {f.source:<11} {f.executable}  [probe failed: {f.reason}]"
            )
        return lines


# --------------------------------------------------------------------------
# Probing


def run_probe(executable: str, timeout: float = 30.0) -> Mapping[str, Any]:
    env = dict(os.environ)
    # A PYTHONHOME meant for one interpreter breaks every other one.
    env.pop("PYTHONHOME", None)
    env.pop("PYTHONPATH", None)
    try:
        out = subprocess.run(
            [executable, "-c", PROBE_SCRIPT],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProbeError(str(exc)) from None
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProbeError(f"exit code {out.returncode}: {last}")
    try:
        data = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ProbeError("probe printed no JSON") from None
    if not isinstance(data, dict) or "version" not in data:
        raise ProbeError("probe printed unexpected JSON")
    return data


def abi_of(info: Mapping[str, Any]) -> str:
    cfg = info.get("config") or {}
    if cfg.get("SOABI"):
        return str(cfg["SOABI"])
    ext = cfg.get("EXT_SUFFIX")
    if ext:  # Windows before 3.13: ".cp312-win_amd64.pyd"
        return re.sub(r"\.(pyd|so|dylib)$", "", str(ext)).lstrip(".") or "unknown"
    major, minor = info["version"][:2]
    return f"cpython-{major}{minor}"


def libpython_candidates(info: Mapping[str, Any]) -> list[str]:
    """Where the shared libpython of this interpreter would be, best first."""
    cfg = info.get("config") or {}
    major, minor = info["version"][:2]
    base = info.get("base_prefix") or info.get("prefix") or ""
    plat = str(info.get("platform", ""))
    if plat.startswith("win"):
        # The DLL sits next to python.exe; linking also needs libs/pythonXY.lib.
        return [os.path.join(base, f"python{major}{minor}.dll")]
    paths = []
    if (
        cfg.get("PYTHONFRAMEWORK")
        and cfg.get("PYTHONFRAMEWORKPREFIX")
        and cfg.get("LDLIBRARY")
    ):
        paths.append(os.path.join(cfg["PYTHONFRAMEWORKPREFIX"], cfg["LDLIBRARY"]))
    if not cfg.get("Py_ENABLE_SHARED") and not paths:
        return []
    for libdir in (cfg.get("LIBDIR"), cfg.get("LIBPL")):
        if not libdir:
            continue
        for name in (cfg.get("LDLIBRARY"), cfg.get("INSTSONAME")):
            if name:
                paths.append(os.path.join(libdir, name))
                if cfg.get("MULTIARCH"):
                    paths.append(os.path.join(libdir, cfg["MULTIARCH"], name))
    return list(dict.fromkeys(paths))


def _static_library(info: Mapping[str, Any]) -> str | None:
    cfg = info.get("config") or {}
    for libdir in (cfg.get("LIBDIR"), cfg.get("LIBPL")):
        if libdir and cfg.get("LIBRARY"):
            return os.path.join(libdir, cfg["LIBRARY"])
    return None


# The first free-threaded CPython the plugin embeds (its module then runs without the GIL).
FREE_THREADED_SINCE = (3, 14)


def problem_of(
    info: Mapping[str, Any],
    libpython: str | None,
    exists: Callable[[str], bool] = os.path.exists,
) -> str | None:
    """Why the plugin cannot be built against this interpreter, or None."""
    major, minor, micro = info["version"][:3]
    short = f"{major}.{minor}"
    impl = info.get("implementation", "cpython")
    if impl != "cpython":
        return f"{impl} is not supported: the plugin embeds CPython"
    if short not in SUPPORTED_MINORS:
        return f"Python {short} is not supported (supported: {SUPPORTED_MINORS[0]} to {SUPPORTED_MINORS[-1]})"
    cfg = info.get("config") or {}
    if cfg.get("Py_GIL_DISABLED") and (major, minor) < FREE_THREADED_SINCE:
        # 3.13t was experimental (PEP 703 phase I); 3.14t is supported (PEP 779)
        return (f"free-threaded Python {short} (Py_GIL_DISABLED) is not supported: "
                f"use {FREE_THREADED_SINCE[0]}.{FREE_THREADED_SINCE[1]}t or newer, or a GIL build")
    plat = str(info.get("platform", ""))
    if plat.startswith("win"):
        base = info.get("base_prefix") or ""
        implib = os.path.join(base, "libs", f"python{major}{minor}.lib")
        if libpython is None:
            return f"no python{major}{minor}.dll in {base}"
        if not exists(implib):
            return f"no import library {implib} (reinstall Python with its development libraries, installer option Include_dev=1)"
    elif libpython is None:
        static = _static_library(info)
        how = f"reinstall it shared, e.g. `env PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {major}.{minor}.{micro}`"
        if static and exists(static):
            return f"no shared libpython (only the static {os.path.basename(static)}: built without --enable-shared); {how}"
        return f"no shared libpython (built without --enable-shared); {how}"
    include = str(info.get("include") or "")
    if not exists(os.path.join(include, "Python.h")):
        return f"no Python headers (Python.h) in {include or '?'}; install python{short}-dev or equivalent"
    return None


def found_python_from_probe(
    info: Mapping[str, Any],
    candidate: Candidate,
    exists: Callable[[str], bool] = os.path.exists,
) -> FoundPython:
    version = ".".join(str(n) for n in info["version"][:3])
    minor = ".".join(str(n) for n in info["version"][:2])
    libpython = next((p for p in libpython_candidates(info) if exists(p)), None)
    return FoundPython(
        version=version,
        minor=minor,
        abi=abi_of(info),
        executable=candidate.executable,
        prefix=str(info.get("base_prefix") or info.get("prefix") or ""),
        include_dir=str(info.get("include") or ""),
        libpython=libpython,
        source=candidate.source,
        problem=problem_of(info, libpython, exists),
    )


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def discover(
    places: SearchPlaces | None = None, probe: ProbeRunner = run_probe
) -> DiscoveryResult:
    """Probe every candidate once; the same installation found twice (same
    executable or same prefix) is kept under its first source."""
    places = default_places() if places is None else places
    result = DiscoveryResult()
    seen_exes: set = set()
    seen_prefixes: dict[str, FoundPython] = {}
    for cand in candidates(places):
        real_exe = _real(cand.executable)
        if real_exe in seen_exes:
            continue
        seen_exes.add(real_exe)
        try:
            info = probe(cand.executable)
            found = found_python_from_probe(info, cand)
        except (ProbeError, KeyError, TypeError, ValueError) as exc:
            result.failures.append(ProbeFailure(cand.executable, cand.source, str(exc)))
            continue
        key = _real(found.prefix) + "|" + found.version
        if key in seen_prefixes:
            continue  # e.g. a venv on PATH whose base is an already found pyenv Python
        seen_prefixes[key] = found
        result.pythons.append(found)
    return result
