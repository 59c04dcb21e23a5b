"""Parity with the upstream plugin, releases 4.0 (Orthanc 1.10.1) and 7.1
(Orthanc 1.13.0): every module function, class, method and enumeration value
of its `orthanc` module exists in ours, with the same value for the
enumerations (references: their surfaces dumped to upstream-<release>-api.json)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import run_settings
from orthanc_server import StartOrthanc

REFERENCES = Path(os.environ.get("ORTHANC_UPSTREAM_API_DIR", run_settings.REPO_ROOT.parent / "shared" / "reference"))

# Per upstream release: the SDK header its surface needs (the names a header
# lacks are left out of our module), and the size of its surface (functions,
# classes, methods, numbers: module loader and inherited exception members included).
UPSTREAM = {
    "4.0": ("1.10.1", (77, 36, 67, 236)),
    "7.1": ("1.12.10", (105, 46, 73, 269)),
}

# Dumps the module as the reference does: functions by name; for each class,
# its public members, "method" for routines and the value for numbers.
DUMP_SCRIPT = """\
import inspect
import json
import numbers
import orthanc

def Dump():
    functions = []
    classes = {}
    for (name, obj) in inspect.getmembers(orthanc):
        if inspect.isroutine(obj):
            functions.append(name)
        elif inspect.isclass(obj):
            members = {}
            for (subname, subobj) in inspect.getmembers(obj):
                if subname.startswith('_'):
                    continue
                if isinstance(subobj, numbers.Number):
                    members[subname] = subobj
                elif inspect.isroutine(subobj):
                    members[subname] = 'method'
            classes[name] = members
    return {'functions': functions, 'classes': classes}

def OnRest(output, uri, **request):
    output.AnswerBuffer(json.dumps(Dump()), 'application/json')

orthanc.RegisterRestCallback('/api-surface', OnRest)
"""


def _surface(data: dict[str, Any]) -> dict[str, Any]:
    """Names of the reference format: 'Function', 'Class', 'Class.member' (with the value)."""
    names: dict[str, Any] = {f: "function" for f in data["functions"]}
    for cls, members in data["classes"].items():
        if cls == "__loader__":
            continue  # the module's loader, an implementation detail of upstream
        names[cls] = "class"
        for member, value in members.items():
            names[f"{cls}.{member}"] = value
    return names


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@pytest.mark.parametrize("release", sorted(UPSTREAM))
def test_every_upstream_name_exists_in_ours(orthanc_server: StartOrthanc, release: str) -> None:
    path = REFERENCES / f"upstream-{release}-api.json"
    if not path.is_file():
        pytest.skip(f"reference {path} not available")
    reference = json.loads(path.read_text(encoding="utf-8"))
    needed_sdk, expected_counts = UPSTREAM[release]
    classes = reference["classes"]
    counts = (len(reference["functions"]), len(classes),
              sum(1 for m in classes.values() for v in m.values() if v == "method"),
              sum(1 for m in classes.values() for v in m.values() if v != "method"))
    assert counts == expected_counts, counts
    server = orthanc_server(DUMP_SCRIPT)
    description = server.get("/plugins/python").json()["Description"]
    sdk = re.search(r"built against the Orthanc SDK ([0-9.]+)", description)
    assert sdk, description
    if _version(sdk.group(1)) < _version(needed_sdk):
        pytest.skip(f"the plugin under test is built against SDK {sdk.group(1)}; upstream {release}'s "
                    f"surface needs SDK {needed_sdk} or newer")
    r = server.get("/api-surface")
    assert r.status_code == 200, r.text
    ours = r.json()

    # What every exception inherits (add_note, with_traceback) depends on the
    # Python version, not on the plugin.
    inherited = {name for name, kind in ours["classes"]["OrthancException"].items() if kind == "method"}
    inherited |= {name for name, kind in reference["classes"].get("OrthancException", {}).items()
                  if hasattr(BaseException, name)}
    for data in (ours, reference):
        data["classes"]["OrthancException"] = {
            k: v for k, v in data["classes"].get("OrthancException", {}).items() if k not in inherited}

    expected = _surface(reference)
    actual = _surface(ours)
    missing = sorted(name for name in expected if name not in actual)
    different = sorted(f"{name}: upstream {expected[name]!r}, ours {actual[name]!r}"
                       for name in expected if name in actual and actual[name] != expected[name])
    extra = sorted(name for name in actual if name not in expected)
    print(f"\nupstream names: {len(expected)}, ours: {len(actual)}, missing: {len(missing)}, "
          f"extra (ours only): {len(extra)}")
    assert not missing, "missing in ours:\n  " + "\n  ".join(missing)
    assert not different, "different:\n  " + "\n  ".join(different)



def test_error_code_enumeration_is_complete(orthanc_server: StartOrthanc) -> None:
    """orthanc.ErrorCode has every value of OrthancPluginErrorCode, and each
    description matches the one Orthanc gives for the code."""
    header = run_settings.sdk_header()  # the one the plugin was built with
    if not header.is_file():
        pytest.skip(f"the plugin's SDK header {header} is missing")
    import re
    codes = {int(v) for v in re.findall(r"OrthancPluginErrorCode_\w+\s*=\s*(-?\d+)", header.read_text())}
    server = orthanc_server(
        "import json, orthanc\n"
        "def OnRest(output, uri, **request):\n"
        "    values = {name: getattr(orthanc.ErrorCode, name) for name in dir(orthanc.ErrorCode)"
        " if not name.startswith('_')}\n"
        "    output.AnswerBuffer(json.dumps(values), 'application/json')\n"
        "orthanc.RegisterRestCallback('/error-codes', OnRest)\n")
    values = server.get("/error-codes").json()
    assert set(values.values()) == codes
    assert values["UNKNOWN_RESOURCE"] == 17 and values["INTERNAL_ERROR"] == -1
