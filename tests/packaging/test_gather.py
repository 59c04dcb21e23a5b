"""gather.py: the parts of release.yml's parallel jobs merged into one dist/<version>/."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from orthanc_packaging import bundle
from orthanc_packaging import gather as g
from orthanc_packaging.manifest import MANIFEST, SUMS, ManifestError


def _linux_part(parts: Path, minor: str, version: str = "1.0", sdk: str = "s" * 64) -> None:
    dist = parts / f"linux-py{minor}" / version
    dist.mkdir(parents=True)
    name = f"libOrthancPython-{version}-py{minor}-linux-x86_64.so"
    (dist / name).write_bytes(minor.encode())
    (dist / "orthanc.pyi").write_text("stubs")
    (dist / MANIFEST).write_text(json.dumps({
        "version": version, "sdk_header_sha256": sdk, "git_commit": "c",
        "stubs": {"file": "orthanc.pyi"}, "complete": True, "failed_cells": [],
        "artifacts": [{"file": name, "python_minor": minor, "platform": "linux-x86_64"}]}))


def _file(path: Path, data: bytes = b"x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_parts_make_one_release_with_three_bundles(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    for minor in ("3.12", "3.8"):
        _linux_part(parts, minor)
    _file(parts / "root-forky" / "forky-py3.14-release" / "libOrthancPython.so")
    for arch, suffix in (("x64", ""), ("x86", "-x86")):
        _file(parts / f"windows-{arch}-py3.11" / "1.0" / f"OrthancPython-Python3.11-1.0{suffix}.dll")
        _file(parts / f"loader-windows-{arch}" / "OrthancPython.dll")
    _file(parts / "loader-linux-x86_64" / "libOrthancPython.so")
    _file(parts / "wheels" / "orthanc_python_plugin-1.0-cp312-cp312-manylinux_2_28_x86_64.whl")
    out = tmp_path / "dist" / "1.0"
    manifest = g.gather(sorted(parts.iterdir()), out, "1.0")
    assert [a["python_minor"] for a in manifest["artifacts"]] == ["3.8", "3.12"]
    bundles = {b["platform"]: b["python_minors"] for b in manifest["bundles"]}
    assert bundles == {"linux-x86_64": ["3.8", "3.12", "3.14"], "windows-x64": ["3.11"], "windows-x86": ["3.11"]}
    listing = bundle.archive_listing(out / bundle.archive_name("1.0", "windows-x86"))
    assert "OrthancPython-1.0-windows-x86/python3.11/OrthancPython.dll" in listing
    assert (out / "OrthancPython-Python3.11-1.0.dll").is_file()  # the 64-bit single DLL, as before
    assert (out / "OrthancPython-Python3.11-1.0-x86.dll").is_file()  # and the 32-bit one, named so
    assert subprocess.run(["sha256sum", "-c", "--quiet", SUMS], cwd=out, check=False).returncode == 0
    assert "orthanc_python_plugin-1.0-cp312-cp312-manylinux_2_28_x86_64.whl" in (out / SUMS).read_text()


def test_parts_of_another_version_or_header_are_refused(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    _linux_part(parts, "3.11")
    _linux_part(parts, "3.12", sdk="t" * 64)
    with pytest.raises(ManifestError, match="sdk_header_sha256"):
        g.gather(sorted(parts.iterdir()), tmp_path / "out", "1.0")
    with pytest.raises(ManifestError, match="the tag says 2.0"):
        g.gather([parts / "linux-py3.11"], tmp_path / "out", "2.0")
    _file(parts / "surprise" / "x")
    with pytest.raises(ManifestError, match="unknown parts"):
        g.gather(sorted(parts.iterdir()), tmp_path / "out", "1.0")
