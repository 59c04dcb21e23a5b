"""The single version number in VERSION."""

from __future__ import annotations

from pathlib import Path

import pytest
from orthanc_packaging.version import PROJECT_ROOT, VersionError, read_version


def test_reads_the_project_version() -> None:
    assert read_version() == (PROJECT_ROOT / "VERSION").read_text().strip()


def test_strips_and_validates(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("1.2.3\n")
    assert read_version(tmp_path) == "1.2.3"
    (tmp_path / "VERSION").write_text("1.2.3-rc1\n")
    assert read_version(tmp_path) == "1.2.3-rc1"
    (tmp_path / "VERSION").write_text("one two\n")
    with pytest.raises(VersionError, match="expected a version like 1.2.3"):
        read_version(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VersionError, match="cannot read the plugin version"):
        read_version(tmp_path)


def test_plain_import_from_the_root_gets_the_pypa_library() -> None:
    """`python -m nox` (or pip, pytest) run from the project root must still
    find PyPA's `packaging`, not this folder."""
    import subprocess
    import sys

    code = "import packaging.version as v; print(v.Version('1.2').major, v.__file__, sep='|')"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if "No module named" in out.stderr and "packaging" in out.stderr:
        pytest.skip("PyPA packaging is not installed here")
    assert out.returncode == 0, out.stderr
    major, path = out.stdout.strip().split("|")
    assert major == "1"
    assert str(PROJECT_ROOT / "packaging") not in path
