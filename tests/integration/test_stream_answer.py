"""Streamed answers (Orthanc 1.12.6 and later): a REST route answers in chunks
with RestOutput.StartStreamAnswer and SendStreamChunk, and the client reads
the first chunk while the route is still running.

The route sends its first chunk, then waits until the client, having read
that chunk, calls a second route; only then does it send the last chunk.
Were the answer buffered until the route returned, the client could not
read the first chunk in time and the route would say it gave up waiting."""

from __future__ import annotations

import re

import pytest
import requests
from orthanc_server import StartOrthanc

NEEDED = (1, 12, 6)

SCRIPT = """\
import threading
import orthanc

client_read_first_chunk = threading.Event()

def OnStream(output, uri, **request):
    output.StartStreamAnswer('text/plain')
    output.SendStreamChunk(b'first;')
    seen = client_read_first_chunk.wait(20)
    output.SendStreamChunk(b'second:' + (b'after the client read the first' if seen else b'gave up waiting'))

def OnSignal(output, uri, **request):
    client_read_first_chunk.set()
    output.AnswerBuffer(b'ok', 'text/plain')

orthanc.RegisterRestCallback('/stream', OnStream)
orthanc.RegisterRestCallback('/stream-signal', OnSignal)
"""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_chunks_reach_the_client_while_the_route_runs(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(SCRIPT)
    version = server.get("/system").json()["Version"]
    description = server.get("/plugins/python").json()["Description"]
    sdk = re.search(r"built against the Orthanc SDK ([0-9.]+)", description)
    assert sdk, description
    if (version != "mainline" and _version(version) < NEEDED) or _version(sdk.group(1)) < NEEDED:
        pytest.skip(f"needs Orthanc and an SDK 1.12.6 or newer (this Orthanc {version}, SDK {sdk.group(1)})")

    # identity: a compressed answer would be buffered whole before it is sent
    with requests.get(f"{server.url}/stream", stream=True, timeout=60,
                      headers={"Accept-Encoding": "identity"}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        # Exactly the first chunk's bytes: returns as soon as they arrived,
        # whether Orthanc frames the stream in HTTP chunks or not.
        first = response.raw.read(len(b"first;"))
        assert first == b"first;"
        assert server.get("/stream-signal").text == "ok"
        rest = response.raw.read()
    assert rest == b"second:after the client read the first"
    assert server.get("/system").status_code == 200


FAILING_SCRIPT = """\
import orthanc

def OnStream(output, uri, **request):
    output.StartStreamAnswer('text/plain')
    output.SendStreamChunk(b'partial;')
    raise RuntimeError('the stream broke')

def OnMultipart(output, uri, **request):
    output.StartMultipartAnswer('mixed', 'text/plain')
    output.SendMultipartItem(b'item-1')
    raise RuntimeError('the multipart answer broke')

orthanc.RegisterRestCallback('/broken-stream', OnStream)
orthanc.RegisterRestCallback('/broken-multipart', OnMultipart)
"""


def test_a_multipart_answer_broken_midway_is_a_500(orthanc_server: StartOrthanc) -> None:
    """Orthanc sends a multipart answer once the callback returned: a raise
    midway becomes a 500, never a complete-looking answer."""
    server = orthanc_server(FAILING_SCRIPT)
    response = server.get("/broken-multipart")
    assert response.status_code == 500
    assert b"item-1" not in response.content
    assert "the multipart answer broke" in server.log_text()
    assert server.get("/system").status_code == 200


def test_a_stream_broken_midway_is_logged_and_the_server_stays_up(orthanc_server: StartOrthanc) -> None:
    """A streamed answer is on the wire as it is sent: once started, its
    status cannot become an error, and Orthanc (1.12.6 to 1.13.0) ends it by
    closing the connection, unframed, so a client cannot tell it was cut short.
    What the plugin can do: report the exception in Orthanc's log, naming the
    route, and keep serving (README: callbacks)."""
    server = orthanc_server(FAILING_SCRIPT)
    version = server.get("/system").json()["Version"]
    if version != "mainline" and _version(version) < NEEDED:
        pytest.skip(f"streamed answers need Orthanc 1.12.6 or newer (this Orthanc {version})")
    with requests.get(f"{server.url}/broken-stream", stream=True, timeout=60,
                      headers={"Accept-Encoding": "identity"}) as response:
        assert response.status_code == 200  # sent with the first chunk
        assert response.raw.read() == b"partial;"
    log = server.log_text()
    assert "the stream broke" in log and "RuntimeError" in log
    assert server.get("/system").status_code == 200
