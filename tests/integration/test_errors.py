"""How errors in user scripts are reported, and that Orthanc survives them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from orthanc_packaging.dicom_factory import make_dicom
from orthanc_server import StartFailingOrthanc, StartOrthanc

RAISING_ROUTE = """\
import orthanc

def Fine(output, uri, **request):
    output.AnswerBuffer('fine\\n', 'text/plain')

def Broken(output, uri, **request):
    raise ValueError('broken on purpose')

orthanc.RegisterRestCallback('/fine', Fine)
orthanc.RegisterRestCallback('/broken', Broken)
"""


def test_exception_in_rest_callback(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(RAISING_ROUTE, script_name="raising_route.py")
    r = server.get("/broken")
    assert r.status_code == 500

    log = server.wait_for_log(r"broken on purpose")
    assert "ValueError" in log
    # The traceback names the script and the line of the `raise`.
    assert re.search(r'File "[^"]*raising_route\.py", line 7, in Broken', log), log

    fine = server.get("/fine")
    assert (fine.status_code, fine.text) == (200, "fine\n")
    assert server.get("/broken").status_code == 500
    assert server.get("/system").status_code == 200


def _assert_failed(result_code: int) -> None:
    assert result_code != 0


def test_syntax_error_prevents_start(orthanc_failing_start: StartFailingOrthanc) -> None:
    result = orthanc_failing_start("import orthanc\ndef f(:\n    pass\n",
                                   script_name="bad_syntax.py")
    _assert_failed(result.returncode)
    assert "SyntaxError" in result.log
    assert re.search(r"bad_syntax\.py.{0,20}line 2", result.log), result.log


def test_missing_module_prevents_start(orthanc_failing_start: StartFailingOrthanc) -> None:
    result = orthanc_failing_start("import orthanc\nimport no_such_module_for_orthanc\n",
                                   script_name="missing_import.py")
    _assert_failed(result.returncode)
    assert "ModuleNotFoundError" in result.log
    assert "no_such_module_for_orthanc" in result.log
    assert re.search(r'File "[^"]*missing_import\.py", line 2', result.log), result.log


def test_exception_at_top_level_prevents_start(orthanc_failing_start: StartFailingOrthanc) -> None:
    result = orthanc_failing_start("import orthanc\n\nraise RuntimeError('stop right there')\n",
                                   script_name="raising_script.py")
    _assert_failed(result.returncode)
    assert "RuntimeError" in result.log
    assert "stop right there" in result.log
    assert re.search(r'File "[^"]*raising_script\.py", line 3', result.log), result.log


def test_missing_script_prevents_start(orthanc_failing_start: StartFailingOrthanc,
                                       tmp_path: Path) -> None:
    missing = tmp_path / "there_is_no_such_script.py"
    result = orthanc_failing_start(missing)
    _assert_failed(result.returncode)
    assert str(missing) in result.log


@pytest.mark.ours
def test_script_named_orthanc_py_is_refused(orthanc_failing_start: StartFailingOrthanc) -> None:
    result = orthanc_failing_start("print('the orthanc.py script ran')\n",
                                   script_name="orthanc.py")
    _assert_failed(result.returncode)
    assert "orthanc.py" in result.log
    assert "the orthanc.py script ran" not in result.log


WRONG_TYPES = """\
import json
import orthanc

def Check(output, uri, **request):
    outcomes = {}
    calls = {
        'LogWarning(42)': lambda: orthanc.LogWarning(42),
        'RestApiGet(None)': lambda: orthanc.RestApiGet(None),
        'RestApiGet(bytes)': lambda: orthanc.RestApiGet(b'/system'),
        'RestApiPost(1, 2)': lambda: orthanc.RestApiPost(1, 2),
        'AnswerBuffer(123)': lambda: output.AnswerBuffer(123, 'text/plain'),
        'AnswerBuffer(missing mime)': lambda: output.AnswerBuffer('x'),
    }
    for (name, call) in calls.items():
        try:
            call()
            outcomes[name] = 'no exception'
        except Exception as e:
            outcomes[name] = type(e).__name__
    output.AnswerBuffer(json.dumps(outcomes), 'application/json')

orthanc.RegisterRestCallback('/check-types', Check)
"""


def test_wrong_argument_types_raise_type_error(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(WRONG_TYPES)
    r = server.get("/check-types")
    assert r.status_code == 200, r.text
    outcomes = r.json()
    assert outcomes == {name: "TypeError" for name in outcomes}
    assert len(outcomes) == 6
    # Still serving, and the same route works again.
    assert server.get("/system").status_code == 200
    assert server.get("/check-types").json() == outcomes


ORTHANC_EXCEPTION = """\
import json
import orthanc

def Check(output, uri, **request):
    try:
        orthanc.RestApiGet('/instances/does-not-exist')
        answer = {'raised': None}
    except orthanc.OrthancException as e:
        answer = {
            'raised': type(e).__name__,
            'module': type(e).__module__,
            'is_exception': isinstance(e, Exception),
            'args': list(e.args),
            'unknown_resource': orthanc.ErrorCode.UNKNOWN_RESOURCE,
        }
    output.AnswerBuffer(json.dumps(answer), 'application/json')

orthanc.RegisterRestCallback('/check-exception', Check)
"""


def test_missing_resource_raises_orthanc_exception(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ORTHANC_EXCEPTION)
    r = server.get("/check-exception")
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["raised"] == "OrthancException"
    assert answer["module"] == "orthanc"
    assert answer["is_exception"] is True
    assert answer["unknown_resource"] == 17
    # Same as the upstream plugin: (code, description).
    assert answer["args"] == [17, "Unknown resource"]


RAISING_CALLBACKS = """\
import orthanc

def OnChange(changeType, level, resource):
    if changeType == orthanc.ChangeType.NEW_INSTANCE:
        raise KeyError('change callback failed')

def OnStoredInstance(dicom, instanceId):
    raise RuntimeError('stored instance callback failed')

def Ping(output, uri, **request):
    output.AnswerBuffer('pong', 'text/plain')

orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterOnStoredInstanceCallback(OnStoredInstance)
orthanc.RegisterRestCallback('/ping', Ping)
"""


def test_exception_in_change_and_stored_callbacks(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(RAISING_CALLBACKS, script_name="raising_callbacks.py")
    first = server.upload(make_dicom(patient_id="FIRST"))

    server.wait_for_log(r"change callback failed")
    log = server.wait_for_log(r"stored instance callback failed")
    assert "KeyError" in log and "RuntimeError" in log
    assert re.search(r'File "[^"]*raising_callbacks\.py", line 5, in OnChange', log), log
    assert re.search(r'File "[^"]*raising_callbacks\.py", line 8, in OnStoredInstance', log), log

    # Orthanc goes on: the instance was stored, and more can be.
    assert server.get("/ping").text == "pong"
    second = server.upload(make_dicom(patient_id="SECOND"))
    assert sorted(server.get("/instances").json()) == sorted([first["ID"], second["ID"]])
    server.wait_for_log(r"stored instance callback failed", count=2)


RAISING_FILTER = """\
import orthanc

def Filter(uri, **request):
    if uri == '/patients':
        raise ValueError('filter raised')
    return True

orthanc.RegisterIncomingHttpRequestFilter(Filter)
"""


def test_exception_in_http_filter_denies_access(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(RAISING_FILTER, script_name="raising_filter.py")
    r = server.get("/patients")
    assert r.status_code in (403, 500)  # upstream answers 500; never 200
    log = server.wait_for_log(r"filter raised")
    assert re.search(r'File "[^"]*raising_filter\.py", line 5, in Filter', log), log
    assert server.get("/studies").status_code == 200
