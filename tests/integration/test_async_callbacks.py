"""`async def` callbacks: they run on the plugin's own event loop (REST routes
answer when their coroutine completes, concurrently), exceptions are reported
as for plain callbacks, "Python.AsyncTimeout" bounds a coroutine that never
finishes, and the loop stops with Orthanc."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from orthanc_packaging.dicom_factory import make_dicom
from orthanc_server import StartOrthanc

pytestmark = pytest.mark.ours

CONCURRENT = 16

ASYNC = """\
import asyncio
import threading
import orthanc

arrived = 0
everyone = None

async def Barrier(output, uri, **request):
    # Answers only once all the requests are waiting here at the same time:
    # the coroutines must run concurrently, or this times out.
    global arrived, everyone
    if everyone is None:
        everyone = asyncio.Event()
    arrived += 1
    if arrived == CONCURRENT:
        everyone.set()
    await asyncio.wait_for(everyone.wait(), 20)
    output.AnswerBuffer(threading.current_thread().name, 'text/plain')

async def Sleep(output, uri, **request):
    await asyncio.sleep(0.2)
    output.AnswerBuffer('slept', 'text/plain')

async def AsyncBoom(output, uri, **request):
    await asyncio.sleep(0)
    raise ValueError('boom from a coroutine')

def PlainBoom(output, uri, **request):
    raise ValueError('boom from a plain callback')

async def Never(output, uri, **request):
    await asyncio.Event().wait()

async def OnChange(change, level, resource):
    await asyncio.sleep(0)
    if change == orthanc.ChangeType.NEW_INSTANCE:
        print('async change ' + resource)
    elif change == orthanc.ChangeType.ORTHANC_STOPPED:
        print('async change sees the stop')

async def OnStored(dicom, instance_id):
    await asyncio.sleep(0)
    print('async stored ' + instance_id)

async def Filter(uri, **request):
    await asyncio.sleep(0)
    return uri != '/refused-by-a-coroutine'

orthanc.RegisterRestCallback('/barrier', Barrier)
orthanc.RegisterRestCallback('/sleep', Sleep)
orthanc.RegisterRestCallback('/async-boom', AsyncBoom)
orthanc.RegisterRestCallback('/plain-boom', PlainBoom)
orthanc.RegisterRestCallback('/never', Never)
orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterOnStoredInstanceCallback(OnStored)
orthanc.RegisterIncomingHttpRequestFilter(Filter)
""".replace("CONCURRENT", str(CONCURRENT))


def test_coroutines_of_concurrent_requests_run_together(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ASYNC)
    with ThreadPoolExecutor(CONCURRENT) as pool:
        answers = list(pool.map(lambda _: server.get("/barrier", timeout=30), range(CONCURRENT)))
    assert [a.status_code for a in answers] == [200] * CONCURRENT
    # On the plugin's own event loop thread, not on Orthanc's HTTP threads.
    assert {a.text for a in answers} == {"orthanc-asyncio"}
    assert server.get("/sleep").text == "slept"


def test_change_stored_instance_and_filter_coroutines(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ASYNC)
    assert server.get("/refused-by-a-coroutine").status_code == 403
    instance = server.upload(make_dicom())["ID"]
    server.wait_for_log(f"async stored {instance}")
    server.wait_for_log(f"async change {instance}")
    assert server.stop() == 0
    assert "async change sees the stop" in server.log_text()


def _report(log: str, uri: str) -> str:
    match = re.search(rf"exception in the REST callback for {uri}:\n(Traceback.*?\n)(?=[IWE]\d{{4}} )", log,
                      re.DOTALL)
    assert match, f"no report for {uri}"
    return match.group(1).rstrip() + "\n"


def test_an_exception_in_a_coroutine_is_reported_as_in_a_plain_callback(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ASYNC)
    assert server.get("/plain-boom").status_code == 500
    assert server.get("/async-boom").status_code == 500
    log = server.wait_for_log(r"ValueError: boom from a coroutine")
    plain, coroutine = _report(log, "/plain-boom"), _report(log, "/async-boom")
    assert plain.endswith("ValueError: boom from a plain callback\n")
    assert coroutine.endswith("ValueError: boom from a coroutine\n")
    assert 'in PlainBoom' in plain and 'in AsyncBoom' in coroutine


def test_a_coroutine_that_never_finishes_gets_a_timeout_answer(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(ASYNC, extra_config={"Python": {"AsyncTimeout": 0.5}})
    answer = server.get("/never", timeout=30)
    assert answer.status_code == 504
    assert '"Python.AsyncTimeout"' in answer.text
    server.wait_for_log(r"CoroutineTimeout: the coroutine of the REST callback for /never did not finish "
                        r"within 0\.5 s")
    assert server.get("/sleep").text == "slept"  # the loop still runs


def test_a_wrong_async_timeout_is_named(orthanc_failing_start) -> None:  # type: ignore[no-untyped-def]
    failed = orthanc_failing_start(ASYNC, extra_config={"Python": {"AsyncTimeout": "soon"}})
    assert 'the configuration option "Python.AsyncTimeout" must be a number of seconds above 0' in failed.log
