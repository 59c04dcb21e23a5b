"""Python names of SDK entities, spelled as in the upstream plugin."""

from __future__ import annotations

import re

SDK_PREFIX = "OrthancPlugin"

# Underscores go only where a lower-case letter or a digit is followed by an
# upper-case letter: upstream keeps acronyms glued to the next word
# (SQLiteNotOpened -> SQLITE_NOT_OPENED, NoCFindHandler -> NO_CFIND_HANDLER,
# ReferencedSOPClassNotSupported -> REFERENCED_SOPCLASS_NOT_SUPPORTED).
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def strip_prefix(c_name: str) -> str:
    """OrthancPluginGetDicomForInstance -> GetDicomForInstance."""
    if c_name.startswith(SDK_PREFIX) and len(c_name) > len(SDK_PREFIX):
        return c_name[len(SDK_PREFIX):]
    return c_name


def python_function_name(c_name: str) -> str:
    return strip_prefix(c_name)


def python_method_name(c_name: str, class_name: str) -> tuple[str, str]:
    """(name, older name) of a method: upstream dropped, in its release 6.0, the class
    name that starts some method names (FindMatcher.FindMatcherIsMatch -> IsMatch); the
    older name stays for the scripts that use it ("" when the name did not change)."""
    name = strip_prefix(c_name)
    if class_name and name.startswith(class_name) and len(name) > len(class_name):
        return name[len(class_name):], name
    return name, ""


def python_class_name(c_type_name: str) -> str:
    """OrthancPluginDicomInstance -> DicomInstance, OrthancPluginChangeType -> ChangeType."""
    return strip_prefix(c_type_name)


def upper_snake(camel: str) -> str:
    return _WORD_BOUNDARY.sub("_", camel).upper()


def python_enum_value_name(enum_c_name: str, value_c_name: str) -> str:
    """OrthancPluginChangeType_StableStudy -> STABLE_STUDY."""
    prefix = enum_c_name + "_"
    if value_c_name.startswith(prefix):
        suffix = value_c_name[len(prefix):]
    else:
        suffix = value_c_name.rsplit("_", 1)[-1]
    return upper_snake(suffix)


def is_internal_sentinel(value_c_name: str) -> bool:
    """The `_OrthancPluginX_INTERNAL = 0x7fffffff` values that force 32-bit enums."""
    return value_c_name.endswith("_INTERNAL")
