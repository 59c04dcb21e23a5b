"""The binding plan: what classify.py decided, in the shape the templates render.

The plan names C++ types and Python types but contains no C++ code: the
templates (codegen/templates) turn each `kind` into code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional


class ArgKind(str, Enum):
    """How one Python argument becomes SDK arguments."""

    STRING = "string"  # const char*            <- str ("s", or "z" if nullable)
    BUFFER = "buffer"  # const void* + size     <- bytes-like or str (BufferArg, "O&")
    NATIVE = "native"  # int/float with a range-checked PyArg format ("b", "h", "i", "L", "f", "d")
    UNSIGNED = "unsigned"  # uint16/32/64       <- int, via generated::ConvertUnsigned<T> ("O&")
    SIGNED = "signed"  # other signed integers  <- int, via generated::ConvertSigned<T> ("O&")
    ENUM = "enum"  # enum                       <- int ("i")
    HANDLE = "handle"  # pointer to handle      <- wrapper object ("O" + HandleOf)
    STRING_MAP = "string_map"  # count + keys + values <- mapping str -> str (StringMapArg, "O&")
    IMAGE_BUFFER = "image_buffer"  # const void* pixels whose size follows from format, width, height
    #                                   and pitch (the four previous arguments) <- bytes-like (BufferArg + CheckImageBuffer)


class ResultKind(str, Enum):
    """How the SDK result becomes the Python result."""

    VOID = "void"  # None
    ERROR_CODE = "error_code"  # None or orthanc.OrthancException
    MEMORY_BUFFER = "memory_buffer"  # bytes (first parameter OrthancPluginMemoryBuffer* target)
    MEMORY_BUFFER64 = "memory_buffer64"  # bytes (OrthancPluginMemoryBuffer64* target)
    OWNED_STRING = "owned_string"  # char* freed by Orthanc -> str
    CONST_STRING = "const_string"  # const char* -> str
    INTEGER = "integer"  # int
    ENUM = "enum"  # int
    FLOAT = "float"  # float
    HANDLE = "handle"  # new owned wrapper object
    OUTPUTS = "outputs"  # error code + output parameters (Result.outputs) -> a value or a tuple


class OutputKind(str, Enum):
    """How one output parameter becomes (part of) the Python result."""

    FOUND = "found"  # uint8_t* found: not found -> None in place of every other output
    BOOL = "bool"  # other uint8_t* flags -> bool
    INTEGER = "integer"  # uint64_t*, ... -> int
    ENUM = "enum"  # enum* -> int
    BYTES = "bytes"  # OrthancPluginMemoryBuffer* -> bytes
    TEXT = "text"  # OrthancPluginMemoryBuffer* holding an identifier -> str


class CallSlotKind(str, Enum):
    """What the wrapper passes for one SDK call argument."""

    CONTEXT = "context"  # the plugin's OrthancPluginContext
    TARGET = "target"  # the memory buffer the SDK writes its result to (ResultKind.MEMORY_BUFFER*)
    SELF = "self"  # the handle taken from `self` (Wrapper.self_handle)
    OUTPUT = "output"  # the address of Result.outputs[index]
    ARG = "arg"  # the converted Python argument args[index] (one or more SDK arguments)


@dataclass(frozen=True)
class CallSlot:
    """One SDK call argument, in the SDK's order."""

    kind: CallSlotKind
    index: int = 0  # CallSlotKind.OUTPUT and CallSlotKind.ARG: the position in their list


@dataclass
class Arg:
    """One positional Python argument of a wrapper."""

    kind: ArgKind
    name: str  # Python-visible name (the SDK parameter name)
    local: str  # C++ local variable holding the converted value
    c_type: str  # type of the SDK parameter, e.g. "OrthancPluginPixelFormat", "const OrthancPluginImage*"
    local_type: str  # type of `local`, e.g. "int", "uint32_t", "BufferArg", "PyObject*"
    format: str  # PyArg_ParseTuple format unit
    py_type: str  # annotation in orthanc.pyi
    doc_type: str  # type shown in docstrings (enum and class names are more telling than int)
    doc: str = ""
    nullable: bool = False  # None is accepted (passed as NULL)
    size_type: str = ""  # ArgKind.BUFFER: C type of the size parameter
    handle_class: str = ""  # ArgKind.HANDLE: Python class
    consumed: bool = False  # ArgKind.HANDLE: the SDK takes ownership; the wrapper is invalidated after the call
    # ArgKind.IMAGE_BUFFER: the locals of the format, width, height and pitch arguments.
    image_locals: List[str] = field(default_factory=list)


@dataclass
class SelfHandle:
    """The handle that a method takes from `self`."""

    local: str
    c_type: str  # e.g. "const OrthancPluginDicomInstance*"
    consumed: bool = False


@dataclass
class Output:
    """One output parameter of an SDK function."""

    kind: OutputKind
    name: str  # the SDK parameter name
    local: str  # the C++ local the SDK writes to
    c_type: str  # type of that local, e.g. "uint8_t", "OrthancPluginMemoryBuffer"


@dataclass
class Result:
    kind: ResultKind
    c_type: str = ""  # type of the SDK return value (or of the target buffer)
    py_type: str = "None"
    doc_type: str = ""
    doc: str = ""
    handle_class: str = ""  # ResultKind.HANDLE
    from_c: str = ""  # ResultKind.INTEGER: the PyLong_From* function
    cast_to: str = ""  # ResultKind.INTEGER: C type the value is widened to before from_c
    # ResultKind.OUTPUTS: the output parameters in SDK order; the Python result is the single value
    # or the tuple of the non-`found` ones, after the error code when `code_first`.
    outputs: List[Output] = field(default_factory=list)
    code_first: bool = False


@dataclass
class Wrapper:
    """One generated C++ wrapper: a module function or a method."""

    sdk_name: str
    py_name: str
    class_name: str  # "" for a module function
    symbol: str  # C++ function name
    args: List[Arg]
    result: Result
    self_handle: Optional[SelfHandle]
    # SDK call arguments in order.
    call: List[CallSlot]
    docstring: str
    text_signature: str  # "($module, uri, body, /)": lets inspect.signature() read the docstring
    # Older names that still answer (upstream renamed methods in its release 6.0): deprecated.
    deprecated_aliases: List[str] = field(default_factory=list)
    # A REST answer that may be sent after the callable returns, without the GIL (src/DeferredAnswer.h).
    defers_answer: bool = False
    # Another call on the REST output: sends a deferred answer first, to keep the order of the calls.
    flushes_deferred_answer: bool = False
    # A call on the REST output that answers the request (not a header, a cookie or error details):
    # a REST callback that makes none gets a 500 (src/DeferredAnswer.h).
    answers_request: bool = False
    # The Orthanc release that brought the SDK function, as [major, minor, revision], when it is
    # newer than the oldest Orthanc the plugin runs in: the wrapper checks the running Orthanc first.
    since: List[int] = field(default_factory=list)

    @property
    def qualified_name(self) -> str:
        return f"{self.class_name}.{self.py_name}" if self.class_name else self.py_name


@dataclass
class HandwrittenMethod:
    """A method written by hand in src/ (codegen/handwritten/)."""

    name: str
    symbol: str  # C++ function at global scope
    docstring: str
    signature: str = "(self) -> Any"  # for orthanc.pyi, with self: "(self, index: int) -> int"
    text_signature: str = "($self, /)"  # for inspect.signature()
    keywords: bool = False  # METH_VARARGS | METH_KEYWORDS
    sdk_names: List[str] = field(default_factory=list)  # SDK functions it makes reachable
    since: List[int] = field(default_factory=list)  # as Wrapper.since


@dataclass
class HandwrittenFunction:
    """A module function written by hand in src/ (codegen/handwritten/)."""

    py_name: str
    sdk_names: List[str]
    docstring: str
    symbol: str = ""
    signature: str = "(*args: Any, **kwargs: Any) -> Any"  # for orthanc.pyi
    text_signature: str = ""  # for inspect.signature()
    keywords: bool = False
    since: List[int] = field(default_factory=list)  # as Wrapper.since


@dataclass
class WrapperClass:
    name: str  # Python name, e.g. "DicomInstance"
    c_type: str  # e.g. "OrthancPluginDicomInstance"
    docstring: str
    destructor: str = ""  # SDK Free function, "" if Orthanc owns every handle of this type
    methods: List[Wrapper] = field(default_factory=list)
    handwritten: List[HandwrittenMethod] = field(default_factory=list)


@dataclass
class EnumMember:
    name: str  # e.g. "STABLE_STUDY"
    value: int
    doc: str = ""


@dataclass
class EnumClass:
    name: str  # e.g. "ChangeType"
    c_name: str
    docstring: str
    members: List[EnumMember]


class Coverage(str, Enum):
    """How Python reaches an SDK function."""

    GENERATED = "generated"  # a generated wrapper, orthanc.<python_name>
    HANDWRITTEN = "hand-written"  # src/, listed in codegen/handwritten/
    DESTRUCTOR = "destructor"  # called when the Python object owning the handle dies
    INTERNAL = "used by the wrappers"  # `reason` says how
    NOT_WRAPPED = "not wrapped"  # `reason` says why


@dataclass
class CoverageEntry:
    sdk_name: str
    kind: Coverage
    python_name: str = ""  # "orthanc.X" or "orthanc.C.M" (the class, for a destructor)
    reason: str = ""
    line: int = 0
    entry_point: bool = False  # declared for the plugin to implement (OrthancPluginGetName): not a service
    since: str = ""  # the Orthanc release that brought it, when the header says

    @property
    def wrapped(self) -> bool:
        return self.kind != Coverage.NOT_WRAPPED

    @property
    def status(self) -> str:
        """One line: "orthanc.X", "hand-written: orthanc.X", "destructor of orthanc.C", or the kind."""
        if self.kind == Coverage.GENERATED:
            return self.python_name
        if self.kind == Coverage.HANDWRITTEN:
            return "hand-written: " + self.python_name
        if self.kind == Coverage.DESTRUCTOR:
            return "destructor of " + self.python_name
        return self.kind.value


@dataclass
class LeftOut:
    """A hand-written function that this header cannot offer: it lacks SDK functions it calls."""

    python_name: str
    missing: List[str]


@dataclass
class Plan:
    header: str
    header_sha256: str
    sdk_version: str
    functions: List[Wrapper]
    classes: List[WrapperClass]
    enums: List[EnumClass]
    handwritten_functions: List[HandwrittenFunction]
    coverage: List[CoverageEntry]
    stub_types: str = ""  # Python code for orthanc.pyi: the types the hand-written signatures use
    minimal_orthanc: List[int] = field(default_factory=lambda: [1, 10, 0])  # the oldest Orthanc it runs in
    left_out: List[LeftOut] = field(default_factory=list)  # hand-written functions a newer header brings

    @property
    def wrapped_count(self) -> int:
        return sum(1 for entry in self.coverage if entry.wrapped)

    @property
    def total_count(self) -> int:
        return len(self.coverage)

    @property
    def wrapped_percent(self) -> float:
        return 100.0 * self.wrapped_count / self.total_count if self.coverage else 0.0

    @property
    def entry_points(self) -> List[str]:
        return [entry.sdk_name for entry in self.coverage if entry.entry_point]

    @property
    def services_count(self) -> int:
        """The SDK functions that a plugin can call (the entry points excluded)."""
        return self.total_count - len(self.entry_points)

    @property
    def services_percent(self) -> float:
        return 100.0 * self.wrapped_count / self.services_count if self.services_count else 0.0

    @property
    def generated_count(self) -> int:
        return len(self.functions) + sum(len(c.methods) for c in self.classes)

    def coverage_json(self) -> Dict[str, Any]:
        return {
            "header": self.header,
            "header_sha256": self.header_sha256,
            "sdk_version": self.sdk_version,
            "wrapped": self.wrapped_count,
            "total": self.total_count,
            "percent": round(self.wrapped_percent, 1),
            "services": self.services_count,
            "services_percent": round(self.services_percent, 1),
            "functions": [dict(asdict(entry), status=entry.status) for entry in self.coverage],
            "left_out": [asdict(entry) for entry in self.left_out],
        }
