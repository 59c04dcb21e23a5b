"""After the Conan round trip of `nox -s conan` (orthanc_packaging/conan/:
create, upload to a loopback conan_server, remove, install back): the
installed plugin and the isolated Conan home as a user would find them, and
the plugin loaded into a real Orthanc.

The round trip builds the plugin (about a minute): these tests run when
nox -s conan names the installed plugin in ORTHANC_CONAN_INSTALLED_PLUGIN.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from orthanc_packaging import conan

ROOT = Path(__file__).resolve().parents[2]
INSTALLED = os.environ.get(conan.INSTALLED_PLUGIN_VARIABLE)

pytestmark = pytest.mark.skipif(
    not INSTALLED,
    reason=f"needs the plugin of a Conan round trip: nox -s conan sets {conan.INSTALLED_PLUGIN_VARIABLE}",
)

SCRIPT = """
import orthanc

def answer(output, uri, **request):
    output.AnswerBuffer(b"installed from conan", "text/plain")

orthanc.RegisterRestCallback("/conan-round-trip", answer)
"""


@pytest.fixture(scope="module")
def plugin() -> Path:
    assert INSTALLED is not None
    return Path(INSTALLED)


def test_packages_come_back_from_the_server(plugin: Path) -> None:
    assert plugin.is_file()
    # The installed package lives in the isolated home, not the user's cache.
    assert conan.layout_for(ROOT).home in plugin.parents


def test_isolated_home_knows_only_the_test_server() -> None:
    """conancenter was removed from the isolated home: nothing could come from the network."""
    remotes = json.loads((conan.layout_for(ROOT).home / "remotes.json").read_text())
    urls = [remote["url"] for remote in remotes["remotes"]]
    assert [remote["name"] for remote in remotes["remotes"]] == [conan.REMOTE]
    assert all(url.startswith("http://127.0.0.1:") for url in urls)


def test_checkout_gets_no_conan_files() -> None:
    assert not list(ROOT.glob("conan*.sh")) and not list(ROOT.glob("deactivate_conan*.sh"))
    assert (conan.layout_for(ROOT).install / "conanrun.sh").is_file()


@pytest.mark.skipif(not Path("/usr/sbin/Orthanc").exists() and "ORTHANC_BINARY" not in os.environ,
                    reason="no Orthanc binary")
def test_installed_plugin_runs_in_orthanc(plugin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import orthanc_server as harness  # tests/ is on sys.path under pytest

    monkeypatch.setenv("ORTHANC_PYTHON_PLUGIN", str(plugin))
    setup = harness.OrthancSetup.create(tmp_path / "orthanc", SCRIPT)
    server = harness.start(setup)
    try:
        response = server.get("/conan-round-trip")
        assert response.status_code == 200
        assert response.text == "installed from conan"
    finally:
        assert server.stop() == 0, harness.tail(server.log_text())
