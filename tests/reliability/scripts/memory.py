# Callbacks called 100k times (tests/reliability/test_memory.py): each one
# builds the request's dicts, reads them, answers; some call the REST API.
import json
import sys
import threading

import orthanc

lock = threading.Lock()
# "free_threaded": the test warms a free-threaded Python up longer (below).
calls = {"count": 0, "free_threaded": not getattr(sys, "_is_gil_enabled", lambda: True)()}


def count():
    with lock:
        calls["count"] += 1


def hello(output, uri, **request):
    count()
    assert request["method"] in ("GET", "POST")
    text = "%s %s %d %d" % (uri, request["groups"], len(request["headers"]),
                            len(request.get("get", {})))
    output.SetHttpHeader("X-Echo", text[:50])
    output.AnswerBuffer(text, "text/plain")


def echo(output, uri, **request):
    count()
    output.AnswerBuffer(request["body"], "application/octet-stream")


def nested(output, uri, **request):
    count()
    system = json.loads(orthanc.RestApiGet("/system"))
    try:
        orthanc.RestApiGet("/instances/missing")
    except orthanc.OrthancException:
        pass  # an exception object per call, too
    output.AnswerBuffer(system["Name"], "text/plain")


def stats(output, uri, **request):
    output.AnswerBuffer(json.dumps(calls), "application/json")


orthanc.RegisterRestCallback("/mem/hello/(.*)", hello)
orthanc.RegisterRestCallback("/mem/echo", echo)
orthanc.RegisterRestCallback("/mem/nested", nested)
orthanc.RegisterRestCallback("/mem/stats", stats)
