"""``python -m orthanc_packaging <session> [args...]``: what noxfile.py runs
inside each session's venv (see sessions.py for the table).

Exit code 0, 1 (failed) or 2 (no such session). A skipped session exits 0
and writes its reason to the file named by ORTHANC_PACKAGING_SKIP_FILE, so
that nox reports it as skipped rather than passed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .sessions import SESSIONS, SessionContext, run_session

SKIP_FILE_VARIABLE = "ORTHANC_PACKAGING_SKIP_FILE"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SESSIONS:
        print(f"usage: python -m orthanc_packaging SESSION [ARGS...]; sessions: {', '.join(SESSIONS)}",
              file=sys.stderr)
        return 2
    code, skipped = run_session(SessionContext(name=argv[0], args=tuple(argv[1:])))
    if skipped is not None:
        print(f"skipped: {skipped}")
        skip_file = os.environ.get(SKIP_FILE_VARIABLE)
        if skip_file:
            Path(skip_file).write_text(skipped, encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
