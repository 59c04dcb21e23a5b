# Benchmark script (e): change events delivered per second.
#
# While the gate is closed, the callback waits on its first event, so that
# the events of a burst pile up (in the plugin's queue or in Orthanc's).
# Opening the gate lets them through; the rate is measured here, between the
# opening and the last delivery.
import json
import threading
import time

import orthanc

gate = threading.Event()
gate.set()
state = {"count": 0, "opened": 0.0, "last": 0.0}


def on_change(change_type, level, resource_id):
    if not gate.is_set():
        gate.wait()
    state["count"] += 1
    state["last"] = time.perf_counter()


def close(output, uri, **request):
    gate.clear()
    state.update(count=0, opened=0.0, last=0.0)
    output.AnswerBuffer(b"closed", "text/plain")


def open_(output, uri, **request):
    state["opened"] = time.perf_counter()
    gate.set()
    output.AnswerBuffer(b"open", "text/plain")


def stats(output, uri, **request):
    output.AnswerBuffer(json.dumps(state).encode(), "application/json")


orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterRestCallback("/bench/close", close)
orthanc.RegisterRestCallback("/bench/open", open_)
orthanc.RegisterRestCallback("/bench/stats", stats)
