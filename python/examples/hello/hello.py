"""An example script: a REST route, a change callback and logging."""

import logging

import orthanc

log = logging.getLogger("hello")


def Hello(output, uri, **request):
    name = request.get("get", {}).get("name", "world")
    output.AnswerBuffer(f"Hello, {name}!", "text/plain")


def OnChange(change, level, resource):
    if change == orthanc.ChangeType.NEW_INSTANCE:
        log.warning("new instance %s", resource)


orthanc.RegisterRestCallback("/hello", Hello)
orthanc.RegisterOnChangeCallback(OnChange)
