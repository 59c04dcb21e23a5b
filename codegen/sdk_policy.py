"""What the generator knows of particular SDK types and functions beyond their
declarations: the types it recognises, the answers a REST output defers, the
handles a call takes over, and the oldest Orthanc the plugin runs in."""

from __future__ import annotations

from typing import Dict, Iterable, List, Mapping

from . import bindings as b
from . import model as m

CONTEXT_TYPE = "OrthancPluginContext"
# The oldest Orthanc the plugin runs in, whatever SDK header it is built with:
# a function that a newer Orthanc brought checks the running Orthanc first.
MINIMAL_ORTHANC = "1.10.0"
ERROR_CODE_TYPE = "OrthancPluginErrorCode"
MEMORY_BUFFER_TYPES = {
    "OrthancPluginMemoryBuffer": b.ResultKind.MEMORY_BUFFER,
    "OrthancPluginMemoryBuffer64": b.ResultKind.MEMORY_BUFFER64,
}

# The REST answers that src/DeferredAnswer.h may send after the callable
# returns (one GIL hand-off less per request); every other call on the
# output sends a deferred answer first.
DEFERRED_ANSWERS = {"OrthancPluginAnswerBuffer"}
REST_OUTPUT_TYPE = "OrthancPluginRestOutput"
# The calls on a REST output that prepare an answer without giving one.
NOT_AN_ANSWER = {"OrthancPluginSetCookie", "OrthancPluginSetHttpHeader", "OrthancPluginSetHttpErrorDetails"}

# Where the upstream plugin returns the error code before the outputs, scripts
# unpack that tuple: the same shape keeps them running.
RESULT_CODE_FIRST = {"OrthancPluginSetStableStatus"}

# SDK functions that take over a handle given to them: the Python wrapper is
# invalidated after the call so that tp_dealloc does not free it a second time.
HANDLE_CONSUMERS: Dict[str, str] = {
    # "Orthanc will take care of freeing it" (OrthancPluginSubmitJob's doc).
    "OrthancPluginSubmitJob": "job",
}


def since(known: Mapping[str, m.Function], sdk_names: Iterable[str]) -> List[int]:
    """The newest release that brought one of `sdk_names`, when newer than MINIMAL_ORTHANC."""
    versions = [known[n].since for n in sdk_names if n in known and known[n].since]
    newest = max(versions, key=m.version_key, default="")
    if not newest or m.version_key(newest) <= m.version_key(MINIMAL_ORTHANC):
        return []
    return list(m.version_key(newest))
