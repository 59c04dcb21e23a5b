"""Reading what Conan answered (the install graph, the server's listing) and
checking the plugin that came back from the server."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Mapping

from ..commands import Runner, run
from .plan import INIT_SYMBOL, REMOTE


def find_node(graph: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The node of package ``name`` in `conan install --format=json` output."""
    nodes = graph.get("graph", {}).get("nodes", {})
    for node in nodes.values():
        if node.get("name") == name:
            found: Mapping[str, Any] = node
            return found
    return None


def downloaded_problem(
    node: Mapping[str, Any] | None, name: str, need_binary: bool = True
) -> str | None:
    """Why ``node`` was not fetched from the server, or None.  A header-only
    dependency of a shared library has binary 'Skip': only its recipe comes."""
    if node is None:
        return f"{name} is not in the install graph"
    if node.get("recipe") != "Downloaded":
        return f"{name}: recipe {node.get('recipe')!r}, expected 'Downloaded'"
    if not need_binary:
        return None
    if node.get("binary") != "Download":
        return f"{name}: binary {node.get('binary')!r}, expected 'Download'"
    if not node.get("package_folder"):
        return f"{name} has no package folder"
    return None


def binaries_by_name(listing: Mapping[str, Any], remote: str = REMOTE) -> dict[str, int]:
    """Package name -> number of binaries, from `conan list <ref>:* -r <remote> --format=json`."""
    counts: dict[str, int] = {}
    for ref, info in (listing.get(remote) or {}).items():
        name = ref.split("/", 1)[0]
        revisions = (info or {}).get("revisions", {}) if isinstance(info, Mapping) else {}
        counts[name] = counts.get(name, 0) + sum(
            len(rev.get("packages", {})) for rev in revisions.values()
        )
    return counts


def plugin_file(package_folder: Path, os_name: str) -> Path:
    """Where the recipe's package() puts the library (CMake install rules)."""
    if os_name == "windows":
        return package_folder / "bin" / "OrthancPython.dll"
    suffix = ".dylib" if os_name == "macos" else ".so"
    return package_folder / "share" / "orthanc" / "plugins" / f"libOrthancPython{suffix}"


def host_os(platform: str = sys.platform) -> str:
    if platform.startswith("win"):
        return "windows"
    return "macos" if platform == "darwin" else "linux"


def exported_symbols(nm_output: str) -> set[str]:
    """Names of defined symbols in `nm -D --defined-only` output."""
    names = set()
    for line in nm_output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] not in ("U", "w", "v"):
            names.add(parts[2].split("@", 1)[0])
    return names


def check_plugin(path: Path, os_name: str, runner: Runner = run) -> str | None:
    """Why the installed plugin is not usable, or None."""
    if not path.is_file():
        return f"{path} does not exist"
    if os_name != "linux" or not shutil.which("nm"):
        return None  # only existence can be checked without the platform's tools
    proc = runner(["nm", "-D", "--defined-only", str(path)], capture_output=True)
    if proc.returncode != 0:
        return f"nm failed on {path}: {proc.stderr.strip()}"
    if INIT_SYMBOL not in exported_symbols(proc.stdout):
        return f"{path} does not export {INIT_SYMBOL}"
    return None
