"""Several scripts ("PythonScript" as a list): each is its own module, their
callbacks of every kind work side by side, a single-slot callback registered
twice names both scripts, and a list with a missing file stops the plugin
with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from orthanc_packaging.dicom_factory import make_dicom
from orthanc_server import StartFailingOrthanc, StartOrthanc

pytestmark = pytest.mark.ours

FIRST = """\
import orthanc

NAME = 'first'

def Route(output, uri, **request):
    output.AnswerBuffer(__name__ + ':' + NAME, 'text/plain')

def OnChange(change, level, resource):
    if change == orthanc.ChangeType.NEW_INSTANCE:
        print('first saw the new instance ' + resource)

def OnStored(dicom, instance_id):
    print('first stored ' + instance_id)

def Filter(uri, **request):
    return uri != '/refused-by-first'

def OnFind(answers, query, issuer, called):
    pass

orthanc.RegisterRestCallback('/first', Route)
orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterOnStoredInstanceCallback(OnStored)
orthanc.RegisterIncomingHttpRequestFilter(Filter)
orthanc.RegisterFindCallback(OnFind)
"""

SECOND = """\
import orthanc

NAME = 'second'  # the same global name as the first script: each script is its own module

def Route(output, uri, **request):
    output.AnswerBuffer(__name__ + ':' + NAME, 'text/plain')

def OnChange(change, level, resource):
    if change == orthanc.ChangeType.NEW_INSTANCE:
        print('second saw the new instance ' + resource)

def OnStored(dicom, instance_id):
    print('second stored ' + instance_id)

def Filter(uri, **request):
    return uri != '/refused-by-second'

orthanc.RegisterRestCallback('/second', Route)
orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterOnStoredInstanceCallback(OnStored)
orthanc.RegisterIncomingHttpRequestFilter(Filter)
try:
    orthanc.RegisterFindCallback(lambda answers, query, issuer, called: None)
except RuntimeError as error:
    print('second script: %s' % error)
"""


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_two_scripts_register_side_by_side(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    first = _write(tmp_path, "first_script.py", FIRST)
    (tmp_path / "other").mkdir()
    second = _write(tmp_path / "other", "second_script.py", SECOND)
    server = orthanc_server("", extra_config={"PythonScript": [first, second]})

    assert server.get("/first").text == "first_script:first"
    assert server.get("/second").text == "second_script:second"

    # Every HTTP filter must admit a request.
    assert server.get("/refused-by-first").status_code == 403
    assert server.get("/refused-by-second").status_code == 403
    assert server.get("/system").status_code == 200

    instance = server.upload(make_dicom())["ID"]
    for name in ("first", "second"):
        server.wait_for_log(f"{name} stored {instance}")
        server.wait_for_log(f"{name} saw the new instance {instance}")

    # The C-FIND SCP has a single slot in the SDK: the message names both scripts.
    log = server.wait_for_log(r"second script: RegisterFindCallback")
    assert ("RegisterFindCallback: can only register one C-FIND SCP callback, and first_script.py registered "
            "one already; second_script.py cannot register another") in log


def test_scripts_are_imported_in_order(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    scripts = [_write(tmp_path, f"order_{i}.py", f"import sys\nprint('imported {i}', 'order_{i - 1}' in sys.modules)\n")
               for i in range(1, 4)]
    server = orthanc_server("", extra_config={"PythonScript": scripts})
    log = server.wait_for_log(r"imported 3 True")
    assert log.index("imported 1 False") < log.index("imported 2 True") < log.index("imported 3 True")


def test_python_path_accepts_a_list(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    first = _write(tmp_path, "first_script.py", FIRST)
    second = _write(tmp_path, "second_script.py", SECOND)
    server = orthanc_server("", extra_config={"PythonScript": None, "Python": {"Path": [first, second]}})
    assert server.get("/second").text == "second_script:second"


def test_a_missing_file_in_the_list_is_named(orthanc_failing_start: StartFailingOrthanc, tmp_path: Path) -> None:
    first = _write(tmp_path, "first_script.py", FIRST)
    missing = str(tmp_path / "missing.py")
    failed = orthanc_failing_start("", extra_config={"PythonScript": [first, missing]})
    assert failed.returncode != 0
    assert f'the Python script does not exist: {missing} (item 2 of "PythonScript")' in failed.log


def test_two_scripts_with_one_module_name_are_refused(orthanc_failing_start: StartFailingOrthanc,
                                                       tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = _write(tmp_path / "a", "same.py", "")
    two = _write(tmp_path / "b", "same.py", "")
    failed = orthanc_failing_start("", extra_config={"PythonScript": [one, two]})
    assert failed.returncode != 0
    assert f"the Python scripts {one} and {two} would both be imported as module 'same'" in failed.log


def test_a_list_of_something_else_than_paths_is_refused(orthanc_failing_start: StartFailingOrthanc) -> None:
    failed = orthanc_failing_start("", extra_config={"PythonScript": ["/tmp/x.py", 3]})
    assert failed.returncode != 0
    assert 'the configuration option "PythonScript" must be a path or a list of paths' in failed.log
