# Fuzzing target (tests/reliability/test_fuzz.py): POST /fuzz/call runs one
# function of the `orthanc` module, or one method of one of its classes, with
# the arguments the test sends (JSON, decoded below), and answers what
# happened.  The call runs in a REST callback, as in real scripts.
import base64
import json
import re
import resource

import orthanc

# Huge sizes must fail (MemoryError, OrthancException) rather than take the
# machine's memory: cap the address space of this Orthanc.
LIMIT = 8 << 30
resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

# Not fuzzed: network clients (random URLs may wait for timeouts), the file
# system (random paths, as root), and registrations of callables (a random
# route regex could take over every URI, this one included).
SKIPPED_PREFIXES = ("Http", "CallHttp", "ChunkedHttp", "CallPeer")
SKIPPED = {"ReadFile", "WriteFile"}
DANGEROUS_URIS = ("tools/reset", "tools/shutdown")

state = {"stale_output": None, "sample": None, "calls": 0}


def parameters(function, self_type=None):
    """[(name, type)] from the docstring's "Args:" section ("uri (str): ...")."""
    found = [("self", self_type)] if self_type else []
    doc = getattr(function, "__doc__", None) or ""
    if "Args:" in doc:
        section = doc.split("Args:", 1)[1].split("Returns:", 1)[0]
        found += re.findall(r"^\s+(\w+) \(([^)]*)\):", section, re.M)
    return found


def targets():
    found = {}
    for name in sorted(dir(orthanc)):
        if name.startswith("_"):
            continue
        value = getattr(orthanc, name)
        if isinstance(value, type):
            for method in sorted(vars(value)):
                member = getattr(value, method)
                if not method.startswith("_") and callable(member):
                    found["%s.%s" % (name, method)] = parameters(member, name)
        elif callable(value):
            found[name] = parameters(value)
    return {name: params for name, params in found.items()
            if not name.startswith(SKIPPED_PREFIXES) and name not in SKIPPED}


TARGETS = targets()


def special(name):
    if name == "image":
        return orthanc.CreateImage(orthanc.PixelFormat.RGB24, 4, 3)
    if name == "gray_image":
        return orthanc.CreateImage(orthanc.PixelFormat.GRAYSCALE16, 3, 4)
    if name == "dicom_instance":
        return orthanc.CreateDicomInstance(state["sample"])
    if name == "dicom_bytes":
        return state["sample"]
    if name == "stale_output":  # a RestOutput whose request is over
        return state["stale_output"]
    if name == "callable":
        return lambda *args, **kwargs: None
    if name == "object":
        return object()
    if name == "module":
        return orthanc
    if name == "enum":
        return orthanc.PixelFormat.RGB24
    if name == "exception":
        return orthanc.OrthancException(1, "x")
    raise ValueError("unknown special value " + name)


def decode(value):
    kind, payload = value["t"], value.get("v")
    if kind == "none":
        return None
    if kind in ("bool", "str"):
        return payload
    if kind == "int":
        return int(payload)
    if kind == "float":
        return float(payload)
    if kind == "bytes":
        return base64.b64decode(payload)
    if kind == "list":
        return [decode(item) for item in payload]
    if kind == "tuple":
        return tuple(decode(item) for item in payload)
    if kind == "dict":
        return {key: decode(item) for key, item in payload.items()}
    if kind == "special":
        return special(payload)
    raise ValueError("unknown kind " + kind)


def refuse(target, args):
    flat = []

    def walk(item):
        flat.append(item)
        if isinstance(item, (list, tuple)):
            for child in item:
                walk(child)
        elif isinstance(item, dict):
            for child in item.values():
                walk(child)

    for arg in args:
        walk(arg)
    if target.startswith("Register") and any(callable(item) for item in flat):
        return "registers a callable"
    if any(isinstance(item, str) and any(uri in item for uri in DANGEROUS_URIS) for item in flat):
        return "would stop or reset Orthanc"
    return None


def resolve(target):
    if "." in target:
        cls, method = target.split(".", 1)
        return getattr(getattr(orthanc, cls), method)
    return getattr(orthanc, target)


def call(output, uri, **request):
    state["calls"] += 1
    query = json.loads(request["body"])
    target = query["target"]
    if target not in TARGETS:
        output.SendHttpStatusCode(404)
        return
    try:
        args = [decode(arg) for arg in query["args"]]
        kwargs = {key: decode(arg) for key, arg in query.get("kwargs", {}).items()}
    except Exception as error:  # the special values may fail to build
        answer = {"outcome": "setup", "type": type(error).__name__, "message": str(error)}
        output.AnswerBuffer(json.dumps(answer), "application/json")
        return
    reason = refuse(target, args + list(kwargs.values()))
    if reason:
        answer = {"outcome": "skipped", "reason": reason}
    else:
        try:
            result = resolve(target)(*args, **kwargs)
            answer = {"outcome": "returned", "type": type(result).__name__}
        except BaseException as error:
            answer = {"outcome": "raised", "type": type(error).__name__,
                      "module": type(error).__module__,
                      "is_exception": isinstance(error, Exception),
                      "message": repr(error)[:300]}
        del args, kwargs
    state["stale_output"] = output
    output.AnswerBuffer(json.dumps(answer), "application/json")


def setup(output, uri, **request):
    state["sample"] = request["body"]
    output.AnswerBuffer(json.dumps(TARGETS), "application/json")


def stats(output, uri, **request):
    output.AnswerBuffer(json.dumps({"calls": state["calls"]}), "application/json")


orthanc.RegisterRestCallback("/fuzz/call", call)
orthanc.RegisterRestCallback("/fuzz/setup", setup)
orthanc.RegisterRestCallback("/fuzz/stats", stats)
