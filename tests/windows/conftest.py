"""Fixtures of the Windows tests (see windows_env.py).

``nox -s windows-3.X`` sets ORTHANC_WINDOWS_* to what it built and
ORTHANC_WINDOWS_REQUIRE=1, so that a missing piece fails the run; a plain
``pytest tests/windows`` looks in build/windows and skips what is not built.
"""

from __future__ import annotations

import pytest
from windows_env import Built, find_built, find_mingw_gxx


@pytest.fixture(scope="session")
def built() -> Built:
    return find_built()


@pytest.fixture(scope="session")
def mingw_gxx() -> str:
    return find_mingw_gxx()
