"""Running the smoke-test host (windows/smoke-host), under Wine on Linux or natively."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .common import WindowsBuildError, windows_build_dir


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


def wine32_command(loader: Path = Path("/usr/lib/wine/wine"),
                   libraries: Path = Path("/usr/lib/i386-linux-gnu/wine")) -> list[str] | None:
    """How to start a 32-bit Windows program here: Debian's wine32:i386
    (after `dpkg --add-architecture i386`); None without it."""
    if loader.is_file() and os.access(loader, os.X_OK) and libraries.is_dir():
        return [str(loader)]
    return None


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
    launcher: Sequence[str] | None = None,
    resets: int = 0,
) -> SmokeRun:
    """Write ``script`` and a configuration naming it into ``workdir``, then
    run the host on the plugin (under Wine when ``wine_prefix`` is given);
    ``resets`` more runs as Orthanc's in-process restart makes them."""
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

    if launcher is None:
        launcher = []
        if under_wine:
            found = wine_command()
            if found is None:
                raise WindowsBuildError("wine64 not found: apt-get install wine64")
            launcher = found
    cmd = [
        *launcher,
        str(host),
        *(["--resets", str(resets)] if resets else []),
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


def default_wine_prefix(root: Path) -> Path:
    """Wine's C: drive for the smoke tests, kept with the build (not in ~/.wine)."""
    return windows_build_dir(root) / "wineprefix"


def wine32_prefix(prefix: Path) -> Path:
    """The prefix for 32-bit programs: one of its own beside ``prefix``. A
    prefix that 64-bit Wine made before wine32:i386 was installed has no
    32-bit system DLLs ("could not load kernel32.dll"), and `wineboot -u`
    does not add them; a prefix that 32-bit Wine makes has both."""
    return prefix.with_name(prefix.name + "-x86")
