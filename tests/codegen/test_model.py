"""model.py: the JSON dump of the model reloads to the same model."""

from __future__ import annotations

import json

from codegen.model import Module


def test_round_trip_real(real_module):
    text = real_module.to_json()
    again = Module.from_json(text)
    assert again == real_module
    assert again.to_json() == text


def test_round_trip_mini(mini_module):
    assert Module.from_json(mini_module.to_json()) == mini_module


def test_json_shape(real_module):
    data = json.loads(real_module.to_json())
    assert set(data) == {"header", "header_sha256", "sdk_version", "enums", "structs", "functions", "classes"}
    function = data["functions"][1]
    assert function["name"] == "OrthancPluginFreeString"
    assert function["params"][1] == {
        "name": "str",
        "type": {
            "spelling": "char *", "kind": "pointer", "name": "", "is_const": False, "bits": 0, "signed": False,
            "pointee": {
                "spelling": "char", "kind": "integer", "name": "char", "is_const": False, "bits": 8,
                "signed": True, "pointee": None,
            },
        },
    }


def test_model_json_is_written(real_outputs, real_module):
    assert Module.from_json(real_outputs["model.json"]) == real_module
