"""Sample 'Forbid or allow access to REST resources (authorization)'."""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from orthanc_packaging.ports import free_port
from orthanc_server import StartOrthanc, load_script


def test_filter_sample_allows_and_logs(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("http_filter.py"))
    r = server.get("/system", params={"x": "1"}, headers={"X-Who": "tester"})
    assert r.status_code == 200
    assert r.json()["Version"]
    log = server.wait_for_log(r"User trying to access URI: /system", count=2)
    assert "'ip': '127.0.0.1'" in log
    assert "'x-who': 'tester'" in log
    assert "'get': {'x': '1'}" in log


FORBID_ONE_URI = """\
import orthanc

def Filter(uri, **request):
    print('Filtering %s' % uri)
    return uri != '/patients'

orthanc.RegisterIncomingHttpRequestFilter(Filter)
"""


def test_filter_returning_false_forbids(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(FORBID_ONE_URI)
    assert server.get("/patients").status_code == 403
    assert server.get("/studies").status_code == 200
    assert server.get("/patients").status_code == 403
    server.wait_for_log(r"Filtering /patients", count=2)


class _AuthorizationService:
    """The remote authorization Web service of the sample (Node.js in the Book)."""

    def __init__(self, forbidden_uri: str) -> None:
        self.port = free_port()
        self.requests: list[dict[str, Any]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                service.requests.append({"path": self.path, "body": body})
                answer = json.dumps({"granted": body["uri"] != forbidden_uri}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _AuthorizationService:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def authorization_service() -> Generator[_AuthorizationService, None, None]:
    with _AuthorizationService(forbidden_uri="/patients") as service:
        yield service


def test_remote_authorization_with_requests(orthanc_server: StartOrthanc,
                                            authorization_service: _AuthorizationService) -> None:
    script = load_script("http_filter_remote.py", {
        "http://localhost:8000/authorize":
            f"http://127.0.0.1:{authorization_service.port}/authorize",
    })
    server = orthanc_server(script)

    assert server.get("/studies", headers={"X-Token": "abc"}).status_code == 200
    assert server.get("/patients").status_code == 403

    seen = [entry for entry in authorization_service.requests
            if entry["body"]["uri"] == "/studies"]
    assert seen, authorization_service.requests
    assert seen[-1]["path"] == "/authorize"
    assert seen[-1]["body"]["headers"]["x-token"] == "abc"
    assert any(entry["body"]["uri"] == "/patients" for entry in authorization_service.requests)
