"""Every integration test needs the built plugin: fail (not skip) without it."""

from __future__ import annotations

import pytest

import orthanc_server as harness
import run_settings


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    # In the call phase rather than in a fixture, so that the tests are
    # reported as failed (not as errors) when the plugin is not built.
    if not run_settings.plugin_path().is_file():
        pytest.fail(f"{run_settings.plugin_path()} is missing: {run_settings.MISSING_PLUGIN_MESSAGE}",
                    pytrace=False)
    if not harness.ORTHANC_BINARY.is_file():
        pytest.fail(f"{harness.ORTHANC_BINARY} is missing: install Debian's orthanc package "
                    "(or set ORTHANC_BINARY)", pytrace=False)
