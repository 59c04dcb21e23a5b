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
