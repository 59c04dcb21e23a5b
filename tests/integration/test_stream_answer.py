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
