"""Fixtures of the reliability tests (real Orthanc, load, memory, valgrind).

The servers run without --verbose (see support.QuietSetup).  As in the
integration tests, a server that exits by itself fails the test, and the
Orthanc logs of a failing test are attached to its report (tests/conftest.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

import orthanc_server as harness
import run_settings

from .support import QuietSetup


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: long reliability test (load, memory growth, valgrind); CI runs them, "
        "deselect locally with -m 'not slow'",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if not run_settings.plugin_path().is_file():
        pytest.fail(f"{run_settings.plugin_path()} is missing: {run_settings.MISSING_PLUGIN_MESSAGE}",
                    pytrace=False)


class StartQuiet(Protocol):
    def __call__(self, script: str | Path, extra_config: Mapping[str, Any] | None = None,
                 env: Mapping[str, str] | None = None) -> harness.OrthancServer: ...


# Same options as the benchmarks: no stable-resource events during a test.
BASE_CONFIG = {"StableAge": 3600, "HttpCompressionEnabled": False}


@pytest.fixture
def quiet_orthanc(request: pytest.FixtureRequest, tmp_path: Path,
                  _orthanc_reaper: harness.Reaper) -> Generator[StartQuiet, None, None]:
    """Factory: start Orthanc (no --verbose) with the plugin running `script`."""
    from conftest import _LOGS_KEY  # tests/conftest.py: logs shown on failure

    logs = request.node.stash.setdefault(_LOGS_KEY, [])
    counter = itertools.count(1)
    servers: list[harness.OrthancServer] = []

    def start(script: str | Path, extra_config: Mapping[str, Any] | None = None,
              env: Mapping[str, str] | None = None) -> harness.OrthancServer:
        setup = QuietSetup.create(tmp_path / f"orthanc{next(counter)}", script,
                                  {**BASE_CONFIG, **(extra_config or {})})
        logs.append(setup.log_path)
        try:
            server = harness.start(setup, env)
        except harness.OrthancStartError as error:
            pytest.fail(str(error), pytrace=False)
        servers.append(server)
        return server

    yield start
    crashed = [f"Orthanc exited by itself during the test, with code {s.returncode}"
               for s in servers if s.returncode is not None and not s.stop_requested]
    for server in servers:
        _orthanc_reaper.add(server)
    if crashed:
        pytest.fail("\n".join(crashed), pytrace=False)
