"""Reloading scripts without restarting the server: Orthanc's own in-process
restart (POST /tools/reset), which Python outlives (ten times in a row with
every callback family; a thread of an ended run; atexit at the process's
exit), and POST /plugins/python/reload ("Python.AllowReload")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from orthanc_packaging.dicom_factory import make_dicom
from orthanc_server import OrthancServer, OrthancSetup, StartOrthanc, live_children, load_script, start

pytestmark = pytest.mark.ours

RESETS = 10

EVERY_FAMILY = """\
import asyncio
import logging
import sys

import numpy
import orthanc

# numpy cannot be initialized twice in one process: each run of Orthanc
# imports this script again, in the same Python, and uses the same numpy.
SQUARES = numpy.arange(10) ** 2
FIRST_IMPORT = sys.modules.setdefault('reset_test_first_import', type(sys)('reset_test_first_import'))

def Numpy(output, uri, **request):
    output.AnswerBuffer('%d %d %d' % (int(SQUARES.sum()), id(numpy), id(FIRST_IMPORT)), 'text/plain')

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
orthanc.RegisterRestCallback('/numpy', Numpy)
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


def _orthanc_pid(server: OrthancServer) -> int:
    """The Orthanc process (a child of the launcher in a root)."""
    pids = [server.process.pid]
    while pids:
        pid = pids.pop()
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "Orthanc":
                return pid
            pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            continue
    raise AssertionError("no Orthanc process found")


def _orthanc_rss_kib(server: OrthancServer) -> int:
    """Resident memory of the Orthanc process."""
    for line in Path(f"/proc/{_orthanc_pid(server)}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc")


def _wait_for_start(server: OrthancServer, starts: int) -> None:
    """Until Orthanc has started `starts` times (the first start and each
    reset's) and answers again."""
    server.wait_for_log(r"Orthanc has started", count=starts, timeout=60)
    assert server.get("/system").status_code == 200


def _stop(server: OrthancServer) -> int:
    """SIGTERM once Orthanc can take it: it installs its handler a moment
    after "Orthanc has started" (SystemToolbox::ServerBarrier), and a signal
    before that kills it."""
    time.sleep(1)
    return server.stop()


def test_ten_resets_in_a_row_with_every_callback_family(orthanc_server: StartOrthanc,
                                                        record_property: Callable[[str, object], None]) -> None:
    server = orthanc_server(EVERY_FAMILY)
    server.wait_for_log(r"change: started")
    # The same numpy module and the same module object of the first import
    # answer after every reset: Python is not restarted.
    first = server.get("/numpy").text
    assert first.split()[0] == "285"
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
        assert server.get("/numpy").text == first
        assert server.get("/async-route").text == "async route"
        assert server.get("/chunked").text == "chunked"
        rss.append(_orthanc_rss_kib(server))
    assert server.returncode is None
    log = server.log_text()
    assert "Traceback" not in log
    assert log.count("the scripts are imported again") == RESETS
    # Each log line of the script once per event: the logging bridge's handler
    # of an ended run is gone.
    assert log.count(f"every.family: stored {instance}") == 1
    # Memory bounded: what the later resets add stays small, on every build
    # (a free-threaded CPython keeps ~15 MB per restart of Python, which a
    # reset no longer does).
    growth = rss[-1] - rss[1]
    print(f"resident memory after each reset (KiB): {rss}")
    record_property("resident_kib_after_each_reset", " ".join(map(str, rss)))  # in the junit XML
    assert growth < 16 * 1024, f"resident memory grew by {growth} KiB over {RESETS - 2} resets: {rss}"
    assert _stop(server) == 0


STALE_THREAD = """\
import sys
import threading
import time

import orthanc

STARTED = threading.Event()

def OnChange(change, level, resource):
    if change == orthanc.ChangeType.ORTHANC_STARTED:
        STARTED.set()

# A thread of the first run that outlives it.  It calls Orthanc before the
# reset, then again once the second run has imported this script.
def Outlive(started):
    started.wait()
    orthanc.LogWarning('stale thread: first run ' + orthanc.RestApiGet('/system').decode()[:1])
    while not getattr(sys, 'stale_thread_second_run', False):
        time.sleep(0.05)
    for name, call in (('RestApiGet', lambda: orthanc.RestApiGet('/system')),
                       ('LogWarning', lambda: orthanc.LogWarning('not written')),
                       ('RegisterRestCallback', lambda: orthanc.RegisterRestCallback('/late', Fresh))):
        try:
            call()
            line = 'stale thread: %s was admitted' % name
        except orthanc.OrthancException as error:
            line = 'stale thread: %s raised OrthancException(%d, %s)' % (name, error.args[0], error.args[1])
        sys.stdout.write(line + '\\n')  # one write: Orthanc's log lines go to the same file
    sys.stdout.write('stale thread: done\\n')

def Fresh(output, uri, **request):
    # A thread of the current run calls Orthanc as usual.
    answers = []
    worker = threading.Thread(target=lambda: answers.append(orthanc.RestApiGet('/system')))
    worker.start()
    worker.join()
    output.AnswerBuffer('fresh thread: %d bytes' % len(answers[0]), 'text/plain')

orthanc.RegisterRestCallback('/fresh', Fresh)
orthanc.RegisterOnChangeCallback(OnChange)
if hasattr(sys, 'stale_thread_started'):
    sys.stale_thread_second_run = True
else:
    sys.stale_thread_started = True
    threading.Thread(target=Outlive, args=(STARTED,), daemon=True).start()
"""


def test_a_thread_of_an_ended_run_gets_orthanc_exception(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(STALE_THREAD)
    server.wait_for_log(r"stale thread: first run \{")
    assert server.post("/tools/reset").status_code == 200
    _wait_for_start(server, 2)
    log = server.wait_for_log(r"stale thread: done", timeout=30)
    # Not anchored at the line's start: Orthanc writes a log line in pieces, so
    # the thread's line may land in the middle of one of Orthanc's.
    refused = re.findall(r"stale thread: (\w+) raised OrthancException\((\d+), (.*)\)$", log, re.MULTILINE)
    assert [name for name, _, _ in refused] == ["RestApiGet", "LogWarning", "RegisterRestCallback"], log[-3000:]
    assert {int(code) for _, code, _ in refused} == {6}  # orthanc.ErrorCode.BAD_SEQUENCE_OF_CALLS
    assert "before Orthanc restarted (POST /tools/reset)" in refused[0][2]
    assert "was admitted" not in log
    assert server.get("/late").status_code == 404
    assert re.fullmatch(r"fresh thread: \d+ bytes", server.get("/fresh").text)
    assert server.returncode is None
    assert _stop(server) == 0


def test_the_process_pool_of_a_script_ends_with_its_run(orthanc_server: StartOrthanc) -> None:
    # The Orthanc Book's sample keeps a multiprocessing.Pool in a global and
    # never closes it: each run's pool goes with the run, as the end of Python
    # took it when Python restarted, and the workers do not pile up.
    server = orthanc_server(load_script("multiprocessing_pool.py", {"for i in range(1000):": "for i in range(30):"}))
    orthanc = _orthanc_pid(server)
    workers = live_children(orthanc)
    assert len(workers) == 4
    for reset in (1, 2):
        assert server.post("/tools/reset").status_code == 200
        _wait_for_start(server, reset + 1)
        answer = server.get("/computation")
        assert answer.status_code == 200 and answer.text.startswith("computation done in ")
        now = live_children(orthanc)
        assert len(now) == 4 and not now & workers, (workers, now)
        workers = now
    assert _stop(server) == 0
    assert "Traceback" not in server.log_text()


AT_EXIT = """\
import atexit
import sys

import orthanc

RUN = sys.modules.setdefault('at_exit_runs', type(sys)('at_exit_runs'))
RUN.count = getattr(RUN, 'count', 0) + 1

def Goodbye(run=RUN.count):
    try:
        orthanc.LogWarning('goodbye')
        outcome = 'admitted'
    except orthanc.OrthancException as error:
        outcome = 'OrthancException %d' % error.args[0]
    with open(RECORD, 'a') as f:
        f.write('run %d: %s\\n' % (run, outcome))

atexit.register(Goodbye)
print('imported for run %d' % RUN.count)
"""


def test_atexit_handlers_run_once_when_the_process_exits(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    # Python ends with the process, not with each run of Orthanc: the handler
    # that each run's import registered runs then, once, and Orthanc is gone.
    record = tmp_path / "atexit.txt"
    server = orthanc_server(AT_EXIT.replace("RECORD", repr(str(record))))
    for reset in (1, 2):
        assert server.post("/tools/reset").status_code == 200
        _wait_for_start(server, reset + 1)
        assert f"imported for run {reset + 1}" in server.log_text()
    assert not record.exists()
    assert _stop(server) == 0
    assert sorted(record.read_text().splitlines()) == [
        f"run {run}: OrthancException 6" for run in (1, 2, 3)]


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


def test_a_script_broken_before_a_reset_stops_orthanc_with_its_traceback(tmp_path: Path) -> None:
    # As at start: Orthanc stops when a plugin fails to initialize. The server
    # is run here, not by the fixture, which counts an exit by itself as a crash.
    setup = OrthancSetup.create(tmp_path / "orthanc", ROUTES_V1, None, "edited.py")
    server = start(setup)
    try:
        assert server.get("/hello").text == "hello v1"
        setup.script_path.write_text("import orthanc\ndef broken(:\n", encoding="utf-8")
        assert server.post("/tools/reset").status_code == 200
        code = server.process.wait(60)
    finally:
        server.stop()
    log = server.log_text()
    assert "SyntaxError" in log and re.search(r"edited\.py.{0,20}line 2", log), log[-3000:]
    assert code not in (-11, -6), f"Orthanc crashed (signal {-code}) instead of stopping:\n{log[-3000:]}"
    assert "Segmentation fault" not in log
