"""One release from the parts that parallel jobs built (.github/workflows/release.yml).

Each job uploads one artifact; downloaded side by side, their folder names
say what they hold:

  linux-py3.X/          a release session's dist/<version>/ for one Python
  root-<suite>/         modules built in a Debian root (<cell>/libOrthancPython.so)
  windows-<arch>-py3.X/ a windows session's DLL (arch: x64, x86)
  loader-<platform>/    the loader built for a bundle platform
  wheels/, stubs/       wheels and orthanc.pyi, copied as they are

`gather` merges them into one dist/<version>/: the binaries, one manifest.json
(artifacts and bundles), the bundles, the wheels and SHA256SUMS.

    cd packaging && python -m orthanc_packaging.gather --version 1.0 --out ../dist/1.0 ../parts/*
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from . import bundle
from .manifest import MANIFEST, ManifestError, sha256_file, write_sha256sums

LINUX_PART = re.compile(r"^linux-py(3\.\d+)$")
ROOT_PART = re.compile(r"^root-([a-z]+)$")
WINDOWS_PART = re.compile(r"^windows-(x64|x86)-py(3\.\d+)$")
LOADER_PART = re.compile(r"^loader-(" + "|".join(re.escape(p) for p in bundle.PLATFORMS) + r")$")


@dataclass
class Parts:
    manifests: list[Path] = field(default_factory=list)  # linux parts' dist folders
    modules: dict[str, list[bundle.Module]] = field(default_factory=dict)  # platform -> modules
    loaders: dict[str, Path] = field(default_factory=dict)  # platform -> loader
    loose: list[Path] = field(default_factory=list)  # Windows DLLs, wheels, stubs
    unknown: list[str] = field(default_factory=list)


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.rglob(pattern))
    if len(found) != 1:
        raise ManifestError(f"{folder}: expected one {pattern}, found {[str(f) for f in found]}")
    return found[0]


def classify(parts: Sequence[Path]) -> Parts:
    result = Parts()
    for part in sorted(Path(p) for p in parts):
        name = part.name
        if m := LINUX_PART.match(name):
            result.manifests.append(_one(part, MANIFEST).parent)
        elif m := ROOT_PART.match(name):
            for library in sorted(part.rglob("libOrthancPython.so")):
                minor = re.search(r"py(3\.\d+)", library.parent.name)
                if minor:
                    result.modules.setdefault("linux-x86_64", []).append(
                        bundle.Module(minor.group(1), library, f"built in Debian {m.group(1)}: needs its C library or newer"))
        elif m := WINDOWS_PART.match(name):
            dll = _one(part, "OrthancPython-Python*.dll")
            result.modules.setdefault(f"windows-{m.group(1)}", []).append(bundle.Module(m.group(2), dll))
            # The single-DLL downloads: the historical 64-bit name, and "-x86.dll" for 32-bit.
            result.loose.append(dll)
        elif m := LOADER_PART.match(name):
            result.loaders[m.group(1)] = _one(part, bundle.library_name(m.group(1)))
        elif name in ("wheels", "stubs"):
            result.loose += sorted(p for p in part.rglob("*") if p.is_file())
        else:
            result.unknown.append(name)
    return result


def merge_manifests(dists: Sequence[Path], out: Path) -> dict[str, Any]:
    """Copy what each linux part ships into `out`; one manifest whose
    artifacts are all of theirs (same version, same SDK header)."""
    if not dists:
        raise ManifestError("no linux-py3.X part: nothing to release")
    merged: dict[str, Any] | None = None
    for dist in dists:
        manifest = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
        for a in manifest["artifacts"]:
            shutil.copyfile(dist / a["file"], out / a["file"])
        stubs = manifest.get("stubs", {}).get("file")
        if stubs and (dist / stubs).is_file():
            shutil.copyfile(dist / stubs, out / stubs)
        if merged is None:
            merged = {**manifest, "artifacts": list(manifest["artifacts"]), "bundles": []}
            continue
        for key in ("version", "sdk_header_sha256", "git_commit"):
            if manifest.get(key) != merged.get(key):
                raise ManifestError(f"{dist}: {key} {manifest.get(key)!r} differs from {merged.get(key)!r}")
        merged["artifacts"] += manifest["artifacts"]
        merged["complete"] = merged.get("complete", True) and manifest.get("complete", True)
        merged["failed_cells"] = [*merged.get("failed_cells", []), *manifest.get("failed_cells", [])]
    assert merged is not None
    merged["artifacts"].sort(key=lambda a: (a.get("platform", ""), [int(x) for x in a["python_minor"].split(".")]))
    return merged


def gather(parts: Sequence[Path], out: Path, version: str) -> dict[str, Any]:
    found = classify(parts)
    if found.unknown:
        raise ManifestError(f"unknown parts {found.unknown}: expected {__doc__.split('`gather`')[0].strip()}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest = merge_manifests(found.manifests, out)
    if manifest["version"] != version:
        raise ManifestError(f"the parts are version {manifest['version']}, the tag says {version}")
    for a in manifest["artifacts"]:
        if a.get("platform") == "linux-x86_64":
            found.modules.setdefault("linux-x86_64", []).insert(0, bundle.Module(a["python_minor"], out / a["file"]))
    extra = []
    for path in found.loose:
        shutil.copyfile(path, out / path.name)
        extra.append({"file": path.name, "size": path.stat().st_size, "sha256": sha256_file(out / path.name)})
    manifest["downloads"] = extra
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    made = []
    for platform in bundle.PLATFORMS:
        modules = found.modules.get(platform, [])
        if modules and platform in found.loaders:
            unique = {m.minor: m for m in reversed(modules)}  # a release build wins over a root's
            made.append(bundle.make_bundle(out, version, platform, found.loaders[platform], list(unique.values())))
    manifest = bundle.record_bundles(out, made)
    names = [p.name for p in out.iterdir() if p.is_file() and p.name != "SHA256SUMS"]
    write_sha256sums(out, names)
    return manifest


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orthanc_packaging.gather", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("parts", type=Path, nargs="+")
    args = parser.parse_args(argv)
    try:
        manifest = gather(args.parts, args.out, args.version)
    except (ManifestError, OSError, KeyError, ValueError) as error:
        print(f"gather: {error}", file=sys.stderr)
        return 1
    for b in manifest.get("bundles", []):
        print(f"{b['file']}: Python {', '.join(b['python_minors'])} ({b['size']} bytes)")
    missing = [p for p in bundle.PLATFORMS if p not in {b["platform"] for b in manifest.get("bundles", [])}]
    if missing:
        print(f"gather: no bundle for {', '.join(missing)} (no loader or no module among the parts)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
