"""The plugin's configuration options: PythonScript / Python.Path, PythonVerbose /
Python.Verbose, Python.AllowThreads, Python.DisplayMemoryUsage, and what the
plugin reports about itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import run_settings
from orthanc_server import StartFailingOrthanc, StartOrthanc

REPO_ROOT = Path(__file__).resolve().parents[2]

HELLO = "print('Hello from the configured script')\n"

REST_API_ROUTE = """\
import orthanc

def System(output, uri, **request):
    output.AnswerBuffer(orthanc.RestApiGet('/system'), 'application/json')

orthanc.RegisterRestCallback('/nested-system', System)
"""

EXECUTABLE_ROUTE = """\
import orthanc, os, sys

def Executable(output, uri, **request):
    output.AnswerBuffer(sys.executable, 'text/plain')

orthanc.RegisterRestCallback('/executable', Executable)
"""


@pytest.mark.ours
def test_python_path_is_an_alias_of_python_script(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    script = tmp_path / "aliased.py"
    script.write_text(HELLO, encoding="utf-8")
    server = orthanc_server(HELLO, extra_config={"PythonScript": None, "Python": {"Path": str(script)}})
    server.wait_for_log(r"Hello from the configured script")


def test_no_script_leaves_the_plugin_idle(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(HELLO, extra_config={"PythonScript": None})
    assert server.get("/system").status_code == 200
    assert "Hello from the configured script" not in server.log_text()


@pytest.mark.ours
def test_plugin_reports_the_version_of_the_version_file(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(HELLO)
    plugin = server.get("/plugins/python").json()
    assert plugin["ID"] == "python"
    assert plugin["Version"] == (REPO_ROOT / "VERSION").read_text(encoding="utf-8").strip()


@pytest.mark.ours
@pytest.mark.parametrize("option", [{"PythonVerbose": True}, {"Python": {"Verbose": True}}])
def test_verbose_traces_imports(orthanc_server: StartOrthanc, option: dict) -> None:
    server = orthanc_server("import json\n", extra_config=option)
    # Python's -v prints one line per imported module on stderr, which Orthanc's log captures.
    server.wait_for_log(r"import 'json'")


@pytest.mark.ours
def test_display_memory_usage_logs_periodically(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(HELLO, extra_config={"Python": {"DisplayMemoryUsage": True}})
    server.wait_for_log(r"Python memory usage: \d+ KiB \(peak \d+ KiB\)", timeout=12)


@pytest.mark.parametrize("allow_threads", [True, False])
def test_nested_rest_call_with_and_without_allow_threads(orthanc_server: StartOrthanc,
                                                         allow_threads: bool) -> None:
    server = orthanc_server(REST_API_ROUTE, extra_config={"Python": {"AllowThreads": allow_threads}})
    r = server.get("/nested-system")
    assert r.status_code == 200
    assert json.loads(r.text)["Name"] == "python-plugin-tests"


@pytest.mark.ours
def test_sys_executable_is_a_real_python(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(EXECUTABLE_ROUTE)
    executable = server.get("/executable").text
    assert os.path.basename(executable).startswith("python"), executable
    assert os.access(run_settings.host_view(executable), os.X_OK), executable


@pytest.mark.ours
def test_option_of_the_wrong_type_is_named(orthanc_failing_start: StartFailingOrthanc) -> None:
    failed = orthanc_failing_start(HELLO, extra_config={"PythonVerbose": "yes"})
    assert failed.returncode != 0
    assert 'the configuration option "PythonVerbose" must be true or false' in failed.log
