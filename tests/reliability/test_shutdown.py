"""Stopping Orthanc with 10,000 change events queued: all are delivered, in
bounded time, and ORTHANC_STOPPED comes last."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from orthanc_packaging.dicom_factory import make_dicom

import orthanc_server as harness

from .conftest import StartQuiet
from .support import Client, QuietSetup, script

QUEUED = 10_000
PUT_CLIENTS = 8
STOP_BOUND = 60.0     # seconds from SIGTERM to exit, drain included
UPDATED_METADATA = 13
ORTHANC_STARTED = 10
ORTHANC_STOPPED = 11
NEW_CHILD_INSTANCE = 2


def _put_metadata(port: int, instance: str, count: int) -> None:
    """`count` PUTs of a metadata (one UPDATED_METADATA change each)."""
    errors: list[str] = []

    def worker(n: int) -> None:
        client = Client(port)
        for i in range(n):
            status, body = client.request("PUT", f"/instances/{instance}/metadata/1024",
                                          str(i).encode())
            if status != 200:
                errors.append(f"{status} {body[:200]!r}")
        client.close()

    shares = [count // PUT_CLIENTS + (1 if i < count % PUT_CLIENTS else 0)
              for i in range(PUT_CLIENTS)]
    threads = [threading.Thread(target=worker, args=(n,)) for n in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], errors[:5]


@pytest.mark.slow
def test_shutdown_delivers_every_queued_change(quiet_orthanc: StartQuiet,
                                                tmp_path: Path) -> None:
    events_file = tmp_path / "events.txt"
    server = quiet_orthanc(script("shutdown_drain.py"),
                           env={"RELIABILITY_EVENTS_FILE": str(events_file)})
    client = Client(server.setup.http_port)
    status, body = client.request("POST", "/instances", make_dicom(patient_id="DRAIN"))
    assert status == 200, body
    instance = json.loads(body)["ID"]

    assert client.request("GET", "/gate/close")[0] == 200
    _put_metadata(server.setup.http_port, instance, QUEUED)
    logged = client.json("/changes?last")["Last"]   # NEW_* of the upload + the PUTs
    assert client.request("GET", "/gate/release?delay=0.0002")[0] == 200
    client.close()

    asked = time.monotonic()
    code = server.stop(timeout=STOP_BOUND)
    took = time.monotonic() - asked
    assert code == 0, server.log_text()[-3000:]

    lines = events_file.read_text(encoding="ascii").splitlines()
    assert lines and lines[-1] == "END", f"no ORTHANC_STOPPED event: {lines[-5:]}"
    events = [line.split() for line in lines[:-1]]
    types = [int(e[0]) for e in events]
    after_stop = sum(1 for e in events if float(e[2]) >= asked)
    print(f"\n{len(events)} change events delivered, {after_stop} of them after SIGTERM; "
          f"Orthanc stopped in {took:.1f} s")

    assert types.count(UPDATED_METADATA) == QUEUED
    # Orthanc's log + what only plugins get: ORTHANC_STARTED, the three
    # NEW_CHILD_INSTANCE of the upload, ORTHANC_STOPPED.
    assert len(events) == logged + 5
    assert types.count(ORTHANC_STARTED) == 1 and types.count(NEW_CHILD_INSTANCE) == 3
    assert types[-1] == ORTHANC_STOPPED and types.count(ORTHANC_STOPPED) == 1
    # The queue was still long when Orthanc was asked to stop.
    assert after_stop >= QUEUED // 2
    assert took < STOP_BOUND


FAILING_AFTER_REGISTRATION = {
    "change": "orthanc.RegisterOnChangeCallback(lambda *args: None)",
    "rest": "orthanc.RegisterRestCallback('/x', lambda output, uri, **request: None)",
}


# Orthanc does not call OrthancPluginFinalize() after a failed
# OrthancPluginInitialize(): the plugin must stop the change thread and drop
# its Python references itself, or the process aborts (std::terminate on a
# joinable thread, or a Fatal Python error).
@pytest.mark.parametrize("registration", sorted(FAILING_AFTER_REGISTRATION))
def test_script_failing_after_registrations_exits_without_abort(tmp_path: Path,
                                                                 registration: str) -> None:
    text = f"import orthanc\n{FAILING_AFTER_REGISTRATION[registration]}\nraise RuntimeError('boom')\n"
    setup = QuietSetup.create(tmp_path / "orthanc", text)
    result = harness.start_expecting_failure(setup)
    assert "RuntimeError: boom" in result.log
    # Orthanc's own "plugin failed" exit (-1), not a signal (SIGABRT: -6).
    assert result.returncode > 0, (result.returncode, result.log[-2000:])
