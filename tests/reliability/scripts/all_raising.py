# Every callback raises (tests/reliability/test_raising.py): REST routes with
# many kinds of exceptions, the change and stored-instance callbacks, the
# HTTP filter (for requests carrying "X-Raise"), and whatever other callback
# this build of the plugin can register.
import json

import orthanc


class CustomError(Exception):
    pass


class BadStr(Exception):
    def __str__(self):
        raise RuntimeError("__str__ of the exception raises too")


class NotAnException(BaseException):
    pass


def recurse(n):
    return recurse(n + 1) + 1


RAISERS = {
    "value": lambda: int("not a number"),
    "custom": lambda: (_ for _ in ()).throw(CustomError("d\u00e9j\u00e0 vu \u2603 \udcff")),
    "badstr": lambda: (_ for _ in ()).throw(BadStr()),
    "systemexit": lambda: (_ for _ in ()).throw(SystemExit(3)),
    "keyboard": lambda: (_ for _ in ()).throw(KeyboardInterrupt()),
    "base": lambda: (_ for _ in ()).throw(NotAnException("base")),
    "recursion": lambda: recurse(0),
    "memory": lambda: bytearray(1 << 62),
    "zero": lambda: 1 / 0,
}


def make_route(kind):
    def route(output, uri, **request):
        if kind.endswith("-after-answer"):
            output.AnswerBuffer("answered", "text/plain")
            RAISERS[kind.split("-")[0]]()
        RAISERS[kind]()
    return route


def raising(name):
    def callback(*args, **kwargs):
        raise CustomError("%s raised on purpose" % name)
    return callback


def http_filter(uri, **request):
    if "x-raise" in request.get("headers", {}):
        raise SystemExit("the filter raised")
    return True


for kind in RAISERS:
    orthanc.RegisterRestCallback("/raise/" + kind, make_route(kind))
orthanc.RegisterRestCallback("/raise/value-after-answer", make_route("value-after-answer"))


orthanc.RegisterOnChangeCallback(raising("OnChange"))
orthanc.RegisterOnStoredInstanceCallback(raising("OnStoredInstance"))
orthanc.RegisterIncomingHttpRequestFilter(http_filter)

# Any other callback of this build: one to four raising callables.
DONE = {"RegisterRestCallback", "RegisterOnChangeCallback", "RegisterOnStoredInstanceCallback",
        "RegisterIncomingHttpRequestFilter"}
NOT_CALLBACKS = {"RegisterDictionaryTag", "RegisterPrivateDictionaryTag", "RegisterErrorCode",
                 # Would replace Orthanc's storage: every upload would fail before
                 # any other callback runs.
                 "RegisterStorageArea", "RegisterStorageArea2", "RegisterStorageArea3",
                 # Orthanc 1.12.9+: a raising authentication callback refuses every
                 # request (fail closed, tests/integration/test_fail_closed.py).
                 "RegisterHttpAuthentication"}
registered = sorted(DONE)
for name in sorted(dir(orthanc)):
    if not name.startswith("Register") or name in DONE | NOT_CALLBACKS:
        continue
    for count in range(1, 5):
        try:
            getattr(orthanc, name)(*[raising("%s#%d" % (name, i)) for i in range(count)])
        except TypeError:
            continue  # another number of callables
        except Exception as error:  # e.g. a second C-MOVE callback is refused
            orthanc.LogWarning("%s: %s" % (name, error))
            break
        registered.append(name)
        break
orthanc.LogWarning("raising callbacks registered: " + ", ".join(registered))


def registered_route(output, uri, **request):
    output.AnswerBuffer(json.dumps(registered), "application/json")


orthanc.RegisterRestCallback("/registered", registered_route)
