"""Maps what an SDK function gives back to the wrapper's bindings.Result: its
return value, or the output parameters it writes to (returned as a value or
a tuple); raises NotMappable with the reason otherwise."""

from __future__ import annotations

import re
from typing import List, Sequence, Set

from . import bindings as b
from . import model as m
from .doxygen import clean_inline
from .mapping import HeaderTypes, NotMappable, local_name, pointer_spelling
from .naming import python_class_name
from .sdk_policy import ERROR_CODE_TYPE, MEMORY_BUFFER_TYPES, RESULT_CODE_FIRST

# An output buffer named so holds an identifier: text, not bytes.
_IDENTIFIER_NAME = re.compile(r"(Id|Uuid)$")


class ResultMapper:
    def __init__(self, types: HeaderTypes) -> None:
        self.types = types

    def outputs(self, params: Sequence[m.Param], in_use: Set[str]) -> List[b.Output]:
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
            outputs.append(b.Output(kind=kind, name=param.name, local=local_name(param.name, in_use),
                                    c_type=pointee.name))
        return outputs

    def outputs_result(self, function: m.Function, outputs: List[b.Output]) -> b.Result:
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

    def map_result(self, function: m.Function) -> b.Result:
        t = function.return_type
        doc = clean_inline(function.doc.returns)
        if t.kind == m.VOID:
            return b.Result(kind=b.ResultKind.VOID)
        if t.kind == m.ENUM:
            if t.name == ERROR_CODE_TYPE:
                return b.Result(kind=b.ResultKind.ERROR_CODE, c_type=t.name)
            enum_class = python_class_name(t.name) if t.name in self.types.enum_names else "int"
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
            handle_class = self.types.handle_of(t)
            if handle_class is not None:
                if pointee.name not in self.types.destructors:
                    raise NotMappable(
                        f"returns a {t.spelling} that has no Free function: its lifetime is unknown"
                    )
                return b.Result(
                    kind=b.ResultKind.HANDLE, c_type=pointer_spelling(t), py_type=handle_class,
                    doc_type=handle_class, doc=doc, handle_class=handle_class,
                )
            if pointee.kind == m.VOID:
                raise NotMappable(f"returns a raw `{t.spelling}` whose size the generator does not know")
        raise NotMappable(f"returns `{t.spelling}`, a type the generator does not map")
