# Change events still queued at shutdown (tests/reliability/test_shutdown.py).
#
# While the gate is closed, the callback waits on its first event, so that a
# burst of events piles up in the plugin's queue.  /gate/release opens the
# gate and makes every later event a little slow (sleep), so that the queue
# is still far from empty when Orthanc is asked to stop.  Each delivered
# event is written to EVENTS_FILE with the time of its delivery.
import os
import threading
import time

import orthanc

EVENTS_FILE = os.environ["RELIABILITY_EVENTS_FILE"]
gate = threading.Event()
gate.set()
slow = {"delay": 0.0}
events = open(EVENTS_FILE, "w", buffering=1 << 20)


def on_change(change_type, level, resource_id):
    if not gate.is_set():
        gate.wait()
    if slow["delay"]:
        time.sleep(slow["delay"])
    events.write("%d %d %.6f %s\n" % (change_type, level, time.monotonic(), resource_id))
    if change_type == orthanc.ChangeType.ORTHANC_STOPPED:
        events.write("END\n")
        events.flush()


def close_gate(output, uri, **request):
    gate.clear()
    output.AnswerBuffer("closed", "text/plain")


def release(output, uri, **request):
    slow["delay"] = float(request["get"].get("delay", "0.0002"))
    gate.set()
    output.AnswerBuffer("released", "text/plain")


orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterRestCallback("/gate/close", close_gate)
orthanc.RegisterRestCallback("/gate/release", release)
