"""The per-platform bundles: layout the loader expects, reproducible archives,
manifest.json and SHA256SUMS naming them."""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from orthanc_packaging import bundle as b
from orthanc_packaging import loader as loader_tools
from orthanc_packaging.manifest import MANIFEST, SUMS, ManifestError, verify_sha256sums


def _files(tmp_path: Path, platform: str, minors: list[str]) -> tuple[Path, list[b.Module]]:
    name = b.library_name(platform)
    loader = tmp_path / "in" / "loader" / name
    loader.parent.mkdir(parents=True)
    loader.write_bytes(b"loader")
    modules = []
    for minor in minors:
        path = tmp_path / "in" / minor / name
        path.parent.mkdir(parents=True)
        path.write_bytes(f"module {minor}".encode())
        modules.append(b.Module(minor, path))
    return loader, modules


def test_folder_layout_is_what_the_loader_looks_for(tmp_path: Path) -> None:
    loader, modules = _files(tmp_path, "linux-x86_64", ["3.12", "3.8", "3.10"])
    folder = b.assemble_folder(tmp_path / "out", "linux-x86_64", "1.2.3", loader, modules)
    assert (folder / "libOrthancPython.so").read_bytes() == b"loader"
    assert (folder / "python3.10" / "libOrthancPython.so").read_bytes() == b"module 3.10"
    description = json.loads((folder / b.BUNDLE_MANIFEST).read_text())
    assert [m["python"] for m in description["modules"]] == ["3.8", "3.10", "3.12"]
    assert description["platform"] == "linux-x86_64" and description["version"] == "1.2.3"
    assert verify_sha256sums(folder) == []


def test_windows_names(tmp_path: Path) -> None:
    assert b.module_path("windows-x86", "3.11") == "python3.11/OrthancPython.dll"
    assert b.archive_name("1.0", "windows-x64") == "OrthancPython-1.0-windows-x64.zip"
    assert b.archive_name("1.0", "linux-x86_64") == "OrthancPython-1.0-linux-x86_64.tar.gz"


def test_bad_inputs_are_refused(tmp_path: Path) -> None:
    loader, modules = _files(tmp_path, "linux-x86_64", ["3.12"])
    with pytest.raises(ManifestError, match="unknown bundle platform"):
        b.assemble_folder(tmp_path / "o", "linux-arm", "1", loader, modules)
    with pytest.raises(ManifestError, match="two modules for one Python"):
        b.assemble_folder(tmp_path / "o", "linux-x86_64", "1", loader, modules * 2)
    with pytest.raises(ManifestError, match="no module"):
        b.assemble_folder(tmp_path / "o", "linux-x86_64", "1", loader, [])
    with pytest.raises(ManifestError, match="missing"):
        b.assemble_folder(tmp_path / "o", "linux-x86_64", "1", tmp_path / "nope", modules)


@pytest.mark.parametrize("platform", ["linux-x86_64", "windows-x64"])
def test_archives_are_reproducible_with_one_top_folder(tmp_path: Path, platform: str) -> None:
    loader, modules = _files(tmp_path, platform, ["3.11", "3.12"])
    first = b.make_bundle(tmp_path / "d1", "2.0", platform, loader, modules)
    second = b.make_bundle(tmp_path / "d2", "2.0", platform, loader, modules)
    assert first.archive.read_bytes() == second.archive.read_bytes()
    listing = b.archive_listing(first.archive)
    top = b.folder_name("2.0", platform)
    name = b.library_name(platform)
    assert set(listing) == {f"{top}/{name}", f"{top}/python3.11/{name}", f"{top}/python3.12/{name}",
                            f"{top}/{b.BUNDLE_MANIFEST}", f"{top}/{SUMS}"}
    if platform.startswith("linux"):
        with tarfile.open(first.archive) as tar:
            assert tar.getmember(f"{top}/{name}").mode == 0o755
    else:
        with zipfile.ZipFile(first.archive) as z:
            assert z.testzip() is None


def test_manifest_and_sums_name_the_bundles(tmp_path: Path) -> None:
    dist = tmp_path / "dist" / "2.0"
    dist.mkdir(parents=True)
    (dist / "libOrthancPython-2.0-py3.11-linux-x86_64.so").write_bytes(b"x")
    (dist / "orthanc.pyi").write_text("")
    (dist / MANIFEST).write_text(json.dumps({
        "artifacts": [{"file": "libOrthancPython-2.0-py3.11-linux-x86_64.so"}],
        "stubs": {"file": "orthanc.pyi"}}))
    loader, modules = _files(tmp_path, "linux-x86_64", ["3.11"])
    linux = b.make_bundle(dist, "2.0", "linux-x86_64", loader, modules)
    manifest = b.record_bundles(dist, [linux])
    assert [x["platform"] for x in manifest["bundles"]] == ["linux-x86_64"]
    assert manifest["bundles"][0]["python_minors"] == ["3.11"]
    wloader, wmodules = _files(tmp_path / "w", "windows-x64", ["3.11"])
    windows = b.make_bundle(dist, "2.0", "windows-x64", wloader, wmodules)
    manifest = b.record_bundles(dist, [windows])  # a later session adds its own
    assert [x["platform"] for x in manifest["bundles"]] == ["linux-x86_64", "windows-x64"]
    sums = (dist / SUMS).read_text()
    for name in (linux.archive.name, windows.archive.name, "orthanc.pyi", MANIFEST,
                 "libOrthancPython-2.0-py3.11-linux-x86_64.so"):
        assert f"  {name}\n" in sums
    assert subprocess.run(["sha256sum", "-c", "--quiet", SUMS], cwd=dist, check=False).returncode == 0


def test_record_without_a_release_says_so(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="run the release session first"):
        b.record_bundles(tmp_path, [])


def test_loader_session_reuses_modules_built_by_other_sessions(tmp_path: Path) -> None:
    build = tmp_path / "build"
    assert loader_tools.built_module(tmp_path, "3.12") is None
    wheel = build / "wheels" / "build-py3.12-local" / "libOrthancPython.so"
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"")
    assert loader_tools.built_module(tmp_path, "3.12") == wheel
    tests = build / "py3.12-sdk1.13.0-release" / "libOrthancPython.so"
    tests.parent.mkdir(parents=True)
    tests.write_bytes(b"")
    assert loader_tools.built_module(tmp_path, "3.12") == tests


def test_release_bundle_takes_the_shipped_modules_and_the_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from orthanc_packaging.report import Reporter

    dist = tmp_path / "dist" / "1.0"
    dist.mkdir(parents=True)
    so = "libOrthancPython-1.0-py3.12-linux-x86_64.so"
    (dist / so).write_bytes(b"312")
    (dist / MANIFEST).write_text(json.dumps({"artifacts": [
        {"file": so, "python_minor": "3.12", "platform": "linux-x86_64"}]}))
    forky = tmp_path / "build" / "forky-py3.14-release" / "libOrthancPython.so"
    forky.parent.mkdir(parents=True)
    forky.write_bytes(b"314")
    loader = tmp_path / "loader.so"
    loader.write_bytes(b"loader")
    monkeypatch.setattr(loader_tools, "build_loader", lambda root, reporter: loader)
    made = loader_tools.release_bundle(dist, "1.0", tmp_path, Reporter(io.StringIO()))
    assert made is not None
    modules = {m["python"]: m.get("note", "") for m in made.description["modules"]}
    assert modules == {"3.12": "", "3.14": "built in Debian forky: needs its C library or newer"}
    assert json.loads((dist / MANIFEST).read_text())["bundles"][0]["python_minors"] == ["3.12", "3.14"]
