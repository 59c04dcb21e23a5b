"""The matrix: absent versions are skipped cells, unknown ones one error line."""

from __future__ import annotations

import pytest
from orthanc_packaging.discovery import FoundPython
from orthanc_packaging.matrix import (
    MatrixError,
    cells_for,
    matrix_for,
    parse_build_type,
    parse_minor,
)
from orthanc_packaging.naming import PlatformTag

LINUX = PlatformTag("linux", "x86_64")


def found(
    version: str, problem: str | None = None, source: str = "pyenv"
) -> FoundPython:
    minor = ".".join(version.split(".")[:2])
    return FoundPython(
        version=version,
        minor=minor,
        abi=f"cpython-{minor.replace('.', '')}-x86_64-linux-gnu",
        executable=f"/py/{version}/bin/python{minor}",
        prefix=f"/py/{version}",
        include_dir=f"/py/{version}/include/python{minor}",
        libpython=None if problem else f"/py/{version}/lib/libpython{minor}.so",
        source=source,
        problem=problem,
    )


PYTHONS = [
    found("2.7.18", "Python 2.7 is not supported"),
    found("3.11.7"),
    found("3.12.1"),
    found("3.11.2", source="path"),
]


def test_default_is_every_supported_minor_found() -> None:
    cells = cells_for(PYTHONS, ["Release"], LINUX)
    assert [(c.name, c.python.version if c.python else None) for c in cells] == [
        ("py3.11-release", "3.11.7"),  # first found wins (pyenv before PATH)
        ("py3.12-release", "3.12.1"),
    ]
    assert all(c.runnable and c.platform == LINUX for c in cells)


def test_absent_version_is_a_skipped_cell() -> None:
    cells = cells_for(PYTHONS, ["Release"], LINUX, versions=["3.12", "3.9"])
    assert [c.name for c in cells] == ["py3.12-release", "py3.9-release"]
    skipped = cells[1]
    assert not skipped.runnable and skipped.python is None
    assert (
        skipped.skip_reason
        == "skipped: Python 3.9 not found (install it, e.g. `pyenv install 3.9`)"
    )


def test_unusable_python_gives_its_reason() -> None:
    pythons = [
        found("3.10.0", "no shared libpython (built without --enable-shared); ...")
    ]
    [cell] = cells_for(pythons, ["Release"], LINUX, versions=["3.10"])
    assert not cell.runnable
    assert cell.skip_reason == (
        "skipped: Python 3.10.0 at /py/3.10.0/bin/python3.10: no shared libpython (built without --enable-shared); ..."
    )


def test_usable_python_preferred_over_unusable_same_minor() -> None:
    pythons = [found("3.10.0", "no headers"), found("3.10.13", source="uv")]
    [cell] = cells_for(pythons, ["Release"], LINUX, versions=["3.10"])
    assert (
        cell.runnable and cell.python is not None and cell.python.version == "3.10.13"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "3.99",
            "unsupported Python version '3.99' (supported: 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14)",
        ),
        (
            "3.7",
            "unsupported Python version '3.7' (supported: 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14)",
        ),
        (
            "abc",
            "invalid Python version 'abc': expected e.g. 3.12 (supported: 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14)",
        ),
    ],
)
def test_unknown_version_is_one_clear_error_line(text: str, message: str) -> None:
    with pytest.raises(MatrixError) as info:
        cells_for(PYTHONS, ["Release"], LINUX, versions=["3.12", text])
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_version_spellings() -> None:
    assert parse_minor("3.12") == "3.12"
    assert parse_minor("3.12.1") == "3.12"
    assert parse_minor("py3.8") == "3.8"
    assert parse_minor(" 3.10 ") == "3.10"


def test_build_types_product_and_spelling() -> None:
    cells = cells_for(
        PYTHONS, ["release", "Debug", "RELEASE"], LINUX, versions=["3.12"]
    )
    assert [c.name for c in cells] == ["py3.12-release", "py3.12-debug"]
    assert [c.build_type for c in cells] == ["Release", "Debug"]
    with pytest.raises(MatrixError, match="unknown build type 'Fast'"):
        parse_build_type("Fast")


def test_matrix_dataclass_splits_runnable_and_skipped() -> None:
    m = matrix_for(PYTHONS, ["Release"], LINUX, versions=["3.11", "3.13"])
    assert m.platform == LINUX
    assert [c.minor for c in m.runnable()] == ["3.11"]
    assert [c.minor for c in m.skipped()] == ["3.13"]
