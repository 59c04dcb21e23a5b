"""The keyword arguments that REST callbacks and HTTP filters receive (as upstream)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from orthanc_server import StartOrthanc

DESCRIBE = """\
import json
import orthanc

SEEN_BY_FILTER = {}

def Describe(request):
    described = {}
    for (key, value) in request.items():
        if isinstance(value, bytes):
            shown = value.decode('latin-1')
        elif isinstance(value, tuple):
            shown = list(value)
        else:
            shown = value
        described[key] = [type(value).__name__, shown]
    return described

def Echo(output, uri, **request):
    answer = {'uri': uri, 'request': Describe(request)}
    output.AnswerBuffer(json.dumps(answer), 'application/json')

def Filter(uri, **request):
    if uri.startswith('/echo'):
        SEEN_BY_FILTER[request['method']] = Describe(request)
    return True

def FilterSeen(output, uri, **request):
    answer = {'methods': {'GET': orthanc.HttpMethod.GET, 'POST': orthanc.HttpMethod.POST,
                          'PUT': orthanc.HttpMethod.PUT, 'DELETE': orthanc.HttpMethod.DELETE},
              'seen': SEEN_BY_FILTER}
    output.AnswerBuffer(json.dumps(answer), 'application/json')

orthanc.RegisterRestCallback('/echo/(.*)/(.*)', Echo)
orthanc.RegisterRestCallback('/filter-seen', FilterSeen)
orthanc.RegisterIncomingHttpRequestFilter(Filter)
"""

HEADERS = {"X-Probe": "Value"}


def _types(described: dict[str, list[Any]]) -> dict[str, str]:
    return {key: value[0] for key, value in described.items()}


def test_rest_callback_keyword_arguments(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(DESCRIBE)

    got = server.get("/echo/a/b", params={"q": "1", "r": "two"}, headers=HEADERS).json()
    assert got["uri"] == "/echo/a/b"
    request = got["request"]
    assert _types(request) == {"method": "str", "groups": "tuple", "get": "dict",
                               "headers": "dict"}
    assert request["method"][1] == "GET"
    assert request["groups"][1] == ["a", "b"]
    assert request["get"][1] == {"q": "1", "r": "two"}
    assert request["headers"][1]["x-probe"] == "Value"

    for method in ("POST", "PUT"):
        body = b"\x00\x01 binary \xff"
        request = server.request(method, "/echo/c/d", data=body, headers=HEADERS).json()["request"]
        assert _types(request) == {"method": "str", "groups": "tuple", "headers": "dict",
                                   "body": "bytes"}, method
        assert request["method"][1] == method
        assert request["body"][1].encode("latin-1") == body
        assert request["headers"][1]["x-probe"] == "Value"

    request = server.delete("/echo/e/f").json()["request"]
    assert _types(request) == {"method": "str", "groups": "tuple", "headers": "dict"}
    assert request["method"][1] == "DELETE"
    assert request["groups"][1] == ["e", "f"]


def test_http_filter_keyword_arguments(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(DESCRIBE)
    server.get("/echo/a/b", params={"q": "1"}, headers=HEADERS)
    server.post("/echo/a/b", data=b"body", headers=HEADERS)

    answer = server.get("/filter-seen").json()
    methods = answer["methods"]
    assert methods == {"GET": 1, "POST": 2, "PUT": 3, "DELETE": 4}
    seen = answer["seen"]

    get = seen[str(methods["GET"])]
    assert _types(get) == {"method": "int", "ip": "str", "headers": "dict", "get": "dict"}
    assert get["ip"][1] == "127.0.0.1"
    assert get["get"][1] == {"q": "1"}
    assert get["headers"][1]["x-probe"] == "Value"

    post = seen[str(methods["POST"])]
    assert _types(post) == {"method": "int", "ip": "str", "headers": "dict"}
    assert post["headers"][1]["x-probe"] == "Value"


DIGEST = """\
import hashlib
import orthanc

def Digest(output, uri, **request):
    body = request['body']
    answer = '%s %d %s' % (type(body).__name__, len(body), hashlib.sha256(body).hexdigest())
    output.AnswerBuffer(answer, 'text/plain')

orthanc.RegisterRestCallback('/digest', Digest)
"""


def test_large_bodies_arrive_whole_as_bytes(orthanc_server: StartOrthanc) -> None:
    # Bodies from 256 KiB up are copied without the GIL, and from 4 MiB up into
    # memory advised for huge pages: sizes around those bounds, and odd ones.
    server = orthanc_server(DIGEST)
    for size in (256 << 10, (4 << 20) - 1, 4 << 20, (10 << 20) + 12345):
        body = os.urandom(size)
        for method in (server.post, server.put):
            answer = method("/digest", data=body)
            assert answer.status_code == 200
            assert answer.text == f"bytes {size} {hashlib.sha256(body).hexdigest()}", (size, method)
