"""The Conan round trip that `nox -s conan` runs: create the SDK and plugin
packages with the recipes in recipes/, upload them to a conan_server on
loopback, remove them locally, install them back from the server, and load
the installed plugin into a real Orthanc.

It builds the plugin (about a minute), so it only runs when
ORTHANC_CONAN_ROUND_TRIP=1 and with Conan in this interpreter.
"""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from pathlib import Path

import pytest
from orthanc_packaging import conan
from orthanc_packaging.report import Reporter

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("ORTHANC_CONAN_ROUND_TRIP") != "1",
        reason="builds the plugin: set ORTHANC_CONAN_ROUND_TRIP=1 (nox -s conan does)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("conans") is None, reason="conan is not installed here"
    ),
]

SCRIPT = """
import orthanc

def answer(output, uri, **request):
    output.AnswerBuffer(b"installed from conan", "text/plain")

orthanc.RegisterRestCallback("/conan-round-trip", answer)
"""


@pytest.fixture(scope="module")
def round_trip() -> conan.RoundTripResult:
    stream = io.StringIO()
    plan = conan.make_plan(ROOT, sys.executable)
    result = conan.round_trip(plan, Reporter(stream=stream, prefix="conan"))
    sys.stdout.write(stream.getvalue())
    steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in result.steps)
    sys.stdout.write(f"round trip {result.seconds:.1f}s: {steps}\n")
    return result


def test_packages_come_back_from_the_server(round_trip: conan.RoundTripResult) -> None:
    assert round_trip.ok, round_trip.error
    assert round_trip.plugin is not None and round_trip.plugin.is_file()
    # The installed package lives in the isolated home, not the user's cache.
    assert conan.layout_for(ROOT).home in round_trip.plugin.parents


def test_isolated_home_knows_only_the_test_server(round_trip: conan.RoundTripResult) -> None:
    """conancenter was removed from the isolated home: nothing could come from the network."""
    import json

    assert round_trip.ok, round_trip.error
    remotes = json.loads((conan.layout_for(ROOT).home / "remotes.json").read_text())
    urls = [remote["url"] for remote in remotes["remotes"]]
    assert [remote["name"] for remote in remotes["remotes"]] == [conan.REMOTE]
    assert all(url.startswith("http://127.0.0.1:") for url in urls)


def test_checkout_gets_no_conan_files(round_trip: conan.RoundTripResult) -> None:
    assert round_trip.ok, round_trip.error
    assert not list(ROOT.glob("conan*.sh")) and not list(ROOT.glob("deactivate_conan*.sh"))
    assert (conan.layout_for(ROOT).install / "conanrun.sh").is_file()


@pytest.mark.skipif(not Path("/usr/sbin/Orthanc").exists() and "ORTHANC_BINARY" not in os.environ,
                    reason="no Orthanc binary")
def test_installed_plugin_runs_in_orthanc(
    round_trip: conan.RoundTripResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import orthanc_server as harness  # tests/ is on sys.path under pytest

    assert round_trip.ok and round_trip.plugin is not None, round_trip.error
    monkeypatch.setenv("ORTHANC_PYTHON_PLUGIN", str(round_trip.plugin))
    setup = harness.OrthancSetup.create(tmp_path / "orthanc", SCRIPT)
    server = harness.start(setup)
    try:
        response = server.get("/conan-round-trip")
        assert response.status_code == 200
        assert response.text == "installed from conan"
    finally:
        assert server.stop() == 0, harness.tail(server.log_text())
