"""Shared pytest fixtures: real Orthanc servers loading the Python plugin."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any

import pytest

import orthanc_server as harness
import run_settings

# Orthanc log files of the servers started by the current test, attached to
# the report of a failing test.
_LOGS_KEY = pytest.StashKey[list[Path]]()
_LOG_LINES_SHOWN = 200
# The reports of the current test's phases ("setup", "call"), for its fixtures' teardown.
_REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ours: checks a behaviour that our plugin defines and the upstream plugin "
        "(release 4.0) does not have or does differently; deselect with "
        "-m 'not ours' when running against the upstream plugin",
    )
    config.addinivalue_line(
        "markers",
        "orthanc_version(min=None, max=None, reason=''): run only against an Orthanc "
        "release in [min, max] (\"1.12.8\", inclusive); skipped with the reason otherwise",
    )


def _parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in str(text).split("."))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers("orthanc_version"):
        low, high = marker.kwargs.get("min"), marker.kwargs.get("max")
        version = run_settings.orthanc_version()
        shown = ".".join(map(str, version))
        why = marker.kwargs.get("reason") or ""
        if low is not None and version < _parse_version(low):
            pytest.skip(f"needs Orthanc >= {low}, these tests run against Orthanc {shown}"
                        + (f": {why}" if why else ""))
        if high is not None and version > _parse_version(high):
            pytest.skip(f"needs Orthanc <= {high}, these tests run against Orthanc {shown}"
                        + (f": {why}" if why else ""))


@pytest.fixture(scope="session")
def orthanc_version() -> tuple[int, int, int]:
    """(major, minor, revision) of the Orthanc the tests start (see
    run_settings.orthanc_version); compare with tuples: >= (1, 12, 8)."""
    return run_settings.orthanc_version()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS_KEY, {})[report.when] = report
    if report.failed:
        for path in item.stash.get(_LOGS_KEY, []):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            report.sections.append(
                (f"Orthanc log {path} (last {_LOG_LINES_SHOWN} lines)",
                 harness.tail(text, _LOG_LINES_SHOWN))
            )
    return report


def _setup_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[str | Path, Mapping[str, Any] | None, str], harness.OrthancSetup]:
    counter = itertools.count(1)
    logs = request.node.stash.setdefault(_LOGS_KEY, [])

    def make(script: str | Path, extra_config: Mapping[str, Any] | None,
             script_name: str) -> harness.OrthancSetup:
        if not run_settings.plugin_path().is_file():
            pytest.fail(run_settings.MISSING_PLUGIN_MESSAGE, pytrace=False)
        setup = harness.OrthancSetup.create(
            tmp_path / f"orthanc{next(counter)}", script, extra_config, script_name
        )
        logs.append(setup.log_path)
        return setup

    return make


def _test_failed(item: pytest.Item) -> bool:
    """In a fixture's teardown: did the test's set-up or call fail?"""
    reports = item.stash.get(_REPORTS_KEY, {})
    return any(r.failed for r in reports.values()) or "call" not in reports


@pytest.fixture(scope="session")
def _orthanc_reaper() -> Generator[harness.Reaper, None, None]:
    reaper = harness.Reaper()
    yield reaper
    problems = reaper.join()
    if problems:
        # Seen only now, so reported on the session's last test: each names its own.
        pytest.fail("Orthanc servers of earlier tests did not stop cleanly:\n" + "\n\n".join(problems),
                    pytrace=False)


def stop_servers(request: pytest.FixtureRequest, reaper: harness.Reaper,
                 servers: list[harness.OrthancServer]) -> list[str]:
    """Teardown of a test's servers.  After a passed test they stop in the
    background (reaper).  After a failed one they are waited for here, so
    that a server that does not stop (a callback still stuck, say) is
    reported on the test that caused it, with its log."""
    problems = []
    running = []
    for server in servers:
        code = server.returncode
        if code is None or server.stop_requested:
            running.append(server)  # stop() of a stopped one just collects its exit code
        else:
            problems.append(f"Orthanc exited by itself during the test, with code {code}")
            server.setup.release_ports()
    if not _test_failed(request.node):
        for server in running:
            reaper.add(server, request.node.nodeid)
        return problems
    waiter = harness.Reaper()
    for server in running:
        waiter.add(server)
    return problems + waiter.join()


@pytest.fixture
def orthanc_server(request: pytest.FixtureRequest, tmp_path: Path,
                   _orthanc_reaper: harness.Reaper) -> Generator[harness.StartOrthanc, None, None]:
    """Factory: start Orthanc with the plugin running `script` (text or Path).

    At the end of the test, a server that exited by itself (crash) fails the
    test; the others get SIGTERM and are waited for in the background (then
    SIGKILL).  A test that checks the shutdown calls server.stop() itself.
    """
    make_setup = _setup_factory(request, tmp_path)
    servers: list[harness.OrthancServer] = []

    def start(script: str | Path, extra_config: Mapping[str, Any] | None = None,
              env: Mapping[str, str] | None = None,
              script_name: str = "script.py") -> harness.OrthancServer:
        setup = make_setup(script, extra_config, script_name)
        try:
            server = harness.start(setup, env)
        except harness.OrthancStartError as error:
            pytest.fail(str(error), pytrace=False)
        servers.append(server)
        return server

    yield start
    problems = stop_servers(request, _orthanc_reaper, servers)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def orthanc_failing_start(
    request: pytest.FixtureRequest, tmp_path: Path
) -> harness.StartFailingOrthanc:
    """Factory: run Orthanc expecting it to exit during start-up; returns code and log."""
    make_setup = _setup_factory(request, tmp_path)

    def run(script: str | Path, extra_config: Mapping[str, Any] | None = None,
            env: Mapping[str, str] | None = None,
            script_name: str = "script.py") -> harness.FailedStart:
        return harness.start_expecting_failure(make_setup(script, extra_config, script_name), env)

    return run
