"""Sample 'Scheduling a task for periodic execution', and Python threads in general."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from orthanc_server import StartOrthanc, load_script


def test_timer_runs_periodically_and_stops(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("periodic_timer.py"))
    server.wait_for_log(r"Starting the scheduler")
    # Once at start, then every second, with no request to Orthanc meanwhile.
    server.wait_for_log(r"In Hello\(\)", count=3, timeout=6)

    assert server.stop() == 0
    log = server.log_text()
    assert "Stopping the scheduler" in log
    assert log.rindex("Stopping the scheduler") > log.rindex("Starting the scheduler")


BACKGROUND_THREAD = """\
import json
import orthanc
import threading
import time

COUNTER = 0

def Count():
    global COUNTER
    while True:
        time.sleep(0.02)
        COUNTER += 1

threading.Thread(target = Count, daemon = True).start()

def GetCounter(output, uri, **request):
    output.AnswerBuffer(json.dumps(COUNTER), 'application/json')

orthanc.RegisterRestCallback('/counter', GetCounter)
"""


def test_python_thread_runs_while_orthanc_is_idle(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(BACKGROUND_THREAD)
    first = server.get("/counter").json()
    time.sleep(1.5)  # no request: the GIL must not stay with the main interpreter
    second = server.get("/counter").json()
    # About 75 ticks at 20 ms; be lenient with slow machines.
    assert second - first >= 20, (first, second)


SLOW_ROUTE = """\
import orthanc
import time

def Slow(output, uri, **request):
    time.sleep(1.5)
    output.AnswerBuffer('slept\\n', 'text/plain')

orthanc.RegisterRestCallback('/slow/(.*)', Slow)
"""


def test_sleeping_callbacks_run_concurrently(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(SLOW_ROUTE)

    def call(index: int) -> tuple[int, str]:
        r = requests.get(f"{server.url}/slow/{index}", timeout=30)
        return r.status_code, r.text

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(call, range(2)))
    elapsed = time.monotonic() - start
    assert answers == [(200, "slept\n"), (200, "slept\n")]
    assert elapsed < 2.7, f"two 1.5 s callbacks took {elapsed:.2f} s: they did not overlap"
