"""The code model of the Orthanc plugin SDK header: what parse.py extracts.

Plain dataclasses, independent of libclang, so that the model can be dumped
to JSON (model.json), reloaded and classified without the parser.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

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

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "CType":
        pointee = data.get("pointee")
        return CType(
            spelling=data["spelling"],
            kind=data["kind"],
            name=data.get("name", ""),
            is_const=data.get("is_const", False),
            bits=data.get("bits", 0),
            signed=data.get("signed", False),
            pointee=CType.from_dict(pointee) if pointee is not None else None,
        )

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

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Doc":
        return Doc(
            brief=data.get("brief", ""),
            details=list(data.get("details", [])),
            params=[ParamDoc(**p) for p in data.get("params", [])],
            returns=data.get("returns", ""),
            notes=list(data.get("notes", [])),
        )

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

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Enum":
        return Enum(
            name=data["name"],
            doc=Doc.from_dict(data["doc"]),
            values=[EnumValue(**v) for v in data["values"]],
            line=data.get("line", 0),
        )


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

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Struct":
        return Struct(
            name=data["name"],
            doc=Doc.from_dict(data["doc"]),
            fields=[
                Field(name=f["name"], type=CType.from_dict(f["type"]), doc=f.get("doc", ""))
                for f in data["fields"]
            ],
            line=data.get("line", 0),
        )


@dataclass
class HandleType:
    """An opaque handle type (`typedef struct _OrthancPluginX_t OrthancPluginX;`)."""

    name: str  # C typedef name, e.g. "OrthancPluginDicomInstance"
    doc: Doc
    line: int = 0

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "HandleType":
        return HandleType(name=data["name"], doc=Doc.from_dict(data["doc"]), line=data.get("line", 0))


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

    @staticmethod
    def from_dict(data: Dict[str, Any]) -> "Function":
        return Function(
            name=data["name"],
            return_type=CType.from_dict(data["return_type"]),
            params=[Param(name=p["name"], type=CType.from_dict(p["type"])) for p in data["params"]],
            doc=Doc.from_dict(data["doc"]),
            is_inline=data.get("is_inline", True),
            line=data.get("line", 0),
            since=data.get("since", ""),
            deprecated=data.get("deprecated", False),
        )


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
        data = json.loads(text)
        return Module(
            header=data["header"],
            header_sha256=data["header_sha256"],
            sdk_version=data["sdk_version"],
            enums=[Enum.from_dict(e) for e in data["enums"]],
            structs=[Struct.from_dict(s) for s in data["structs"]],
            functions=[Function.from_dict(f) for f in data["functions"]],
            classes=[HandleType.from_dict(c) for c in data["classes"]],
        )

    def function(self, name: str) -> Function:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(name)
