"""One download per platform: the loader plugin with a module per Python.

A bundle unpacks to a folder holding the loader under the plugin's usual name
(libOrthancPython.so, OrthancPython.dll), one python3.X/ folder per Python with
the module built for it, bundle.json (what it holds) and SHA256SUMS. The
archives go to dist/<version>/ next to the single-Python binaries, and
manifest.json lists them.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from .manifest import MANIFEST, ManifestError, sha256_file, write_sha256sums

# The bundles a release offers, by the names users see.
PLATFORMS: tuple[str, ...] = ("linux-x86_64", "windows-x64", "windows-x86")
BUNDLE_MANIFEST = "bundle.json"


def is_windows(platform: str) -> bool:
    return platform.startswith("windows-")


def library_name(platform: str) -> str:
    """The loader's and every module's file name on `platform`."""
    return "OrthancPython.dll" if is_windows(platform) else "libOrthancPython.so"


def module_path(platform: str, minor: str) -> str:
    """Where the loader looks for the module of Python `minor` (relative to itself)."""
    return f"python{minor}/{library_name(platform)}"


def archive_name(version: str, platform: str) -> str:
    suffix = ".zip" if is_windows(platform) else ".tar.gz"
    return f"OrthancPython-{version}-{platform}{suffix}"


def folder_name(version: str, platform: str) -> str:
    """The single top folder of an archive."""
    return f"OrthancPython-{version}-{platform}"


@dataclass(frozen=True)
class Module:
    minor: str  # "3.12"
    library: Path
    note: str = ""  # how it was built, when users need to know (e.g. "Debian forky: glibc 2.42")


def _minor_key(minor: str) -> tuple[int, ...]:
    return tuple(int(x) for x in minor.split("."))


def assemble_folder(dest: Path, platform: str, version: str, loader: Path, modules: Sequence[Module]) -> Path:
    """Lay the bundle out in `dest` (emptied first); returns `dest`."""
    if platform not in PLATFORMS:
        raise ManifestError(f"unknown bundle platform {platform!r} (known: {', '.join(PLATFORMS)})")
    if not modules:
        raise ManifestError(f"no module for the {platform} bundle")
    minors = [m.minor for m in modules]
    if len(set(minors)) != len(minors):
        raise ManifestError(f"two modules for one Python in the {platform} bundle: {minors}")
    for path in (loader, *(m.library for m in modules)):
        if not Path(path).is_file():
            raise ManifestError(f"{path} is missing: build it first")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    name = library_name(platform)
    shutil.copyfile(loader, dest / name)
    files = [name]
    entries = []
    for m in sorted(modules, key=lambda m: _minor_key(m.minor)):
        relative = module_path(platform, m.minor)
        (dest / relative).parent.mkdir()
        shutil.copyfile(m.library, dest / relative)
        files.append(relative)
        entries.append({"python": m.minor, "file": relative, "size": (dest / relative).stat().st_size,
                        "sha256": sha256_file(dest / relative), **({"note": m.note} if m.note else {})})
    description = {
        "name": "OrthancPython",
        "version": version,
        "platform": platform,
        "loader": {"file": name, "size": (dest / name).stat().st_size, "sha256": sha256_file(dest / name)},
        "modules": entries,
    }
    (dest / BUNDLE_MANIFEST).write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
    write_sha256sums(dest, [*files, BUNDLE_MANIFEST])
    return dest


def _members(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def write_archive(folder: Path, out: Path, top: str) -> Path:
    """Archive `folder` under the top folder `top`: reproducible (sorted
    members, fixed times and owners); .zip or .tar.gz after `out`'s name."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.name.endswith(".zip"):
        _write_zip(folder, out, top)
    else:
        _write_tar_gz(folder, out, top)
    return out


def _write_zip(folder: Path, out: Path, top: str) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in _members(folder):
            entry = zipfile.ZipInfo(f"{top}/{path.relative_to(folder).as_posix()}", (1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, path.read_bytes())


def _write_tar_gz(folder: Path, out: Path, top: str) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _members(folder):
            member = tarfile.TarInfo(f"{top}/{path.relative_to(folder).as_posix()}")
            member.size = path.stat().st_size
            member.mode = 0o755 if path.suffix in (".so", ".dll") else 0o644
            member.mtime = 0
            with open(path, "rb") as data:
                tar.addfile(member, data)
    with open(out, "wb") as f, gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())


def archive_listing(archive: Path) -> dict[str, int]:
    """Member name -> size, for reports and tests."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            return {i.filename: i.file_size for i in z.infolist()}
    with tarfile.open(archive) as tar:
        return {m.name: m.size for m in tar.getmembers() if m.isfile()}


@dataclass(frozen=True)
class Bundle:
    platform: str
    archive: Path
    description: dict[str, Any]


def make_bundle(dist_dir: Path, version: str, platform: str, loader: Path, modules: Sequence[Module]) -> Bundle:
    """The archive of `platform` in `dist_dir` (dist/<version>/)."""
    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        folder = assemble_folder(Path(tmp) / "b", platform, version, loader, modules)
        description = json.loads((folder / BUNDLE_MANIFEST).read_text(encoding="utf-8"))
        archive = write_archive(folder, Path(dist_dir) / archive_name(version, platform),
                                folder_name(version, platform))
    return Bundle(platform, archive, description)


def record_bundles(dist_dir: Path, bundles: Sequence[Bundle]) -> dict[str, Any]:
    """Add `bundles` to dist_dir's manifest.json ("bundles", by platform,
    replacing an earlier entry of the same platform) and rewrite SHA256SUMS
    over every file the manifest names."""
    dist_dir = Path(dist_dir)
    path = dist_dir / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read {path}: {exc}; run the release session first") from None
    entries = {b["platform"]: b for b in manifest.get("bundles", [])}
    for b in bundles:
        entries[b.platform] = {
            "platform": b.platform,
            "file": b.archive.name,
            "size": b.archive.stat().st_size,
            "sha256": sha256_file(b.archive),
            "python_minors": [m["python"] for m in b.description["modules"]],
            "modules": b.description["modules"],
            "loader": b.description["loader"],
        }
    manifest["bundles"] = [entries[p] for p in PLATFORMS if p in entries]
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    names = sorted(set(_listed_files(manifest)) | {MANIFEST})
    write_sha256sums(dist_dir, [n for n in names if (dist_dir / n).is_file()])
    return manifest


def _listed_files(manifest: Mapping[str, Any]) -> list[str]:
    names = [a["file"] for a in manifest.get("artifacts", [])]
    names += [b["file"] for b in manifest.get("bundles", [])]
    stubs = manifest.get("stubs")
    if isinstance(stubs, Mapping) and stubs.get("file"):
        names.append(str(stubs["file"]))
    return names
