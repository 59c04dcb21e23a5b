"""Decides how each SDK function is exposed to Python (the type mapping), and
why a function is not wrapped when it cannot be.

Input: a model.Module.  Output: a bindings.Plan, with one coverage entry per
SDK function of the header.
"""

from __future__ import annotations

import ast
import keyword
import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from . import bindings as b
from . import model as m
from . import handwritten as hw
from .docstrings import describe, describe_handwritten
from .doxygen import clean_inline
from .naming import (
    is_internal_sentinel,
    python_class_name,
    python_enum_value_name,
    python_method_name,
)

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
_IDENTIFIER_NAME = re.compile(r"(Id|Uuid)$")

# SDK functions that take over a handle given to them: the Python wrapper is
# invalidated after the call so that tp_dealloc does not free it a second time.
HANDLE_CONSUMERS: Dict[str, str] = {
    # "Orthanc will take care of freeing it" (OrthancPluginSubmitJob's doc).
    "OrthancPluginSubmitJob": "job",
}

# Locals that the templates declare in every wrapper, and C++ keywords an SDK
# parameter name could collide with.
_RESERVED_LOCALS = {"self", "args", "nogil", "sdkCode", "sdkResult", "sdkTarget", "module"}
_CPP_KEYWORDS = {
    "auto", "bool", "break", "case", "catch", "char", "class", "const", "continue", "default", "delete",
    "do", "double", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend",
    "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "operator", "private",
    "protected", "public", "register", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "template", "this", "throw", "true", "try", "typedef", "typename", "union", "unsigned",
    "using", "virtual", "void", "volatile", "while",
}

_NULLABLE_DOC = re.compile(r"\b(can|may|might)\s+be\s+NULL\b|\bset\s+to\s+`?NULL\b", re.IGNORECASE)
_SIZE_NAME = re.compile(r"(^s|S)ize$")


class NotMappable(Exception):
    """The reason why a function cannot be wrapped automatically."""


def text_signature(signature: str, first: str, keywords: bool) -> str:
    """The __text_signature__ of a typed Python signature: names and defaults only.

    text_signature("(index: int, x: str = None) -> int", "$self", False) == "($self, index, x=None, /)"
    """
    tree = ast.parse(f"def f{signature}: ...")
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef)
    arguments = node.args
    names = [a.arg for a in arguments.args]
    defaults: List[Optional[ast.expr]] = [None] * (len(names) - len(arguments.defaults))
    defaults += list(arguments.defaults)
    parts = [first]
    for name, default in zip(names, defaults):
        parts.append(name if default is None else f"{name}={ast.literal_eval(default)!r}")
    if not keywords:
        parts.append("/")
    return "({})".format(", ".join(parts))


def _method_signature(signature: str) -> str:
    """"(index: int) -> int" -> "(self, index: int) -> int"."""
    assert signature.startswith("(")
    return "(self)" + signature[2:] if signature.startswith("()") else "(self, " + signature[1:]


def _describe_param(param: m.Param) -> str:
    return f"`{param.name}` ({param.type.spelling})"


def _pointer_spelling(ctype: m.CType) -> str:
    """Normalised C++ spelling of a pointer to a named type: "const OrthancPluginImage*"."""
    assert ctype.pointee is not None
    return "{}{}*".format("const " if ctype.pointee.is_const else "", ctype.pointee.name)


def _scalar_conversion(t: m.CType) -> Optional[Tuple[b.ArgKind, str, str, str]]:
    """(Arg kind, C++ local type, PyArg format, Python type) of a non-pointer parameter."""
    if t.kind == m.ENUM:
        return b.ArgKind.ENUM, "int", "i", "int"
    if t.kind == m.FLOAT:
        return (b.ArgKind.NATIVE, "float", "f", "float") if t.bits == 32 else (b.ArgKind.NATIVE, "double", "d", "float")
    if t.kind != m.INTEGER:
        return None
    if not t.signed:
        if t.bits == 8:
            return b.ArgKind.NATIVE, "unsigned char", "b", "int"  # "b" is range-checked (0..255) by CPython
        # "H", "I" and "K" truncate silently: a converter raises OverflowError instead.
        return b.ArgKind.UNSIGNED, t.name, "O&", "int"
    native = {16: ("short", "h"), 32: ("int", "i"), 64: ("long long", "L")}
    if t.bits in native:
        local_type, fmt = native[t.bits]
        return b.ArgKind.NATIVE, local_type, fmt, "int"
    return b.ArgKind.SIGNED, t.name, "O&", "int"


class _Classifier:
    def __init__(
        self,
        module: m.Module,
        handwritten_functions: Iterable[hw.Handwritten],
        handwritten_methods: Dict[str, List[hw.Handwritten]],
        internal: Dict[str, str],
        excluded: Optional[Dict[str, str]] = None,
    ) -> None:
        self.module = module
        self.excluded = hw.NOT_WRAPPED if excluded is None else excluded
        self.handwritten_functions = list(handwritten_functions)
        self.handwritten_methods = handwritten_methods
        self.internal = internal
        self.known = {f.name: f for f in module.functions}
        # SDK function -> the first Python name that reaches it.
        self.handwritten_sdk: Dict[str, str] = {}
        for function in self.handwritten_functions:
            for sdk in function.sdk:
                self.handwritten_sdk.setdefault(sdk, function.name)
        for cls_name, methods in handwritten_methods.items():
            for method in methods:
                for sdk in method.sdk:
                    self.handwritten_sdk.setdefault(sdk, f"{cls_name}.{method.name}")
        self.enum_names = {e.name for e in module.enums}
        # Handle C type -> Python class.
        self.handle_classes = {h.name: python_class_name(h.name) for h in module.classes}
        self.destructors = self._find_destructors()

    # --- top level ------------------------------------------------------------

    def run(self) -> b.Plan:
        classes = [
            b.WrapperClass(
                name=python_class_name(h.name),
                c_type=h.name,
                docstring=describe(h.doc),
                destructor=self.destructors.get(h.name, ""),
            )
            for h in self.module.classes
        ]
        by_name = {c.name: c for c in classes}
        for class_name, methods in self.handwritten_methods.items():
            if class_name not in by_name:
                continue  # a handle type that this SDK header does not have
            for method in methods:
                if not self._available(method):
                    continue
                signature = _method_signature(method.signature)
                by_name[class_name].handwritten.append(
                    b.HandwrittenMethod(
                        name=method.name,
                        symbol=method.symbol,
                        docstring=self._handwritten_doc(method),
                        signature=signature,
                        text_signature=text_signature(method.signature, "$self", method.keywords),
                        keywords=method.keywords,
                        sdk_names=[sdk for sdk in method.sdk if sdk in self.known],
                        since=self._since(method.sdk),
                    )
                )

        functions: List[b.Wrapper] = []
        coverage: List[b.CoverageEntry] = []
        for function in self.module.functions:
            covered, wrapper = self._classify(function, by_name)
            coverage.append(covered)
            if wrapper is None:
                continue
            if wrapper.class_name:
                by_name[wrapper.class_name].methods.append(wrapper)
            else:
                functions.append(wrapper)

        return b.Plan(
            header=self.module.header,
            header_sha256=self.module.header_sha256,
            sdk_version=self.module.sdk_version,
            functions=functions,
            classes=classes,
            enums=self._enums(),
            handwritten_functions=self._handwritten_functions(),
            coverage=coverage,
            stub_types=hw.STUB_TYPES if (self.handwritten_functions or self.handwritten_methods) else "",
            minimal_orthanc=list(m.version_key(MINIMAL_ORTHANC)),
            left_out=self._left_out(),
        )

    def _classify(
        self, function: m.Function, classes: Dict[str, b.WrapperClass]
    ) -> Tuple[b.CoverageEntry, Optional[b.Wrapper]]:
        name = function.name
        C = b.Coverage

        def entry(kind: b.Coverage, python_name: str = "", reason: str = "") -> b.CoverageEntry:
            return b.CoverageEntry(name, kind, python_name, reason, function.line,
                                   entry_point=not function.is_inline, since=function.since)

        if not function.is_inline:
            return entry(C.NOT_WRAPPED, reason="entry point that the plugin itself implements, not an SDK service"), None
        if name in self.handwritten_sdk:
            return entry(C.HANDWRITTEN, "orthanc." + self.handwritten_sdk[name]), None
        for c_type, destructor in self.destructors.items():
            if destructor == name:
                return entry(C.DESTRUCTOR, "orthanc." + self.handle_classes[c_type]), None
        if name in self.internal:
            return entry(C.INTERNAL, reason=self.internal[name]), None
        if name in self.excluded:
            return entry(C.NOT_WRAPPED, reason=self.excluded[name]), None
        if self._frees_result_memory(function):
            return entry(C.NOT_WRAPPED, reason="frees a string or buffer returned by Orthanc: the generated "
                         "wrappers convert such results to str/bytes and free them themselves"), None
        try:
            wrapper = self._wrap(function)
        except NotMappable as error:
            return entry(C.NOT_WRAPPED, reason=str(error)), None

        if wrapper.class_name:
            cls = classes[wrapper.class_name]
            for method in cls.handwritten:
                if method.name == wrapper.py_name:
                    # A hand-written method replaces the generated one.
                    method.sdk_names.append(name)
                    return entry(C.HANDWRITTEN, "orthanc." + wrapper.qualified_name), None
        elif any(h.name == wrapper.py_name for h in self.handwritten_functions):
            return entry(C.HANDWRITTEN, "orthanc." + wrapper.py_name), None
        return entry(C.GENERATED, "orthanc." + wrapper.qualified_name), wrapper

    def _left_out(self) -> List[b.LeftOut]:
        """The hand-written functions and methods that this header cannot offer."""
        left: List[b.LeftOut] = []
        for function in self.handwritten_functions:
            if not self._available(function):
                left.append(b.LeftOut("orthanc." + function.name, [n for n in function.sdk if n not in self.known]))
        for class_name, methods in self.handwritten_methods.items():
            for method in methods:
                if not self._available(method):
                    left.append(b.LeftOut(f"orthanc.{class_name}.{method.name}",
                                          [n for n in method.sdk if n not in self.known]))
        return left

    # --- availability ---------------------------------------------------------

    def _since(self, sdk_names: Iterable[str]) -> List[int]:
        """The newest release that brought one of `sdk_names`, when newer than MINIMAL_ORTHANC."""
        versions = [self.known[n].since for n in sdk_names if n in self.known and self.known[n].since]
        newest = max(versions, key=m.version_key, default="")
        if not newest or m.version_key(newest) <= m.version_key(MINIMAL_ORTHANC):
            return []
        return list(m.version_key(newest))

    def _available(self, handwritten: hw.Handwritten) -> bool:
        """A hand-written function exists when the header has every SDK function it calls."""
        return all(name in self.known for name in handwritten.sdk)

    # --- special functions ----------------------------------------------------

    def _find_destructors(self) -> Dict[str, str]:
        """Handle type -> its OrthancPluginFree<X>(context, X*) function."""
        result: Dict[str, str] = {}
        for function in self.module.functions:
            params = function.params
            if len(params) != 2 or not self._is_context(params[0]) or self._handle_of(params[1].type) is None:
                continue
            handle = params[1].type.pointee
            assert handle is not None
            if not handle.is_const and function.name == "OrthancPluginFree" + python_class_name(handle.name):
                result[handle.name] = function.name
        return result

    def _frees_result_memory(self, function: m.Function) -> bool:
        """OrthancPluginFreeString / FreeMemoryBuffer(64): the conversions do it."""
        params = function.params
        if not function.name.startswith("OrthancPluginFree") or len(params) != 2:
            return False
        t = params[1].type
        is_string = t.is_pointer_to(m.INTEGER, "char") and t.pointee is not None and not t.pointee.is_const
        return is_string or any(t.is_pointer_to(m.STRUCT, name) for name in MEMORY_BUFFER_TYPES)

    # --- wrappers -------------------------------------------------------------

    def _is_context(self, param: m.Param) -> bool:
        return param.type.is_pointer_to(m.STRUCT, CONTEXT_TYPE)

    def _handle_of(self, ctype: m.CType) -> Optional[str]:
        """Python class if `ctype` is a pointer to a handle type."""
        if ctype.kind == m.POINTER and ctype.pointee is not None and ctype.pointee.kind == m.OPAQUE:
            return self.handle_classes.get(ctype.pointee.name)
        return None

    def _wrap(self, function: m.Function) -> b.Wrapper:
        params = list(function.params)
        if not params or not self._is_context(params[0]):
            raise NotMappable("its first parameter is not the OrthancPluginContext")
        params = params[1:]
        call: List[object] = ["context"]
        locals_in_use = set(_RESERVED_LOCALS)

        result: Optional[b.Result] = None
        ret = function.return_type
        outputs = self._outputs(params, locals_in_use)
        output_slots = {o.name: f"out:{i}" for i, o in enumerate(outputs)}
        if outputs:
            result = self._outputs_result(function, outputs)
        elif (
            params
            and ret.kind == m.ENUM
            and ret.name == ERROR_CODE_TYPE
            and params[0].type.kind == m.POINTER
            and params[0].type.pointee is not None
            and not params[0].type.pointee.is_const
            and params[0].type.pointee.name in MEMORY_BUFFER_TYPES
        ):
            buffer_type = params[0].type.pointee.name
            result = b.Result(
                kind=MEMORY_BUFFER_TYPES[buffer_type], c_type=buffer_type, py_type="bytes", doc_type="bytes",
            )
            params = params[1:]
            call.append("target")

        # The SDK writes the outputs through pointers wherever they stand in its list.
        while params and params[0].name in output_slots:
            call.append(output_slots[params.pop(0).name])

        class_name = ""
        self_handle: Optional[b.SelfHandle] = None
        if params and self._handle_of(params[0].type) is not None:
            class_name = self._handle_of(params[0].type) or ""
            first = params.pop(0)
            local = self._local_name(first.name, locals_in_use)
            self_handle = b.SelfHandle(
                local=local,
                c_type=_pointer_spelling(first.type),
                consumed=HANDLE_CONSUMERS.get(function.name) == first.name,
            )
            call.append("self")

        args: List[b.Arg] = []
        index = 0
        while index < len(params):
            if params[index].name in output_slots:
                call.append(output_slots[params[index].name])
                index += 1
                continue
            arg, used = self._map_param(function, params[index:], args, locals_in_use)
            call.append(len(args))
            args.append(arg)
            index += used

        if result is None:
            result = self._map_result(function)

        on_rest_output = self_handle is not None and REST_OUTPUT_TYPE in self_handle.c_type
        py_name, old_name = python_method_name(function.name, class_name)
        symbol = "{}_{}".format(class_name or "Function", py_name)
        arg_names = ", ".join(["$self" if class_name else "$module"] + [a.name for a in args] + ["/"])
        return b.Wrapper(
            sdk_name=function.name,
            py_name=py_name,
            class_name=class_name,
            symbol=symbol,
            args=args,
            result=result,
            self_handle=self_handle,
            call=call,
            docstring=describe(function.doc, args, result),
            text_signature=f"({arg_names})",
            since=self._since([function.name]),
            deprecated_aliases=[old_name] if old_name else [],
            defers_answer=function.name in DEFERRED_ANSWERS,
            flushes_deferred_answer=on_rest_output and function.name not in DEFERRED_ANSWERS,
            answers_request=on_rest_output and function.name not in NOT_AN_ANSWER,
        )

    # --- output parameters ----------------------------------------------------

    def _outputs(self, params: Sequence[m.Param], in_use: Set[str]) -> List[b.Output]:
        """The parameters the SDK writes to, when there is a scalar one (`uint8_t* found`,
        `uint64_t* size`, `OrthancPluginStoreStatus* status`); then every non-const memory
        buffer is an output too. Functions with a single `target` buffer keep the plain path."""
        def scalar(t: m.CType) -> bool:
            return (t.kind == m.POINTER and t.pointee is not None and not t.pointee.is_const
                    and t.pointee.kind in (m.INTEGER, m.ENUM) and t.pointee.name != "char")

        if not any(scalar(p.type) for p in params):
            return []
        outputs: List[b.Output] = []
        for param in params:
            t = param.type
            pointee = t.pointee
            if t.kind != m.POINTER or pointee is None or pointee.is_const:
                continue
            if scalar(t):
                if pointee.kind == m.ENUM:
                    kind = b.OutputKind.ENUM
                elif pointee.bits == 8 and not pointee.signed:
                    kind = b.OutputKind.FOUND if param.name == "found" else b.OutputKind.BOOL
                else:
                    kind = b.OutputKind.INTEGER
            elif pointee.kind == m.STRUCT and pointee.name in MEMORY_BUFFER_TYPES:
                kind = b.OutputKind.TEXT if _IDENTIFIER_NAME.search(param.name) else b.OutputKind.BYTES
            else:
                continue
            outputs.append(b.Output(kind=kind, name=param.name, local=self._local_name(param.name, in_use),
                                    c_type=pointee.name))
        return outputs

    def _outputs_result(self, function: m.Function, outputs: List[b.Output]) -> b.Result:
        ret = function.return_type
        if ret.kind != m.ENUM or ret.name != ERROR_CODE_TYPE:
            raise NotMappable("output parameters without an error code result")
        py_types = {b.OutputKind.BOOL: "bool", b.OutputKind.INTEGER: "int", b.OutputKind.ENUM: "int", b.OutputKind.BYTES: "bytes",
                    b.OutputKind.TEXT: "str"}
        found = any(o.kind == b.OutputKind.FOUND for o in outputs)
        values = [py_types[o.kind] for o in outputs if o.kind != b.OutputKind.FOUND]
        if found:
            values = [f"Optional[{v}]" for v in values]
        code_first = function.name in RESULT_CODE_FIRST
        if code_first:
            values.insert(0, "int")
        py_type = values[0] if len(values) == 1 else "Tuple[{}]".format(", ".join(values))
        return b.Result(kind=b.ResultKind.OUTPUTS, c_type=ret.name, py_type=py_type, doc_type=py_type,
                        doc=clean_inline(function.doc.returns), outputs=outputs, code_first=code_first)

    def _local_name(self, name: str, in_use: Set[str]) -> str:
        local = name
        if local in _CPP_KEYWORDS or local in in_use:
            local = name + "Arg"
        suffix = 2
        while local in in_use:
            local = f"{name}Arg{suffix}"
            suffix += 1
        in_use.add(local)
        return local

    def _python_name(self, name: str) -> str:
        # Python sees the SDK parameter names (signatures, orthanc.pyi): no keyword.
        return name + "_" if keyword.iskeyword(name) else name

    def _param_doc(self, function: m.Function, name: str) -> str:
        return clean_inline(function.doc.param(name))

    # --- parameters -----------------------------------------------------------

    def _map_param(
        self, function: m.Function, params: Sequence[m.Param], previous: Sequence[b.Arg], in_use: Set[str]
    ) -> Tuple[b.Arg, int]:
        """The Python argument for params[0] (the parameters still to map), and how many SDK
        parameters it covers; `previous` are the arguments already mapped."""
        param = params[0]
        following = params[1] if len(params) > 1 else None
        t = param.type
        doc = self._param_doc(function, param.name)
        string_map = self._string_map(function, params, in_use)
        if string_map is not None:
            return string_map, 3
        if t.kind == m.POINTER:
            return self._map_pointer(function, param, following, previous, in_use, doc)

        scalar = _scalar_conversion(t)
        if scalar is None:
            if t.kind == m.STRUCT:
                raise NotMappable(f"struct parameter {_describe_param(param)} passed by value")
            raise NotMappable(f"parameter {_describe_param(param)} has a type the generator does not map")
        kind, local_type, fmt, py_type = scalar
        doc_type = py_type
        if t.kind == m.ENUM and t.name in self.enum_names:
            doc_type = python_class_name(t.name)  # more telling than "int" in docstrings
        arg = b.Arg(
            kind=kind, name=self._python_name(param.name), local=self._local_name(param.name, in_use),
            c_type=t.name or t.spelling, local_type=local_type, format=fmt, py_type=py_type, doc_type=doc_type,
            doc=doc,
        )
        return arg, 1

    def _string_map(self, function: m.Function, params: Sequence[m.Param], in_use: Set[str]) -> Optional[b.Arg]:
        """`uint32_t xCount, const char* const* xKeys, const char* const* xValues` -> one
        Python mapping argument `x` (HTTP headers...)."""
        if len(params) < 3 or not params[0].name.endswith("Count"):
            return None
        count, keys, values = params[0], params[1], params[2]
        stem = count.name[: -len("Count")]

        def is_string_array(p: m.Param) -> bool:
            t = p.type
            return (
                t.kind == m.POINTER and t.pointee is not None and t.pointee.kind == m.POINTER
                and t.pointee.is_const and t.pointee.pointee is not None
                and t.pointee.pointee.kind == m.INTEGER and t.pointee.pointee.name == "char"
            )

        if (
            count.type.kind != m.INTEGER or count.type.signed
            or keys.name != stem + "Keys" or values.name != stem + "Values"
            or not is_string_array(keys) or not is_string_array(values)
        ):
            return None
        doc = self._param_doc(function, keys.name) or self._param_doc(function, count.name)
        return b.Arg(
            kind=b.ArgKind.STRING_MAP, name=self._python_name(stem), local=self._local_name(stem, in_use),
            c_type=count.type.name, local_type="StringMapArg", format="O&", py_type="Mapping[str, str]",
            doc_type="dict", doc=doc or "The mapping of names to values.",
        )

    def _image_buffer(self, previous: Sequence[b.Arg]) -> Optional[List[b.Arg]]:
        """The (format, width, height, pitch) arguments just before a `const void*` pixel buffer."""
        if len(previous) < 4:
            return None
        fmt, width, height, pitch = previous[-4:]
        if (
            fmt.c_type == "OrthancPluginPixelFormat"
            and [width.name, height.name, pitch.name] == ["width", "height", "pitch"]
            and all(a.kind == b.ArgKind.UNSIGNED and a.c_type == "uint32_t" for a in (width, height, pitch))
        ):
            return [fmt, width, height, pitch]
        return None

    def _map_pointer(
        self,
        function: m.Function,
        param: m.Param,
        following: Optional[m.Param],
        previous: Sequence[b.Arg],
        in_use: Set[str],
        doc: str,
    ) -> Tuple[b.Arg, int]:
        t = param.type
        nullable = bool(_NULLABLE_DOC.search(doc))
        pointee = t.pointee
        assert pointee is not None
        what = _describe_param(param)

        if pointee.kind == m.FUNCTION:
            raise NotMappable(f"callback parameter {what}: a C function pointer needs a hand-written trampoline")

        is_const_char = pointee.kind == m.INTEGER and pointee.name == "char" and pointee.is_const
        is_const_void = pointee.kind == m.VOID and pointee.is_const
        sized = following is not None and self._is_size_of(param, following, is_const_void)
        if (is_const_void or is_const_char) and sized:
            assert following is not None
            size_type = following.type.name
            arg = b.Arg(
                kind=b.ArgKind.BUFFER, name=self._python_name(param.name), local=self._local_name(param.name, in_use),
                c_type="const void*" if is_const_void else "const char*", local_type="BufferArg",
                format="O&", py_type="_Buffer", doc_type="bytes", doc=doc, size_type=size_type,
            )
            return arg, 2
        if is_const_char:
            arg = b.Arg(
                kind=b.ArgKind.STRING, name=self._python_name(param.name), local=self._local_name(param.name, in_use),
                c_type="const char*", local_type="const char*", format="z" if nullable else "s",
                py_type="Optional[str]" if nullable else "str", doc_type="str", doc=doc, nullable=nullable,
            )
            return arg, 1
        image = self._image_buffer(previous) if is_const_void else None
        if image is not None:
            arg = b.Arg(
                kind=b.ArgKind.IMAGE_BUFFER, name=self._python_name(param.name),
                local=self._local_name(param.name, in_use), c_type="const void*", local_type="BufferArg",
                format="O&", py_type="_Buffer", doc_type="bytes",
                doc=(doc + " " if doc else "") + "At least pitch * height bytes (else ValueError).",
                image_locals=[a.local for a in image],
            )
            return arg, 1
        if is_const_void:
            raise NotMappable(
                f"buffer parameter {what} has no size parameter: its length follows from other arguments "
                "(e.g. pitch * height) and must be checked by hand-written code"
            )
        if pointee.kind == m.VOID:
            raise NotMappable(f"untyped `void *` parameter {what}")

        handle_class = self._handle_of(t)
        if handle_class is not None:
            arg = b.Arg(
                kind=b.ArgKind.HANDLE, name=self._python_name(param.name), local=self._local_name(param.name, in_use),
                c_type=_pointer_spelling(t), local_type="PyObject*", format="O",
                py_type=f"Optional[{handle_class}]" if nullable else handle_class,
                doc_type=handle_class, doc=doc, nullable=nullable, handle_class=handle_class,
                consumed=HANDLE_CONSUMERS.get(function.name) == param.name,
            )
            return arg, 1
        if pointee.kind == m.OPAQUE:
            raise NotMappable(f"parameter {what} points to an opaque type that is not a wrapper class")
        if pointee.kind == m.POINTER:
            raise NotMappable(f"array parameter {what}")
        if pointee.kind == m.STRUCT:
            if pointee.name in MEMORY_BUFFER_TYPES:
                raise NotMappable(
                    f"output buffer {what} besides a first `target` buffer (several outputs)"
                )
            raise NotMappable(f"struct parameter {what} passed by pointer")
        if pointee.kind in (m.INTEGER, m.FLOAT, m.ENUM):
            if pointee.is_const:
                raise NotMappable(f"array parameter {what}")
            raise NotMappable(f"output parameter {what}")
        raise NotMappable(f"pointer parameter {what} the generator does not map")

    def _is_size_of(self, buffer: m.Param, size: m.Param, is_void: bool) -> bool:
        """`size` is the byte count of `buffer`: an unsigned integer named like a size.

        For `const void*` any "...Size"/"size" parameter right after it counts; for
        `const char*` only "<name>Size" (SendHttpStatus's body/bodySize), since most
        strings are NUL-terminated."""
        t = size.type
        if t.kind != m.INTEGER or t.signed or t.bits < 32:
            return False
        if is_void:
            return bool(_SIZE_NAME.search(size.name))
        return size.name == buffer.name + "Size"

    # --- results --------------------------------------------------------------

    def _map_result(self, function: m.Function) -> b.Result:
        t = function.return_type
        doc = clean_inline(function.doc.returns)
        if t.kind == m.VOID:
            return b.Result(kind=b.ResultKind.VOID)
        if t.kind == m.ENUM:
            if t.name == ERROR_CODE_TYPE:
                return b.Result(kind=b.ResultKind.ERROR_CODE, c_type=t.name)
            enum_class = python_class_name(t.name) if t.name in self.enum_names else "int"
            return b.Result(kind=b.ResultKind.ENUM, c_type=t.name, py_type="int", doc_type=enum_class, doc=doc)
        if t.kind == m.INTEGER:
            # Widened to the argument type of the PyLong_From* function.
            from_c, cast_to = {
                (True, False): ("PyLong_FromLong", "long"),
                (False, False): ("PyLong_FromUnsignedLong", "unsigned long"),
                (True, True): ("PyLong_FromLongLong", "long long"),
                (False, True): ("PyLong_FromUnsignedLongLong", "unsigned long long"),
            }[(t.signed, t.bits > 32)]
            return b.Result(
                kind=b.ResultKind.INTEGER, c_type=t.name, py_type="int", doc_type="int", doc=doc,
                from_c=from_c, cast_to=cast_to,
            )
        if t.kind == m.FLOAT:
            return b.Result(kind=b.ResultKind.FLOAT, c_type=t.name, py_type="float", doc_type="float", doc=doc)
        if t.kind == m.POINTER and t.pointee is not None:
            pointee = t.pointee
            if pointee.kind == m.INTEGER and pointee.name == "char":
                kind = b.ResultKind.CONST_STRING if pointee.is_const else b.ResultKind.OWNED_STRING
                c_type = "const char*" if pointee.is_const else "char*"
                return b.Result(kind=kind, c_type=c_type, py_type="str", doc_type="str", doc=doc)
            handle_class = self._handle_of(t)
            if handle_class is not None:
                if pointee.name not in self.destructors:
                    raise NotMappable(
                        f"returns a {t.spelling} that has no Free function: its lifetime is unknown"
                    )
                return b.Result(
                    kind=b.ResultKind.HANDLE, c_type=_pointer_spelling(t), py_type=handle_class,
                    doc_type=handle_class, doc=doc, handle_class=handle_class,
                )
            if pointee.kind == m.VOID:
                raise NotMappable(f"returns a raw `{t.spelling}` whose size the generator does not know")
        raise NotMappable(f"returns `{t.spelling}`, a type the generator does not map")

    # --- enums and hand-written functions ---------------------------------------

    def _enums(self) -> List[b.EnumClass]:
        result = []
        for enum in self.module.enums:
            if enum.name.startswith("_"):
                continue  # private to the SDK (_OrthancPluginService, ...)
            members = [
                b.EnumMember(name=python_enum_value_name(enum.name, v.name), value=v.value, doc=v.doc)
                for v in enum.values
                if not is_internal_sentinel(v.name)
            ]
            result.append(
                b.EnumClass(
                    name=python_class_name(enum.name), c_name=enum.name, docstring=describe(enum.doc), members=members
                )
            )
        return result

    def _handwritten_doc(self, handwritten: hw.Handwritten) -> str:
        sdk = next((self.known[name] for name in handwritten.sdk if name in self.known), None)
        return describe_handwritten(handwritten.doc, sdk.doc if sdk is not None else None,
                                    sdk.name if sdk is not None else "")

    def _handwritten_functions(self) -> List[b.HandwrittenFunction]:
        return [
            b.HandwrittenFunction(
                py_name=h.name,
                sdk_names=[sdk for sdk in h.sdk if sdk in self.known],
                docstring=self._handwritten_doc(h),
                symbol=h.symbol,
                signature=h.signature,
                text_signature=text_signature(h.signature, "$module", h.keywords),
                keywords=h.keywords,
                since=self._since(h.sdk),
            )
            for h in self.handwritten_functions
            if self._available(h)
        ]


def classify(
    module: m.Module,
    handwritten_functions: Optional[Iterable[hw.Handwritten]] = None,
    handwritten_methods: Optional[Dict[str, List[hw.Handwritten]]] = None,
    internal: Optional[Dict[str, str]] = None,
    excluded: Optional[Dict[str, str]] = None,
) -> b.Plan:
    """The plan for `module`; the hand-written tables default to codegen/handwritten.py
    (pass empty ones to see what the generator alone does)."""
    return _Classifier(
        module,
        hw.FUNCTIONS if handwritten_functions is None else handwritten_functions,
        hw.METHODS if handwritten_methods is None else handwritten_methods,
        hw.INTERNAL if internal is None else internal,
        excluded,
    ).run()


def produced_names(plan: b.Plan) -> Sequence[str]:
    """Every Python name the plan produces: "X" for functions, "C.M" for methods."""
    names = [f.py_name for f in plan.functions] + [h.py_name for h in plan.handwritten_functions]
    for cls in plan.classes:
        names.extend(f"{cls.name}.{w.py_name}" for w in cls.methods)
        names.extend(f"{cls.name}.{h.name}" for h in cls.handwritten)
    return names
