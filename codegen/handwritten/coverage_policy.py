"""How the coverage report counts the SDK functions that no generated or
hand-written function wraps: reachable all the same, or left out on purpose."""

from __future__ import annotations

from typing import Dict

from .entry import SDK_PREFIX as _P

# SDK functions that no Python function calls directly, but that every call
# of some Python functions uses: they count as reachable.
INTERNAL: Dict[str, str] = {
    _P + "FreeString": "called by the wrappers that return a str allocated by Orthanc",
    _P + "FreeMemoryBuffer": "called by the wrappers that return bytes allocated by Orthanc",
    _P + "FreeMemoryBuffer64": "called by the wrappers that return bytes allocated by Orthanc",
}

# SDK functions deliberately left out, with the reason the coverage report gives.
NOT_WRAPPED: Dict[str, str] = {
    _P + "RegisterDatabaseBackendV4":
        "deliberately not wrapped: a database back-end (index) serves every request of Orthanc "
        "through a protobuf protocol at C speed; writing one in Python makes no sense (use a "
        "database plugin such as PostgreSQL or ODBC)",
}
