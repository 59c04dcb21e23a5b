"""noxfile.py lists exactly the sessions of the release library's table
(orthanc_packaging/sessions.py), and nothing else but lint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from orthanc_packaging import sessions
from orthanc_packaging.discovery import SUPPORTED_MINORS
from orthanc_packaging.windows import EMBEDDABLE_MINORS, WINDOWS_MINORS

ROOT = Path(__file__).resolve().parents[2]


def _nox_sessions() -> set[str]:
    """Every session `nox -l` prints ("* name -> doc" or "- name -> doc")."""
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "-f", str(ROOT / "noxfile.py")],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return set(re.findall(r"^[*-] (\S+) ->", listed.stdout, re.MULTILINE))


def test_noxfile_lists_the_library_sessions() -> None:
    assert _nox_sessions() == set(sessions.SESSIONS) | {"lint"}


def test_per_python_sessions_follow_the_supported_pythons() -> None:
    names = set(sessions.SESSIONS)
    assert {f"build-{m}" for m in SUPPORTED_MINORS} <= names
    assert {f"windows-{m}" for m in WINDOWS_MINORS} <= names  # x64
    assert {f"windows-{m}-x86" for m in WINDOWS_MINORS} <= names
    assert set(EMBEDDABLE_MINORS) < set(WINDOWS_MINORS)
    assert "windows-all" in names


def test_unknown_session_is_a_usage_error(capsys) -> None:
    from orthanc_packaging.__main__ import main

    assert main(["no-such-session"]) == 2
    assert "sessions: tests, unit" in capsys.readouterr().err


def test_a_skipped_session_says_why(tmp_path: Path, monkeypatch) -> None:
    from orthanc_packaging.__main__ import main

    def body(ctx: sessions.SessionContext) -> int:
        raise sessions.SessionSkipped("no Python 3.8 here")

    monkeypatch.setitem(sessions.SESSIONS, "build-3.8", body)
    skip_file = tmp_path / "skipped"
    monkeypatch.setenv("ORTHANC_PACKAGING_SKIP_FILE", str(skip_file))
    assert main(["build-3.8"]) == 0
    assert skip_file.read_text() == "no Python 3.8 here"
