"""docker/healthcheck.py against a local HTTP server playing Orthanc."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class FakeOrthanc:
    status: int = 200
    body: bytes = json.dumps({"Version": "1.10.1", "Name": "x"}).encode()
    headers: list[str | None] = field(default_factory=list)  # Authorization of each request
    port: int = 0


@pytest.fixture
def fake_orthanc() -> Iterator[FakeOrthanc]:
    fake = FakeOrthanc()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.headers.append(self.headers.get("Authorization"))
            status = fake.status if self.path == "/system" else 404
            self.send_response(status)
            self.end_headers()
            self.wfile.write(fake.body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield fake
    server.shutdown()
    server.server_close()


def test_orthanc_answering_is_healthy(healthcheck: types.ModuleType, fake_orthanc: FakeOrthanc) -> None:
    ok, message = healthcheck.probe({"HttpPort": fake_orthanc.port})
    assert ok and "Orthanc 1.10.1 answers" in message
    assert fake_orthanc.headers == [None]


def test_first_registered_user_logs_in(healthcheck: types.ModuleType, fake_orthanc: FakeOrthanc) -> None:
    ok, _ = healthcheck.probe({"HttpPort": fake_orthanc.port,
                               "RegisteredUsers": {"alice": "secret", "bob": "x"}})
    assert ok
    assert fake_orthanc.headers == ["Basic YWxpY2U6c2VjcmV0"]  # alice:secret


@pytest.mark.parametrize("status, healthy", [(401, True), (403, True), (500, False), (503, False)])
def test_status_codes(healthcheck: types.ModuleType, fake_orthanc: FakeOrthanc, status: int,
                      healthy: bool) -> None:
    fake_orthanc.status = status
    ok, message = healthcheck.probe({"HttpPort": fake_orthanc.port})
    assert (ok, str(status) in message) == (healthy, True)


def test_something_else_than_orthanc_is_unhealthy(healthcheck: types.ModuleType,
                                                  fake_orthanc: FakeOrthanc) -> None:
    fake_orthanc.body = b"<html>hello</html>"
    assert healthcheck.probe({"HttpPort": fake_orthanc.port})[0] is False


def test_nothing_listening_is_unhealthy(healthcheck: types.ModuleType) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ok, message = healthcheck.probe({"HttpPort": port}, timeout=2)
    assert ok is False and f":{port}/system" in message


def test_tls_configuration_probes_https(healthcheck: types.ModuleType) -> None:
    request, context = healthcheck.request_for({"HttpPort": 9443, "SslEnabled": True})
    assert request.full_url == "https://127.0.0.1:9443/system"
    assert context is not None and context.check_hostname is False


def test_missing_generated_config_means_defaults(healthcheck: types.ModuleType, tmp_path: Path) -> None:
    assert healthcheck.read_config(str(tmp_path / "none.json")) == {}
    request, _ = healthcheck.request_for({})
    assert request.full_url == "http://127.0.0.1:8042/system"
