"""dist/<version>/: renamed binaries, stubs, SHA256SUMS (sha256sum -c) and manifest.json."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from orthanc_packaging import manifest as m
from orthanc_packaging.naming import PlatformTag
from orthanc_packaging.testing import TestCounts
from packaging_fakes import found_python

LINUX = PlatformTag("linux", "x86_64")
CXX_CMAKE = 'set(CMAKE_CXX_COMPILER "/usr/bin/c++")\nset(CMAKE_CXX_COMPILER_ID "GNU")\nset(CMAKE_CXX_COMPILER_VERSION "12.2.0")\n'


def fake_build(
    tmp_path: Path,
    version: str,
    payload: bytes,
    header_sha: str = "h" * 64,
    stubs: str = "def f() -> None: ...\n",
) -> m.ArtifactInput:
    python = found_python(version, tmp_path)
    build = tmp_path / "build" / f"py{python.minor}-release"
    gen = build / "generated"
    gen.mkdir(parents=True)
    (build / "libOrthancPython.so").write_bytes(payload)
    (build / "CMakeCache.txt").write_text(
        "CMAKE_CXX_COMPILER:FILEPATH=/usr/bin/c++\nCMAKE_GENERATOR:INTERNAL=Ninja\n"
    )
    (build / "CMakeFiles" / "3.25.1").mkdir(parents=True)
    (build / "CMakeFiles" / "3.25.1" / "CMakeCXXCompiler.cmake").write_text(CXX_CMAKE)
    (gen / "orthanc.pyi").write_text(stubs)
    (gen / "model.json").write_text(
        json.dumps(
            {"sdk_version": "1.12.4", "header_sha256": header_sha, "functions": []}
        )
    )
    return m.ArtifactInput(
        name=f"py{python.minor}-release",
        library=build / "libOrthancPython.so",
        build_dir=build,
        generated_dir=gen,
        python=python,
        build_type="Release",
        platform=LINUX,
        tests_passed=True,
        tests=TestCounts(passed=40, skipped=2),
    )


def test_assemble_dist(tmp_path: Path) -> None:
    a = fake_build(tmp_path, "3.11.7", b"plugin for 3.11")
    b = fake_build(tmp_path, "3.12.1", b"plugin for 3.12")
    when = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)

    out = m.assemble(
        tmp_path / "dist", "0.1.0", [a, b], root=tmp_path, commit="c" * 40, now=when
    )

    assert out.directory == tmp_path / "dist" / "0.1.0"
    names = sorted(p.name for p in out.directory.iterdir())
    assert names == sorted(
        [
            "libOrthancPython-0.1.0-py3.11-linux-x86_64.so",
            "libOrthancPython-0.1.0-py3.12-linux-x86_64.so",
            "orthanc.pyi",
            "manifest.json",
            "SHA256SUMS",
        ]
    )
    assert (
        out.directory / "libOrthancPython-0.1.0-py3.12-linux-x86_64.so"
    ).read_bytes() == b"plugin for 3.12"
    data = json.loads((out.directory / "manifest.json").read_text())
    assert data["version"] == "0.1.0" and data["git_commit"] == "c" * 40
    assert data["created_utc"] == "2026-11-24T12:00:00Z"
    assert data["sdk_version"] == "1.12.4" and data["sdk_header_sha256"] == "h" * 64
    assert data["complete"] is True and data["failed_cells"] == []
    first = data["artifacts"][0]
    assert first == {
        "file": "libOrthancPython-0.1.0-py3.11-linux-x86_64.so",
        "cell": "py3.11-release",
        "python_version": "3.11.7",
        "python_minor": "3.11",
        "python_abi": "cpython-311-x86_64-linux-gnu",
        "platform": "linux-x86_64",
        "compiler": {"id": "GNU", "version": "12.2.0"},
        "build_type": "Release",
        "size": len(b"plugin for 3.11"),
        "sha256": hashlib.sha256(b"plugin for 3.11").hexdigest(),
        "git_commit": "c" * 40,
        "tests_passed": True,
        "tests": {"passed": 40, "failed": 0, "errors": 0, "skipped": 2},
    }
    assert m.verify_sha256sums(out.directory) == []


@pytest.mark.skipif(
    shutil.which("sha256sum") is None, reason="needs coreutils sha256sum"
)
def test_sha256sums_verifies_with_sha256sum(tmp_path: Path) -> None:
    out = m.assemble(
        tmp_path / "dist",
        "0.1.0",
        [fake_build(tmp_path, "3.11.7", b"x")],
        root=tmp_path,
        commit="unknown",
    )
    ok = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=out.directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(": OK") == 3  # binary, orthanc.pyi, manifest.json
    (out.directory / "orthanc.pyi").write_text("tampered\n")
    bad = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"],
        cwd=out.directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "orthanc.pyi: FAILED" in bad.stdout
    assert m.verify_sha256sums(out.directory) == ["orthanc.pyi"]


def test_failed_cells_are_left_out_and_recorded(tmp_path: Path) -> None:
    good = fake_build(tmp_path, "3.11.7", b"good")
    bad = fake_build(tmp_path, "3.12.1", b"bad")
    bad = m.ArtifactInput(**{**bad.__dict__, "tests_passed": False})
    out = m.assemble(
        tmp_path / "dist",
        "0.1.0",
        [good, bad],
        root=tmp_path,
        commit="unknown",
        failed_cells=["py3.12-release"],
    )
    assert [a["python_minor"] for a in out.manifest["artifacts"]] == ["3.11"]
    assert out.manifest["complete"] is False and out.manifest["failed_cells"] == [
        "py3.12-release"
    ]
    assert not (
        out.directory / "libOrthancPython-0.1.0-py3.12-linux-x86_64.so"
    ).exists()


def test_stale_files_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "dist" / "0.1.0" / "libOrthancPython-0.1.0-py3.8-linux-x86_64.so"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    m.assemble(
        tmp_path / "dist",
        "0.1.0",
        [fake_build(tmp_path, "3.11.7", b"x")],
        root=tmp_path,
        commit="unknown",
    )
    assert not stale.exists()


def test_builds_must_agree_on_the_sdk_header(tmp_path: Path) -> None:
    a = fake_build(tmp_path, "3.11.7", b"a", header_sha="a" * 64)
    b = fake_build(tmp_path, "3.12.1", b"b", header_sha="b" * 64)
    with pytest.raises(
        m.ManifestError, match="builds disagree on the Orthanc SDK header"
    ):
        m.assemble(tmp_path / "dist", "0.1.0", [a, b], root=tmp_path, commit="unknown")


def test_nothing_to_release(tmp_path: Path) -> None:
    with pytest.raises(m.ManifestError, match="no tested binary"):
        m.assemble(tmp_path / "dist", "0.1.0", [], root=tmp_path, commit="unknown")


def test_compiler_from_cache_wins_over_cmake_files(tmp_path: Path) -> None:
    (tmp_path / "CMakeCache.txt").write_text(
        "CMAKE_CXX_COMPILER_ID:STRING=Clang\nCMAKE_CXX_COMPILER_VERSION:STRING=18.1.0\nCMAKE_CXX_COMPILER:FILEPATH=/usr/bin/clang++\n"
    )
    (tmp_path / "CMakeFiles" / "3.25.1").mkdir(parents=True)
    (tmp_path / "CMakeFiles" / "3.25.1" / "CMakeCXXCompiler.cmake").write_text(
        CXX_CMAKE
    )
    assert m.read_compiler(tmp_path) == {
        "id": "Clang",
        "version": "18.1.0",
        "path": "/usr/bin/clang++",
    }
    assert m.read_compiler(tmp_path / "missing") == {
        "id": None,
        "version": None,
        "path": None,
    }


def test_git_commit_outside_git_is_unknown(tmp_path: Path) -> None:
    assert m.git_commit(tmp_path / "not-a-repo-and-missing") == "unknown"

    def fake_run(cmd, **kwargs):
        head = "0123456789abcdef0123456789abcdef01234567\n"
        return subprocess.CompletedProcess(
            cmd, 0, stdout=head if cmd[1] == "rev-parse" else "", stderr=""
        )

    assert (
        m.git_commit(tmp_path, run=fake_run)
        == "0123456789abcdef0123456789abcdef01234567"
    )


def test_git_commit_of_a_modified_tree_says_dirty(tmp_path: Path) -> None:
    def fake_run(cmd, **kwargs):
        answers = {"rev-parse": "0123456789abcdef0123456789abcdef01234567\n",
                   "status": " M src/Gil.h\n"}
        return subprocess.CompletedProcess(cmd, 0, stdout=answers[cmd[1]], stderr="")

    assert m.git_commit(tmp_path, run=fake_run) == "0123456789abcdef0123456789abcdef01234567-dirty"
