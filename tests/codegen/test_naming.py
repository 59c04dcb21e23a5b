"""naming.py and the enumerations: every upstream enum class and value, with its int value."""

from __future__ import annotations

import pytest

from codegen.naming import (
    python_class_name,
    python_enum_value_name,
    python_function_name,
    upper_snake,
)


@pytest.mark.parametrize(
    "camel, expected",
    [
        ("StableStudy", "STABLE_STUDY"),
        ("SQLiteNotOpened", "SQLITE_NOT_OPENED"),  # acronym glued to the next word
        ("NoCFindHandler", "NO_CFIND_HANDLER"),
        ("ReferencedSOPClassNotSupported", "REFERENCED_SOPCLASS_NOT_SUPPORTED"),
        ("RGB24", "RGB24"),  # digits stay with their word
        ("Grayscale16", "GRAYSCALE16"),
        ("ZlibWithSize", "ZLIB_WITH_SIZE"),
        ("AE", "AE"),
    ],
)
def test_upper_snake(camel, expected):
    assert upper_snake(camel) == expected


def test_names():
    assert python_function_name("OrthancPluginGetDicomForInstance") == "GetDicomForInstance"
    assert python_class_name("OrthancPluginDicomInstance") == "DicomInstance"
    assert python_enum_value_name("OrthancPluginChangeType", "OrthancPluginChangeType_StableStudy") == "STABLE_STUDY"


def _upstream_enums(upstream_api):
    return {
        name: members
        for name, members in upstream_api["classes"].items()
        if members and all(isinstance(v, int) for v in members.values())
    }


def test_every_upstream_enum_is_produced_with_the_same_values(real_plan, upstream_api):
    produced = {e.name: {m.name: m.value for m in e.members} for e in real_plan.enums}
    upstream = _upstream_enums(upstream_api)
    assert upstream, "no enumeration in the upstream reference"
    for name, members in upstream.items():
        assert name in produced, f"enum class {name} is missing"
        assert produced[name] == members, f"enum class {name} differs"
    # And nothing more: the same set of enum classes as upstream.
    assert sorted(produced) == sorted(upstream)


def test_internal_sentinels_are_skipped(real_plan, mini_plan):
    for plan in (real_plan, mini_plan):
        for enum in plan.enums:
            assert all(m.value != 0x7FFFFFFF for m in enum.members), enum.name
            assert not enum.name.startswith("_")
    assert [m.name for m in mini_plan.enums[0].members] == ["INTERNAL_ERROR", "SUCCESS", "SQLITE_NOT_OPENED"]
