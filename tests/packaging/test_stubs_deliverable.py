"""The stubs deliverable's static check (stubs.stub_problems)."""

from __future__ import annotations

from pathlib import Path

from orthanc_packaging.stubs import CORE_NAMES, stub_problems


def _stub(tmp_path: Path, names: tuple[str, ...], extra: str = "") -> Path:
    path = tmp_path / "orthanc.pyi"
    path.write_text("".join(f"def {n}() -> None: ...\n" for n in names) + extra)
    return path


def test_a_complete_stub_has_no_problem(tmp_path: Path) -> None:
    assert stub_problems(_stub(tmp_path, CORE_NAMES)) == []


def test_missing_core_names_are_listed(tmp_path: Path) -> None:
    problems = stub_problems(_stub(tmp_path, CORE_NAMES[1:]))
    assert len(problems) == 1 and CORE_NAMES[0] in problems[0]


def test_broken_syntax_is_reported(tmp_path: Path) -> None:
    problems = stub_problems(_stub(tmp_path, CORE_NAMES, "def (:\n"))
    assert len(problems) == 1 and "not valid Python" in problems[0]
