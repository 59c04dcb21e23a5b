"""Fixtures of the Windows tests (see windows_env.py).

``nox -s windows-3.X`` sets ORTHANC_WINDOWS_* to what it built and
ORTHANC_WINDOWS_REQUIRE=1, so that a missing piece fails the run; a plain
``pytest tests/windows`` looks in build/windows and skips what is not built.
"""

from __future__ import annotations

import pytest
from windows_env import Built, find_built, find_mingw_gxx, windows


@pytest.fixture(scope="session")
def built_any() -> Built:
    """What the session built, of either architecture."""
    return find_built()


@pytest.fixture(scope="session")
def built(built_any: Built) -> Built:
    """What the session built, to be run with the embeddable Python: an x86
    session has no 32-bit Python to run its plugin with, and says so."""
    if not built_any.runs_here:
        pytest.skip(windows.NO_32BIT_PYTHON)
    return built_any


@pytest.fixture(scope="session")
def mingw_gxx() -> str:
    return find_mingw_gxx()
