"""Two Orthanc containers of the image on one PostgreSQL server and one
storage volume, each running tests/docker/two_nodes/recorder.py.

A client uploads UPLOADS files spread over both nodes; one node is
`docker kill`ed in the middle and started again. Afterwards every
acknowledged upload is stored once and recorded once, both nodes answer and
neither log holds a traceback. Where the database keeps queues, the
recording goes through one, and what the killed node had reserved is taken
over by the other one.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import threading
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import containers
import pytest
from orthanc_packaging.dicom_factory import make_dataset, to_bytes

UPLOADS = 200
KILL_AFTER = UPLOADS // 2  # acknowledged uploads before the kill
CLIENTS = 4
PATIENTS = 20  # uploads share patients and studies: both nodes write the same rows
RECORDER = Path(__file__).resolve().parent / "two_nodes" / "recorder.py"
PG_PASSWORD = "two-nodes-secret"
AUTH = containers.DEFAULT_AUTH


@dataclass
class Cluster:
    network: str
    postgresql: str
    volume: str
    nodes: dict[str, containers.Container] = field(default_factory=dict)


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout:.0f}s")
        time.sleep(0.5)


@pytest.fixture
def cluster(image: str, run_container: containers.RunContainer, shared_dir: Path,
            tmp_path: Path) -> Iterator[Cluster]:
    postgresql_image = os.environ.get("ORTHANC_DOCKER_POSTGRESQL_IMAGE", "")
    if not postgresql_image:
        pytest.skip("ORTHANC_DOCKER_POSTGRESQL_IMAGE is not set (nox -s docker builds it)")
    name = containers.unique_name("orthanc-python-two-nodes")
    containers.docker("network", "create", name)
    containers.docker("volume", "create", name)
    pg = containers.docker("run", "-d", "--name", f"{name}-pg", "--network", name,
                           "-e", f"POSTGRES_PASSWORD={PG_PASSWORD}", postgresql_image).stdout.strip()
    made = Cluster(name, pg, name)
    try:
        wait_for(lambda: "ready to accept connections" in containers.docker("logs", pg).stderr,
                 60, "PostgreSQL is not ready")
        (shared_dir / "recorder.py").write_text(RECORDER.read_text())
        (shared_dir / "recorder.py").chmod(0o644)
        secrets = tmp_path / "secrets"
        secrets.mkdir(mode=0o755)
        (secrets / "pg-password").write_text(PG_PASSWORD + "\n")
        (secrets / "pg-password").chmod(0o644)
        for node in ("node-a", "node-b"):
            made.nodes[node] = run_container(image, files={"/scripts": str(shared_dir),
                                                           "/run/secrets": str(secrets)},
                                             env={
                "NODE_NAME": node,
                "ORTHANC__NAME": node,
                "ORTHANC__POSTGRESQL__HOST": f"{name}-pg",
                "ORTHANC__POSTGRESQL__PASSWORD_SECRET": "pg-password",
                "ORTHANC__DATABASE_SERVER_IDENTIFIER": node,
                "ORTHANC__USER_METADATA": '{"RecordedBy": 1024}',
                "ORTHANC__REGISTERED_USERS": json.dumps({AUTH[0]: AUTH[1]}),
            }, options=["--network", name, "-v", f"{name}:/var/lib/orthanc/db"], wait=False)
        for node in made.nodes.values():
            node.wait_ready(90)
            node.wait_for_log("recorder ", 60)
        yield made
    finally:
        for node in made.nodes.values():
            node.remove()
        containers.docker("rm", "-f", "-v", pg, check=False)
        containers.docker("volume", "rm", "-f", name, check=False)
        containers.docker("network", "rm", name, check=False)


@dataclass
class Client:
    """Uploads with retries: a failed upload is tried again on the other
    node, then on any, until acknowledged."""

    cluster: Cluster
    acknowledged: dict[int, str] = field(default_factory=dict)  # file number -> instance
    statuses: dict[str, int] = field(default_factory=dict)
    failed_attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def upload(self, number: int, data: bytes) -> None:
        names = sorted(self.cluster.nodes)
        for attempt in range(60):
            node = self.cluster.nodes[names[(number + attempt) % len(names)]]
            try:
                answer = node.request("/instances", data=data, method="POST", auth=AUTH, timeout=30)
            except (OSError, urllib.error.URLError):
                answer = None
            if answer is not None and answer.status == 200:
                status = answer.json()["Status"]
                with self.lock:
                    self.acknowledged[number] = answer.json()["ID"]
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                return
            with self.lock:
                self.failed_attempts += 1
            time.sleep(0.3)
        raise AssertionError(f"upload {number} never acknowledged")


def reserved_but_not_done(logs: str, node: str) -> set[str]:
    reserved = {ln.split()[-1] for ln in logs.splitlines() if f"recorder {node}: reserved " in ln}
    done = {ln.split()[-1] for ln in logs.splitlines() if f"recorder {node}: recorded " in ln}
    return reserved - done


@pytest.mark.smoke
def test_two_nodes_share_postgresql_and_survive_a_kill(cluster: Cluster) -> None:
    files = [to_bytes(make_dataset(patient_id=f"TWO{i % PATIENTS:02d}",
                                   study_uid=f"1.2.826.0.1.3680043.10.1234.{i % PATIENTS}"))
             for i in range(UPLOADS)]
    client = Client(cluster)
    victim = cluster.nodes["node-b"]
    killed = threading.Event()
    restarted = threading.Event()
    in_flight: set[str] = set()

    def kill_and_restart() -> None:
        wait_for(lambda: len(client.acknowledged) >= KILL_AFTER, 300, "uploads stalled")
        containers.docker("kill", victim.id)
        killed.set()
        in_flight.update(reserved_but_not_done(victim.logs(), "node-b"))
        time.sleep(2)
        containers.docker("start", victim.id)
        victim.wait_ready(90)
        restarted.set()

    start = time.monotonic()
    killer = threading.Thread(target=kill_and_restart, daemon=True)
    killer.start()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client.upload, range(UPLOADS), files))
    killer.join(120)
    upload_seconds = time.monotonic() - start
    assert killed.is_set() and restarted.is_set()

    a, b = cluster.nodes["node-a"], cluster.nodes["node-b"]
    # Both answer, and see the same database.
    stats = {}
    for node in (a, b):
        assert node.request("/system", auth=AUTH).status == 200
        stats[node.name] = node.request("/recorder", auth=AUTH).json()
    queues = stats[a.name]["queues"]
    if queues:
        # Values of the killed node come back after their release timeout.
        wait_for(lambda: a.request("/recorder", auth=AUTH).json()["queue_size"] == 0, 120,
                 "the queue did not drain")
    swept = a.request("/recorder/sweep", data=b"", method="POST", auth=AUTH).json()

    instances = set(a.request("/instances", auth=AUTH).json())
    assert instances == set(b.request("/instances", auth=AUTH).json())
    acknowledged = set(client.acknowledged.values())
    assert len(client.acknowledged) == UPLOADS
    # Stored once: one instance per file, each readable from both nodes.
    assert instances == acknowledged and len(instances) == UPLOADS
    for instance in sorted(instances)[:: UPLOADS // 20]:
        for node in (a, b):
            assert node.request(f"/instances/{instance}/file", auth=AUTH).status == 200
    # Recorded once: every instance has exactly one record, by one node.
    recorders: dict[str, int] = {}
    recorded_by: dict[str, str] = {}
    for instance in instances:
        answer = a.request(f"/instances/{instance}/metadata/RecordedBy", auth=AUTH)
        assert answer.status == 200, f"{instance} has no record"
        assert answer.text in ("node-a", "node-b"), answer.text
        recorded_by[instance] = answer.text
        recorders[answer.text] = recorders.get(answer.text, 0) + 1
    storage = containers.docker("run", "--rm", "-v", f"{cluster.volume}:/db", "--entrypoint", "sh",
                                os.environ["ORTHANC_DOCKER_IMAGE"], "-c",
                                "find /db -type f | wc -l").stdout.strip()
    # What the killed node had reserved and not finished: recorded by the other one.
    taken_over = {i for i in in_flight if recorded_by.get(i) == "node-a"}
    after = {n.name: n.request("/recorder", auth=AUTH).json() for n in (a, b)}
    figures = {
        "uploads": UPLOADS, "acknowledged": len(client.acknowledged), "statuses": client.statuses,
        "failed attempts (retried)": client.failed_attempts, "kills": 1,
        "instances": len(instances), "storage files": storage, "records by node": recorders,
        "swept at the end": len(swept), "queues": queues,
        "why no queues": stats[a.name]["why_no_queues"],
        "reserved by the killed node, unfinished": len(in_flight), "taken over": len(taken_over),
        "recorder stats": after, "upload seconds": round(upload_seconds, 1),
    }
    print("two-node figures:", json.dumps(figures, indent=1))
    report = Path(os.environ.get("ORTHANC_DOCKER_REPORT_DIR", "build/docker"))
    if report.is_dir():
        suite = os.environ.get("ORTHANC_DOCKER_SUITE", "image")
        (report / f"two-nodes-{suite}.json").write_text(json.dumps(figures, indent=1) + "\n")
    assert sum(recorders.values()) == UPLOADS
    for node in (a, b):
        logs = node.logs()
        assert "Traceback" not in logs, logs[-4000:]
    if queues:
        assert after[a.name]["acknowledged"] + after[b.name]["acknowledged"] >= UPLOADS - len(swept)
