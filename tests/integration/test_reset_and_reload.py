"""Reloading scripts without restarting the server: Orthanc's own in-process
restart (POST /tools/reset) ten times in a row with every callback family,
and POST /plugins/python/reload ("Python.AllowReload")."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from orthanc_packaging.dicom_factory import make_dicom
from orthanc_server import OrthancServer, StartOrthanc

pytestmark = pytest.mark.ours

RESETS = 10

EVERY_FAMILY = """\
import asyncio
import logging
import orthanc

def Route(output, uri, **request):
    output.AnswerBuffer('route', 'text/plain')

async def AsyncRoute(output, uri, **request):
    await asyncio.sleep(0)
    output.AnswerBuffer('async route', 'text/plain')

def OnChange(change, level, resource):
    if change == orthanc.ChangeType.ORTHANC_STARTED:
        print('change: started')
    elif change == orthanc.ChangeType.ORTHANC_STOPPED:
        print('change: stopped')
    elif change == orthanc.ChangeType.NEW_INSTANCE:
        print('change: new instance ' + resource)

def OnStored(dicom, instance_id):
    logging.getLogger('every.family').warning('stored %s', instance_id)

orthanc.RegisterRestCallback('/route', Route)
orthanc.RegisterRestCallback('/async-route', AsyncRoute)
orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterOnStoredInstanceCallback(OnStored)
orthanc.RegisterIncomingHttpRequestFilter(lambda uri, **request: True)
orthanc.RegisterFindCallback(lambda answers, query, issuer, called: None)
orthanc.RegisterWorklistCallback(lambda answers, query, issuer, called: None)
orthanc.RegisterMoveCallback(lambda **request: None)
orthanc.RegisterReceivedInstanceCallback(lambda data, origin: (orthanc.ReceivedInstanceAction.KEEP_AS_IS, None))
orthanc.RegisterIncomingCStoreInstanceFilter(lambda dicom: 0)
orthanc.RegisterRefreshMetricsCallback(lambda: None)
orthanc.RegisterChunkedRestCallback('/chunked', lambda output, uri, **request: output.AnswerBuffer('chunked', 'text/plain'), None, None, None)
"""


def _orthanc_rss_kib(server: OrthancServer) -> int:
    """Resident memory of the Orthanc process (a child of the launcher in a root)."""
    pids = [server.process.pid]
    while pids:
        pid = pids.pop()
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            if name == "Orthanc":
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            continue
    raise AssertionError("no Orthanc process found")


def test_ten_resets_in_a_row_with_every_callback_family(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(EVERY_FAMILY)
    server.wait_for_log(r"change: started")
    version = re.search(r"using Python (\d+)\.(\d+)\.(\d+)", server.log_text())
    assert version, "the start-up log names the Python version"
    if (3, 12, 0) <= tuple(int(n) for n in version.groups()) < (3, 12, 5):
        # This script imports asyncio, hence ssl: the plugin must have warned.
        assert "POST /tools/reset crashes Orthanc if a script imports ssl" in server.log_text()
        pytest.skip(f"Python {'.'.join(version.groups())}: CPython 3.12.0-3.12.4 crash when ssl is imported "
                    "again after a restart of Python (gh-122334, fixed in 3.12.5); the plugin warns at start-up")
    rss = []
    for reset in range(1, RESETS + 1):
        instance = server.upload(make_dicom(patient_id=f"RESET{reset}"))["ID"]
        assert server.post("/tools/reset").status_code == 200
        # The events queued before the reset are delivered, ORTHANC_STOPPED included.
        log = server.wait_for_log(r"change: stopped", count=reset, timeout=30)
        assert f"change: new instance {instance}" in log
        assert f"every.family: stored {instance}" in log
        server.wait_for_log(r"change: started", count=reset + 1, timeout=30)
        assert server.get("/route").text == "route"
        assert server.get("/async-route").text == "async route"
        assert server.get("/chunked").text == "chunked"
        rss.append(_orthanc_rss_kib(server))
    assert server.returncode is None
    assert "Traceback" not in server.log_text()
    # Memory bounded: what the later resets add stays small.
    growth = rss[-1] - rss[1]
    print(f"resident memory after each reset (KiB): {rss}")
    if growth >= 40 * 1024 and "(free-threaded: no GIL)" in server.log_text():
        # Known defect, kept visible: each reset finalizes and restarts Python,
        # and a free-threaded CPython 3.14 keeps about 15 MB per cycle (117 MB
        # over 8 resets measured).  CPython's own: a C program doing nothing
        # but Py_Initialize/Py_FinalizeEx grows the same (27 -> 161 MB over 10
        # cycles on 3.14t, 16 -> 17 MB on 3.14).  The fix is not to restart
        # Python on reset.
        pytest.xfail(f"free-threaded Python: resident memory grew by {growth} KiB over {RESETS - 2} resets: {rss}")
    assert growth < 40 * 1024, f"resident memory grew by {growth} KiB over {RESETS - 2} resets: {rss}"


ROUTES_V1 = """\
import orthanc

def Hello(output, uri, **request):
    output.AnswerBuffer('hello v1', 'text/plain')

def Removed(output, uri, **request):
    output.AnswerBuffer('removed in v2', 'text/plain')

def OnChange(change, level, resource):
    if change == orthanc.ChangeType.NEW_INSTANCE:
        print('v1 change ' + resource)

orthanc.RegisterRestCallback('/hello', Hello)
orthanc.RegisterRestCallback('/removed', Removed)
orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterIncomingHttpRequestFilter(lambda uri, **request: uri != '/refused-by-v1')
"""

ROUTES_V2 = """\
import orthanc

def Hello(output, uri, **request):
    output.AnswerBuffer('hello v2', 'text/plain')

def Added(output, uri, **request):
    output.AnswerBuffer('added in v2', 'text/plain')

def OnChange(change, level, resource):
    if change == orthanc.ChangeType.NEW_INSTANCE:
        print('v2 change ' + resource)

orthanc.RegisterRestCallback('/hello', Hello)
orthanc.RegisterRestCallback('/added', Added)
orthanc.RegisterOnChangeCallback(OnChange)
"""

BROKEN = ROUTES_V2 + "\nraise ValueError('this version does not import')\n"


def _wait_for_route(server: OrthancServer, path: str, text: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while server.get(path).text != text:
        assert time.monotonic() < deadline, f"{path} did not answer {text!r} within {timeout} s"
        time.sleep(0.05)


def test_reload_dispatches_to_the_new_code(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    script = tmp_path / "reloaded.py"
    script.write_text(ROUTES_V1, encoding="utf-8")
    server = orthanc_server(script, extra_config={"Python": {"AllowReload": True}})
    assert server.get("/hello").text == "hello v1"
    assert server.get("/refused-by-v1").status_code == 403

    script.write_text(ROUTES_V2, encoding="utf-8")
    answer = server.post("/plugins/python/reload")
    assert answer.status_code == 200 and answer.text == "reloaded reloaded.py\n"
    assert server.get("/hello").text == "hello v2"
    assert server.get("/removed").status_code == 404
    # A route that the new code adds is registered in Orthanc once the reload has
    # answered (Orthanc holds its routes' lock during a REST callback).
    _wait_for_route(server, "/added", "added in v2")
    assert server.get("/refused-by-v1").status_code == 404  # v1's filter is gone: no route there
    instance = server.upload(make_dicom())["ID"]
    log = server.wait_for_log(f"v2 change {instance}")
    assert f"v1 change {instance}" not in log

    # A broken new version: the traceback is the answer, the previous one keeps running.
    script.write_text(BROKEN, encoding="utf-8")
    answer = server.post("/plugins/python/reload")
    assert answer.status_code == 500
    assert "the reload failed, the previous scripts keep running" in answer.text
    assert "ValueError: this version does not import" in answer.text
    assert 'reloaded.py", line' in answer.text
    assert server.get("/hello").text == "hello v2"
    assert server.get("/added").text == "added in v2"
    second = server.upload(make_dicom(patient_id="AFTER"))["ID"]
    server.wait_for_log(f"v2 change {second}")

    # A syntax error too.
    script.write_text("def broken(:\n", encoding="utf-8")
    answer = server.post("/plugins/python/reload")
    assert answer.status_code == 500 and "SyntaxError" in answer.text
    assert server.get("/hello").text == "hello v2"


def test_reload_is_off_by_default(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ROUTES_V1)
    assert server.post("/plugins/python/reload").status_code == 404


def test_reload_is_refused_with_remote_access_and_no_authentication(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ROUTES_V1, extra_config={
        "Python": {"AllowReload": True}, "RemoteAccessAllowed": True, "AuthenticationEnabled": False})
    answer = server.post("/plugins/python/reload")
    assert answer.status_code == 403
    assert "enable Orthanc's authentication" in answer.text
    assert server.get("/hello").text == "hello v1"
