"""Maps the parameters of an SDK function to the wrapper's Python arguments
(bindings.Arg): scalars, strings, sized buffers, string mappings, image
buffers and handles; raises NotMappable with the reason otherwise."""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Set, Tuple

from . import bindings as b
from . import model as m
from .mapping import (
    HeaderTypes,
    NotMappable,
    describe_param,
    local_name,
    param_doc,
    pointer_spelling,
    python_name,
)
from .naming import python_class_name
from .sdk_policy import HANDLE_CONSUMERS, MEMORY_BUFFER_TYPES

_NULLABLE_DOC = re.compile(r"\b(can|may|might)\s+be\s+NULL\b|\bset\s+to\s+`?NULL\b", re.IGNORECASE)
_SIZE_NAME = re.compile(r"(^s|S)ize$")


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


class ArgumentMapper:
    def __init__(self, types: HeaderTypes) -> None:
        self.types = types

    def map_param(
        self, function: m.Function, params: Sequence[m.Param], previous: Sequence[b.Arg], in_use: Set[str]
    ) -> Tuple[b.Arg, int]:
        """The Python argument for params[0] (the parameters still to map), and how many SDK
        parameters it covers; `previous` are the arguments already mapped."""
        param = params[0]
        following = params[1] if len(params) > 1 else None
        t = param.type
        doc = param_doc(function, param.name)
        string_map = self._string_map(function, params, in_use)
        if string_map is not None:
            return string_map, 3
        if t.kind == m.POINTER:
            return self._map_pointer(function, param, following, previous, in_use, doc)

        scalar = _scalar_conversion(t)
        if scalar is None:
            if t.kind == m.STRUCT:
                raise NotMappable(f"struct parameter {describe_param(param)} passed by value")
            raise NotMappable(f"parameter {describe_param(param)} has a type the generator does not map")
        kind, local_type, fmt, py_type = scalar
        doc_type = py_type
        if t.kind == m.ENUM and t.name in self.types.enum_names:
            doc_type = python_class_name(t.name)  # more telling than "int" in docstrings
        arg = b.Arg(
            kind=kind, name=python_name(param.name), local=local_name(param.name, in_use),
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
        doc = param_doc(function, keys.name) or param_doc(function, count.name)
        return b.Arg(
            kind=b.ArgKind.STRING_MAP, name=python_name(stem), local=local_name(stem, in_use),
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
        what = describe_param(param)

        if pointee.kind == m.FUNCTION:
            raise NotMappable(f"callback parameter {what}: a C function pointer needs a hand-written trampoline")

        is_const_char = pointee.kind == m.INTEGER and pointee.name == "char" and pointee.is_const
        is_const_void = pointee.kind == m.VOID and pointee.is_const
        sized = following is not None and self._is_size_of(param, following, is_const_void)
        if (is_const_void or is_const_char) and sized:
            assert following is not None
            size_type = following.type.name
            arg = b.Arg(
                kind=b.ArgKind.BUFFER, name=python_name(param.name), local=local_name(param.name, in_use),
                c_type="const void*" if is_const_void else "const char*", local_type="BufferArg",
                format="O&", py_type="_Buffer", doc_type="bytes", doc=doc, size_type=size_type,
            )
            return arg, 2
        if is_const_char:
            arg = b.Arg(
                kind=b.ArgKind.STRING, name=python_name(param.name), local=local_name(param.name, in_use),
                c_type="const char*", local_type="const char*", format="z" if nullable else "s",
                py_type="Optional[str]" if nullable else "str", doc_type="str", doc=doc, nullable=nullable,
            )
            return arg, 1
        image = self._image_buffer(previous) if is_const_void else None
        if image is not None:
            arg = b.Arg(
                kind=b.ArgKind.IMAGE_BUFFER, name=python_name(param.name),
                local=local_name(param.name, in_use), c_type="const void*", local_type="BufferArg",
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

        handle_class = self.types.handle_of(t)
        if handle_class is not None:
            arg = b.Arg(
                kind=b.ArgKind.HANDLE, name=python_name(param.name), local=local_name(param.name, in_use),
                c_type=pointer_spelling(t), local_type="PyObject*", format="O",
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
