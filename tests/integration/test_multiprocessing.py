"""Samples of 'Performance and concurrency': slave processes and the REST API token."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from orthanc_packaging.dicom_factory import make_dataset, orthanc_instance_id, to_bytes
from orthanc_packaging.ports import free_port
from orthanc_server import OrthancServer, StartOrthanc, live_children, load_script, process_alive

# The Book's loop takes about 4 s; 30 times fewer outer iterations keep the test quick.
SHORTER_LOOP = {"for i in range(1000):": "for i in range(30):"}
ANSWER = re.compile(r"computation done in \d+\.\d{3} seconds\n")


def _call_concurrently(server: OrthancServer, path: str, count: int) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: requests.get(server.url + path, timeout=60),
                             range(count)))


def test_slow_computation_in_the_plugin(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("slow_computation.py", SHORTER_LOOP))
    r = server.get("/computation")
    assert r.status_code == 200
    assert ANSWER.fullmatch(r.text), r.text


def test_computation_offloaded_to_pool(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("multiprocessing_pool.py", SHORTER_LOOP))
    workers = live_children(server.process.pid)
    assert len(workers) >= 4, "multiprocessing.Pool(4) should have forked 4 workers"

    answers = _call_concurrently(server, "/computation", 3)
    for r in answers:
        assert r.status_code == 200
        assert ANSWER.fullmatch(r.text), r.text

    assert server.stop() == 0
    deadline = time.monotonic() + 10
    while any(process_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_alive(pid) for pid in workers), "pool workers outlived Orthanc"


def test_dicom_parsed_in_slave_process(orthanc_server: StartOrthanc) -> None:
    ds = make_dataset(patient_id="OFFLOADED")
    instance_id = orthanc_instance_id(ds)
    server = orthanc_server(load_script("multiprocessing_dicom.py", {
        "19816330-cb02e1cf-df3a8fe8-bf510623-ccefe9f5": instance_id,
    }))
    assert server.upload(to_bytes(ds))["ID"] == instance_id

    r = server.get("/computation")
    assert r.status_code == 200
    # pydicom 3 prints "(0010,0020)", pydicom 2 (the last for Python 3.8) "(0010, 0020)".
    assert re.search(r"\(0010, ?0020\) Patient ID", r.text)
    assert "OFFLOADED" in r.text


def test_rest_api_token_used_by_slave_process(orthanc_server: StartOrthanc) -> None:
    port = free_port()
    server = orthanc_server(
        load_script("rest_api_token.py", {"http://localhost:8042": f"http://127.0.0.1:{port}"}),
        {"HttpPort": port, "AuthenticationEnabled": True,
         "RegisteredUsers": {"alice": "wonderland"}},
    )
    assert server.get("/instances").status_code == 401
    assert server.get("/computation").status_code == 401

    server.session.auth = ("alice", "wonderland")
    instance_id = server.upload(to_bytes(make_dataset()))["ID"]

    r = server.get("/computation")
    assert r.status_code == 200, r.text
    # The slave read /instances with the token only (no user credentials).
    assert json.loads(r.text) == [instance_id]
