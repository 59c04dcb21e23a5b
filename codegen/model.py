"""The code model of the Orthanc plugin SDK header: what parse.py extracts.

Plain dataclasses, independent of libclang, so that the model can be dumped
to JSON (model.json), reloaded and classified without the parser.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import asdict, dataclass, field
from typing import Any, List, Optional, Type, TypeVar

# Values of CType.kind.
VOID = "void"
INTEGER = "integer"  # including char; see `bits` and `signed`
FLOAT = "float"
ENUM = "enum"
STRUCT = "struct"  # a complete struct (OrthancPluginMemoryBuffer, ...)
OPAQUE = "opaque"  # an incomplete struct: the target of a handle type
FUNCTION = "function"  # a function prototype (the pointee of a callback)
POINTER = "pointer"
OTHER = "other"


def version_key(version: str) -> tuple[int, ...]:
    """"1.12.10" -> (1, 12, 10), so that versions compare as numbers."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@dataclass
class CType:
    """A C type, reduced to what the classification needs."""

    spelling: str  # as clang prints it, e.g. "const OrthancPluginImage *"
    kind: str
    name: str = ""  # typedef or builtin name of named kinds: "uint32_t", "OrthancPluginChangeType"
    is_const: bool = False
    bits: int = 0  # integers and floats
    signed: bool = False  # integers
    pointee: Optional["CType"] = None  # pointers


    def is_pointer_to(self, kind: str, name: Optional[str] = None) -> bool:
        return (
            self.kind == POINTER
            and self.pointee is not None
            and self.pointee.kind == kind
            and (name is None or self.pointee.name == name)
        )


@dataclass
class ParamDoc:
    name: str
    text: str


@dataclass
class Doc:
    """A doxygen comment, split in the parts that docstrings use."""

    brief: str = ""
    details: List[str] = field(default_factory=list)  # paragraphs
    params: List[ParamDoc] = field(default_factory=list)
    returns: str = ""
    notes: List[str] = field(default_factory=list)  # @note and @warning paragraphs


    def param(self, name: str) -> str:
        for p in self.params:
            if p.name == name:
                return p.text
        return ""


@dataclass
class EnumValue:
    name: str  # C name, e.g. "OrthancPluginChangeType_StableStudy"
    value: int
    doc: str = ""


@dataclass
class Enum:
    name: str  # C typedef name, e.g. "OrthancPluginChangeType"
    doc: Doc
    values: List[EnumValue]
    line: int = 0


@dataclass
class Field:
    name: str
    type: CType
    doc: str = ""


@dataclass
class Struct:
    name: str  # C typedef name, e.g. "OrthancPluginMemoryBuffer"
    doc: Doc
    fields: List[Field]
    line: int = 0


@dataclass
class HandleType:
    """An opaque handle type (`typedef struct _OrthancPluginX_t OrthancPluginX;`)."""

    name: str  # C typedef name, e.g. "OrthancPluginDicomInstance"
    doc: Doc
    line: int = 0


@dataclass
class Param:
    name: str
    type: CType


@dataclass
class Function:
    name: str  # C name, e.g. "OrthancPluginGetInstanceSize"
    return_type: CType
    params: List[Param]
    doc: Doc
    # False for the entry points that the header only declares, for the
    # plugin to implement (OrthancPluginGetName): they are not SDK services.
    is_inline: bool = True
    line: int = 0
    since: str = ""  # the Orthanc release that brought it ("1.12.8"); "" when older than the header says
    deprecated: bool = False  # ORTHANC_PLUGIN_DEPRECATED


@dataclass
class Module:
    """Everything read from one OrthancCPlugin.h."""

    header: str  # file name, for messages (not the full path: the model must not depend on it)
    header_sha256: str
    sdk_version: str  # from the ORTHANC_PLUGINS_MINIMAL_*_NUMBER macros, e.g. "1.10.1"
    enums: List[Enum] = field(default_factory=list)
    structs: List[Struct] = field(default_factory=list)
    functions: List[Function] = field(default_factory=list)
    classes: List[HandleType] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=False) + "\n"

    @staticmethod
    def from_json(text: str) -> "Module":
        return load(Module, json.loads(text))

    def function(self, name: str) -> Function:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)


T = TypeVar("T")


def load(cls: Type[T], data: Any) -> T:
    """A model object from its asdict() form (model.json): fields missing from
    `data` take their defaults, so that older dumps still load."""
    return typing.cast(T, _load(cls, data))


def _load(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin is typing.Union:  # Optional[X]
        if data is None:
            return None
        inner = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _load(inner[0], data)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_load(item, value) for value in data]
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        values = {f.name: _load(hints[f.name], data[f.name]) for f in dataclasses.fields(kind) if f.name in data}
        return kind(**values)
    return data
