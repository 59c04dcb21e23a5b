"""The sides measured next to each other (ours, upstream with and without
AllowThreads, native, the twins, no plugin) and where their files are: on this
host, or inside the Debian forky root that a wrapper enters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .scenarios import NATIVE, NONE, OURS, TWIN, UPSTREAM

HOST_UPSTREAM = Path("/usr/lib/orthanc/libOrthancPython.so.4.0")
FORKY_UPSTREAM = Path("/usr/lib/orthanc/libOrthancPython.so.7.1")  # inside the root


@dataclass(frozen=True)
class Side:
    name: str
    plugin: Path | None
    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    plugin_name: str = "python"


def make_sides(plugins: dict[str, Path], twins: dict[str, Path], native: Path | None,
               upstream: Path) -> dict[str, Side]:
    sides = {name: Side(name, path, OURS) for name, path in plugins.items()}
    sides["upstream"] = Side("upstream", upstream, UPSTREAM)
    sides["upstream-at"] = Side("upstream-at", upstream, UPSTREAM,
                                {"Python": {"AllowThreads": True}})
    if native is not None:
        sides["native"] = Side("native", native, NATIVE, plugin_name="native-bench")
    sides.update({name: Side(name, path, TWIN) for name, path in twins.items()})
    sides["none"] = Side("none", None, NONE)
    return sides


def missing_files(sides: dict[str, Side], forky_root: Path | None) -> list[str]:
    """Plugins that do not exist (those of the root's own packages looked up in it)."""
    problems = []
    for side in sides.values():
        if side.plugin is None:
            continue
        path = side.plugin
        if forky_root is not None and side.kind == UPSTREAM:
            path = forky_root / str(path).lstrip("/")
        if not path.is_file():
            hint = ("apt-get install -y orthanc-python" if side.kind == UPSTREAM
                    else "python bench/run.py --build")
            problems.append(f"{side.name} plugin {side.plugin} is missing ({hint})")
    return problems


def forky_root_of(binary: Path | None) -> Path | None:
    """The root a wrapper (roots.Root.wrapper) enters, from its comment line."""
    if binary is None:
        return None
    try:
        second = binary.read_text(encoding="utf-8", errors="replace").splitlines()[1]
    except (OSError, IndexError):
        return None
    inside = second.rpartition("(")[2].rstrip(")")
    return Path(inside) if inside.startswith("/") else None
