"""The harness knows which Orthanc it starts: the `orthanc_version` fixture
(ORTHANC_TESTS_ORTHANC_VERSION from the runner, else `Orthanc --version`) is
the version the running server reports (the `orthanc_version` marker skips by it)."""

from __future__ import annotations

import run_settings
from orthanc_server import StartOrthanc


def test_fixture_is_the_running_orthancs_version(orthanc_server: StartOrthanc,
                                                 orthanc_version: tuple[int, int, int]) -> None:
    server = orthanc_server("import orthanc\n")
    reported = server.get("/system").json()["Version"]
    assert ".".join(map(str, orthanc_version)) == reported
    if run_settings.in_root():
        # the paths the root's Python names are read through the root's folder
        assert run_settings.host_view("/usr/sbin/Orthanc").is_file()
        assert run_settings.host_view(run_settings.REPO_ROOT) == run_settings.REPO_ROOT

