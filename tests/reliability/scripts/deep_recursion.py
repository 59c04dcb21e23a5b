# C-level recursion as deep as Python's recursion limit lets it go, in the
# callbacks that run on Orthanc's HTTP threads (100 KiB stacks on Debian):
# each must end in RecursionError, not in a crash of Orthanc.
import json

import orthanc

outcomes = {}


def deep_json():
    nested = []
    for _ in range(100000):
        nested = [nested]
    return json.dumps(nested)


def attempt(where):
    try:
        deep_json()
        outcomes[where] = "no error"
    except RecursionError:
        outcomes[where] = "RecursionError"


def rest(output, uri, **request):
    attempt("rest")
    output.AnswerBuffer(json.dumps(outcomes), "application/json")


def http_filter(uri, **request):
    if "x-deep" in request.get("headers", {}):
        attempt("filter")
    return True


def on_stored(instance, instance_id):
    attempt("stored")


orthanc.RegisterRestCallback("/deep/json", rest)
orthanc.RegisterIncomingHttpRequestFilter(http_filter)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
