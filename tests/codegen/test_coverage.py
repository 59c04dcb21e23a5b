"""coverage.md / coverage.json: every SDK function exactly once, with its status."""

from __future__ import annotations

import json
import re

STATUS = re.compile(
    r"^(orthanc\.\w+(\.\w+)?|destructor of orthanc\.\w+|hand-written: orthanc\.\w+(\.\w+)?"
    r"|used by the wrappers|not wrapped)$"
)


def test_json_lists_every_function_once(real_outputs, real_module, real_plan):
    data = json.loads(real_outputs["coverage.json"])
    names = [entry["sdk_name"] for entry in data["functions"]]
    assert names == [f.name for f in real_module.functions]
    assert len(set(names)) == len(names) == data["total"] == 167
    for entry in data["functions"]:
        assert STATUS.match(entry["status"]), entry
        # A reason says why a function is not wrapped, or how the wrappers use it.
        assert bool(entry["reason"]) == (entry["status"] in ("not wrapped", "used by the wrappers")), entry
    wrapped = sum(1 for entry in data["functions"] if entry["status"] != "not wrapped")
    assert data["wrapped"] == wrapped == real_plan.wrapped_count
    # Every wrapper, destructor and hand-written function is accounted for.
    generated = len(real_plan.functions) + sum(len(c.methods) for c in real_plan.classes)
    destructors = sum(1 for c in real_plan.classes if c.destructor)
    handwritten = sum(1 for e in data["functions"] if e["status"].startswith("hand-written"))
    internal = sum(1 for e in data["functions"] if e["status"] == "used by the wrappers")
    assert wrapped == generated + destructors + handwritten + internal
    assert data["services"] == data["total"] - 1  # OrthancPluginGetName, the plugin's entry point


def test_markdown(real_outputs, real_module, real_plan):
    text = real_outputs["coverage.md"]
    plan = real_plan
    summary = f"Wrapped: {plan.wrapped_count} of {plan.total_count} SDK functions ({plan.wrapped_percent:.1f}%)"
    assert summary in text.splitlines()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(real_module.functions)
    for function in real_module.functions:
        assert sum(1 for row in rows if row.startswith(f"| `{function.name}` |")) == 1
    # SDK function | status | since | reason
    assert "| `OrthancPluginGetInstanceSize` | `orthanc.DicomInstance.GetInstanceSize` |  |  |" in rows
    assert "| `OrthancPluginFreeImage` | destructor of `orthanc.Image` |  |  |" in rows
    assert "| `OrthancPluginRegisterOnChangeCallback` | hand-written: `orthanc.RegisterOnChangeCallback` |  |  |" in rows
    assert "| `OrthancPluginRegisterWebDavCollection` | hand-written: `orthanc.RegisterWebDavCollection` | 1.10.1 |  |" in rows
    assert any(row.startswith("| `OrthancPluginGetName` | not wrapped |  | entry point") for row in rows)
    assert "entry points: `OrthancPluginGetName`" in text


def test_figures(real_plan):
    plan = real_plan
    print(f"\nWrapped: {plan.wrapped_count} of {plan.total_count} SDK functions ({plan.wrapped_percent:.1f}%)")
    print(f"Without the entry points: {plan.wrapped_count} of {plan.services_count} SDK services "
          f"({plan.services_percent:.1f}%)")
    assert real_plan.wrapped_percent >= 97.0  # nearly all of the SDK is reachable from Python
