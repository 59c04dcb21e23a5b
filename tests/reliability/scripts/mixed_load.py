# Mixed load (tests/reliability/test_load.py): REST routes, nested REST calls
# (Python -> REST API -> Python), uploads with an OnStoredInstance callback,
# and change events whose callback calls the REST API too.
import json
import threading

import orthanc

lock = threading.Lock()
counts = {"stored": 0, "changes": 0, "new_instances": 0, "change_errors": 0}


def count(key, n=1):
    with lock:
        counts[key] += n


def hello(output, uri, **request):
    output.AnswerBuffer(b"hello", "text/plain")


def nested(output, uri, **request):
    inner = orthanc.RestApiGetAfterPlugins("/rel/hello")  # another Python route
    system = json.loads(orthanc.RestApiGet("/system"))  # a core route
    output.AnswerBuffer(json.dumps({"inner": inner.decode(), "name": system["Name"],
                                    "groups": list(request["groups"])}), "application/json")


def echo(output, uri, **request):
    if request["method"] != "POST":
        output.SendMethodNotAllowed("POST")
        return
    output.SetHttpHeader("X-Length", str(len(request["body"])))
    output.AnswerBuffer(request["body"], "application/octet-stream")


def stats(output, uri, **request):
    with lock:
        answer = json.dumps(counts)
    output.AnswerBuffer(answer, "application/json")


def on_stored(instance, instance_id):
    tags = json.loads(instance.GetInstanceSimplifiedJson())
    if not tags["PatientID"].startswith("LOAD") or instance.GetInstanceSize() <= 0:
        raise ValueError("unexpected instance %s" % instance_id)
    count("stored")


def on_change(change_type, level, resource_id):
    count("changes")
    if change_type == orthanc.ChangeType.NEW_INSTANCE:
        try:
            # The REST API from the change thread (no deadlock, no crash).
            json.loads(orthanc.RestApiGet("/instances/%s" % resource_id))
            count("new_instances")
        except Exception:
            count("change_errors")
            raise


orthanc.RegisterRestCallback("/rel/hello", hello)
orthanc.RegisterRestCallback("/rel/nested/(.*)", nested)
orthanc.RegisterRestCallback("/rel/echo", echo)
orthanc.RegisterRestCallback("/rel/stats", stats)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterOnChangeCallback(on_change)
