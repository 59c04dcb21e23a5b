"""Every callback raising at once, under concurrent load: Orthanc keeps answering."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter

from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind, Verification

import pytest

from orthanc_packaging import dicom_factory

from .conftest import StartQuiet
from .support import Client, python_tracebacks, script

SECONDS = 8.0
HTTP_CLIENTS = 16
KINDS = ("value", "custom", "badstr", "systemexit", "keyboard", "base", "recursion",
         "memory", "zero")


def _dicom_peer(port: int, aet: str, stop_at: float, outcomes: Counter[str],
                failures: list[str]) -> None:
    """C-ECHO, C-STORE and C-FIND against Orthanc until `stop_at`."""
    ae = AE(ae_title="RAISER")
    # Short: a C-FIND answered by a raising callback gets no response.  Under
    # valgrind (test_memcheck.py) a C-STORE may take longer and the
    # association be aborted on our side: counted below, not a failure.
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 5
    ae.add_requested_context(Verification)
    ae.add_requested_context(dicom_factory.CT_IMAGE_STORAGE)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = ""
    query.PatientID = ""
    while time.monotonic() < stop_at:
        assoc = ae.associate("127.0.0.1", port, ae_title=aet)
        if not assoc.is_established:
            failures.append("DICOM association refused")
            return
        try:
            outcomes[f"echo {int(assoc.send_c_echo().Status):#06x}"] += 1
            ds = dicom_factory.make_dataset(patient_id="DICOMRAISE", rows=8, columns=8)
            status = assoc.send_c_store(ds)
            outcomes[f"store {int(status.Status):#06x}" if "Status" in status
                     else "store (no status)"] += 1
            if not assoc.is_established:  # aborted (timeout, raising callback)
                outcomes["association aborted"] += 1
                continue
            for status, _ in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
                outcomes[f"find {int(status.Status):#06x}" if "Status" in status
                         else "find (aborted)"] += 1
        except Exception as error:  # noqa: BLE001 - reported, not lost with the thread
            failures.append(f"DICOM peer: {type(error).__name__}: {error}")
            return
        finally:
            assoc.release()


def test_every_callback_raising_keeps_orthanc_answering(quiet_orthanc: StartQuiet) -> None:
    server = quiet_orthanc(script("all_raising.py"))
    port = server.setup.http_port
    registered = Client(port).json("/registered")
    stop_at = time.monotonic() + SECONDS
    failures: list[str] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def http_worker(seed: int) -> None:
        rng = random.Random(seed)
        client = Client(port)
        while time.monotonic() < stop_at:
            pick = rng.random()
            try:
                if pick < 0.5:
                    kind = rng.choice(KINDS)
                    status, _ = client.request("GET", f"/raise/{kind}")
                    allowed = {500}
                elif pick < 0.6:
                    kind = "after-answer"
                    status, body = client.request("GET", "/raise/value-after-answer")
                    allowed = {200, 500}
                elif pick < 0.8:
                    kind = "filter"
                    status, _ = client.request("GET", "/system", headers={"X-Raise": "1"})
                    allowed = {403, 500}
                else:
                    kind = "upload"
                    status, body = client.request(
                        "POST", "/instances",
                        dicom_factory.make_dicom(patient_id=f"RAISE{rng.randrange(10)}",
                                                 rows=8, columns=8))
                    allowed = {200} if "RegisterReceivedInstanceCallback" not in registered \
                        else {200, 400, 500}
            except Exception as error:  # noqa: BLE001 - no answer at all: a failure
                with lock:
                    failures.append(f"{type(error).__name__}: {error}")
                if server.returncode is not None:
                    return
                continue
            with lock:
                outcomes[f"{kind} {status}"] += 1
                if status not in allowed:
                    failures.append(f"{kind}: HTTP {status}")
        client.close()

    threads = [threading.Thread(target=http_worker, args=(seed,)) for seed in range(HTTP_CLIENTS)]
    threads.append(threading.Thread(target=_dicom_peer, args=(server.dicom_port, server.aet,
                                                              stop_at, outcomes, failures)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    print(f"\nraising callbacks: {registered}\noutcomes: {dict(sorted(outcomes.items()))}")
    assert server.returncode is None, "Orthanc exited"
    assert failures == [], failures[:10]
    client = Client(port)
    status, body = client.request("GET", "/system")
    assert status == 200 and json.loads(body)["Name"]
    assert client.request("GET", "/raise/systemexit")[0] == 500  # still there
    assert sum(n for key, n in outcomes.items() if key.startswith("echo")) > 0
    log = server.log_text()
    # Every request answered 500 was a callback that raised: each one logged
    # its traceback (the uploads' and the filter's too).
    answered_500 = sum(n for key, n in outcomes.items() if key.endswith(" 500"))
    assert answered_500 > 0
    assert python_tracebacks(log) >= answered_500, (python_tracebacks(log), answered_500)
    # A raising received-instance callback rejects uploads before the
    # stored-instance callback could run.
    upload_callback = ("RegisterReceivedInstanceCallback#0 raised"
                       if "RegisterReceivedInstanceCallback" in registered
                       else "OnStoredInstance raised on purpose")
    for name in ("OnChange raised on purpose", upload_callback, "the filter raised",
                 "RecursionError", "MemoryError", "SystemExit", "BadStr"):
        assert name in log, name


# Orthanc's HTTP threads have 100 KiB stacks (Debian's civetweb): C recursion
# within Python's recursion limit overflows them (SIGSEGV with the upstream
# plugin); ours runs the callbacks of those threads (REST, HTTP filter,
# stored instance) on an 8 MiB stack (src/PythonStack.h).
def test_deep_c_recursion_in_http_thread_callbacks(quiet_orthanc: StartQuiet) -> None:
    server = quiet_orthanc(script("deep_recursion.py"))
    client = Client(server.setup.http_port)
    try:
        upload = client.request("POST", "/instances", dicom_factory.make_dicom(patient_id="DEEP"),
                                {"x-deep": "1"})
        status, body = client.request("GET", "/deep/json")
    except OSError:
        server.terminate()  # dead already; the failure is reported here
        pytest.fail(f"json.dumps of nested lists crashed Orthanc (code {server.returncode})",
                    pytrace=False)
    assert upload[0] == 200
    assert status == 200
    assert json.loads(body) == {"filter": "RecursionError", "stored": "RecursionError",
                                "rest": "RecursionError"}
