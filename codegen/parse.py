"""Reads OrthancCPlugin.h with the Clang front-end (PyPI `libclang`) into a model.Module."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Dict, List, Set

from . import model
from .doxygen import parse_doc, parse_trailing
from .errors import REQUIREMENTS_HINT, CodegenError

FAKE_LIBC = Path(__file__).resolve().parent / "fake_libc"

# libclang from PyPI ships without Clang's builtin headers, and the host's libc
# headers differ between machines: parse against our own minimal libc instead,
# as C99 (the header's inline functions are then `static inline`), for one
# fixed target (the signedness of char and the size of long vary between
# targets), so that the model is the same on every host.
CLANG_ARGS = ["-nostdinc", "-I", str(FAKE_LIBC), "-x", "c", "-std=c99", "--target=x86_64-pc-linux-gnu"]

_VERSION_MACROS = (
    "ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER",
    "ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER",
    "ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER",
)

# The handle type that every SDK function receives first: it is not a wrapper class.
CONTEXT_TYPE = "OrthancPluginContext"

# Where a header says which Orthanc release brought a function. SDK 1.12.8 and
# later tag each function with ORTHANC_PLUGIN_SINCE_SDK("x.y.z"), which clang
# sees as an annotate attribute; older headers only comment the service it
# invokes: `_OrthancPluginService_LogMessage = 45,  /* New in Orthanc 1.12.4 */`.
SINCE_ANNOTATION = "ORTHANC_PLUGIN_SINCE_SDK "
_SERVICE_NAME = re.compile(rb"\b_OrthancPluginService_\w+")
_SERVICE_SINCE = re.compile(rb"\b(_OrthancPluginService_\w+)\s*=\s*\d+\s*,\s*/\*\s*New in Orthanc ([0-9.]+)")


def load_clang() -> Any:
    """Imports clang.cindex and checks that its shared library loads."""
    try:
        import clang.cindex as cindex
    except ImportError as error:
        raise CodegenError(
            f"the Python package 'libclang' is not installed ({error})", REQUIREMENTS_HINT
        ) from None
    try:
        cindex.Index.create()
    except Exception as error:  # LibclangError, OSError: the .so is missing or broken
        raise CodegenError(
            f"libclang cannot be loaded ({str(error).splitlines()[0]})", REQUIREMENTS_HINT
        ) from None
    return cindex


def parse_header(header: Path) -> model.Module:
    header = Path(header)
    if not header.is_file():
        raise CodegenError(
            f"Orthanc SDK header not found: {header}",
            "install it (apt-get install orthanc-dev) or pass its path with --header",
        )
    data = header.read_bytes()
    cindex = load_clang()
    return _Parser(cindex, header.resolve(), data).run()


class _Parser:
    def __init__(self, cindex: Any, header: Path, data: bytes) -> None:
        self.ci = cindex
        self.header = header
        self.data = data
        TK = cindex.TypeKind
        self.signed_kinds = (TK.CHAR_S, TK.SCHAR, TK.SHORT, TK.INT, TK.LONG, TK.LONGLONG)
        self.integer_kinds = self.signed_kinds + (
            TK.BOOL, TK.CHAR_U, TK.UCHAR, TK.USHORT, TK.UINT, TK.ULONG, TK.ULONGLONG,
        )

    def run(self) -> model.Module:
        ci = self.ci
        # The header is included from a small main file so that clang treats it as
        # a header (#pragma once), exactly as a plugin would.
        main_name = "codegen_main.c"
        main_text = f'#include "{self.header.as_posix()}"\n'
        try:
            tu = ci.Index.create().parse(
                main_name,
                args=CLANG_ARGS,
                unsaved_files=[(main_name, main_text)],
                options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
                | ci.TranslationUnit.PARSE_SKIP_FUNCTION_BODIES,
            )
        except ci.TranslationUnitLoadError as error:
            raise CodegenError(f"libclang could not parse {self.header} ({error})", REQUIREMENTS_HINT) from None
        errors = [d for d in tu.diagnostics if d.severity >= ci.Diagnostic.Error]
        if errors:
            raise CodegenError(
                f"cannot parse {self.header}: {len(errors)} error(s), first: {errors[0]}",
                "check that the file is the Orthanc plugin SDK header (OrthancCPlugin.h); "
                "a missing libc declaration goes into codegen/fake_libc/",
            )

        cursors = [c for c in tu.cursor.get_children() if self._in_header(c)]
        module = model.Module(
            header=self.header.name,
            header_sha256=hashlib.sha256(self.data).hexdigest(),
            sdk_version=self._sdk_version(cursors),
        )
        seen_records: Set[int] = set()  # a record can be reached from several typedefs
        self.service_since = {m.group(1).decode(): m.group(2).decode() for m in _SERVICE_SINCE.finditer(self.data)}
        offsets = sorted(c.location.offset for c in cursors if c.kind == ci.CursorKind.FUNCTION_DECL)
        self.next_offset = dict(zip(offsets, offsets[1:]))
        for cursor in cursors:
            kind = cursor.kind
            if kind == ci.CursorKind.TYPEDEF_DECL:
                self._typedef(cursor, module, seen_records)
            elif kind == ci.CursorKind.FUNCTION_DECL:
                module.functions.append(self._function(cursor))
        return module

    def _in_header(self, cursor: Any) -> bool:
        location = cursor.location.file
        return location is not None and Path(location.name).resolve() == self.header

    def _sdk_version(self, cursors: List[Any]) -> str:
        numbers: Dict[str, str] = {}
        for cursor in cursors:
            if cursor.kind == self.ci.CursorKind.MACRO_DEFINITION and cursor.spelling in _VERSION_MACROS:
                tokens = [t.spelling for t in cursor.get_tokens()]
                if len(tokens) == 2:
                    numbers[cursor.spelling] = tokens[1]
        missing = [m for m in _VERSION_MACROS if m not in numbers]
        if missing:
            raise CodegenError(
                "{} does not define {}".format(self.header, ", ".join(missing)),
                "pass the Orthanc plugin SDK header (OrthancCPlugin.h) with --header",
            )
        return ".".join(numbers[m] for m in _VERSION_MACROS)

    # --- declarations -------------------------------------------------------

    def _typedef(self, cursor: Any, module: model.Module, seen_records: Set[int]) -> None:
        ci = self.ci
        name = cursor.spelling
        underlying = cursor.underlying_typedef_type.get_canonical()
        declaration = underlying.get_declaration()
        if underlying.kind == ci.TypeKind.ENUM:
            module.enums.append(self._enum(name, cursor, declaration))
        elif underlying.kind == ci.TypeKind.RECORD:
            if declaration.is_definition():
                # Private parameter blocks (_OrthancPluginXxx) are implementation details.
                if not name.startswith("_") and declaration.hash not in seen_records:
                    seen_records.add(declaration.hash)
                    module.structs.append(self._struct(name, cursor, declaration))
            elif name != CONTEXT_TYPE:
                module.classes.append(
                    model.HandleType(name=name, doc=parse_doc(cursor.raw_comment), line=cursor.location.line)
                )

    def _enum(self, name: str, typedef: Any, declaration: Any) -> model.Enum:
        values = [
            model.EnumValue(name=c.spelling, value=c.enum_value, doc=parse_trailing(c.raw_comment))
            for c in declaration.get_children()
            if c.kind == self.ci.CursorKind.ENUM_CONSTANT_DECL
        ]
        raw = declaration.raw_comment or typedef.raw_comment
        return model.Enum(name=name, doc=parse_doc(raw), values=values, line=declaration.location.line)

    def _struct(self, name: str, typedef: Any, declaration: Any) -> model.Struct:
        fields = [
            model.Field(name=c.spelling, type=self._type(c.type), doc=parse_trailing(c.raw_comment))
            for c in declaration.get_children()
            if c.kind == self.ci.CursorKind.FIELD_DECL
        ]
        raw = declaration.raw_comment or typedef.raw_comment
        return model.Struct(name=name, doc=parse_doc(raw), fields=fields, line=declaration.location.line)

    def _function(self, cursor: Any) -> model.Function:
        params = [model.Param(name=a.spelling, type=self._type(a.type)) for a in cursor.get_arguments()]
        is_inline = cursor.storage_class == self.ci.StorageClass.STATIC
        return model.Function(
            name=cursor.spelling,
            return_type=self._type(cursor.result_type),
            params=params,
            doc=parse_doc(cursor.raw_comment),
            # The SDK services are `static inline`; the plugin's entry points are only declared.
            is_inline=is_inline,
            line=cursor.location.line,
            since=self._since(cursor) if is_inline else "",
            deprecated=cursor.availability == self.ci.AvailabilityKind.DEPRECATED,
        )

    def _since(self, cursor: Any) -> str:
        """The Orthanc release that brought the function, "" when the header does not say."""
        for child in cursor.get_children():
            if child.kind == self.ci.CursorKind.ANNOTATE_ATTR and child.spelling.startswith(SINCE_ANNOTATION):
                return child.spelling[len(SINCE_ANNOTATION):].strip()
        # The body is not parsed (PARSE_SKIP_FUNCTION_BODIES): read the services
        # it invokes from the text between this function and the next one.
        start = cursor.location.offset
        end = self.next_offset.get(start, len(self.data))
        versions = [
            self.service_since[name.decode()]
            for name in _SERVICE_NAME.findall(self.data, start, end)
            if name.decode() in self.service_since
        ]
        return max(versions, key=model.version_key, default="")

    # --- types --------------------------------------------------------------

    def _type(self, t: Any) -> model.CType:
        ci = self.ci
        TK = ci.TypeKind
        spelling = t.spelling
        is_const = t.is_const_qualified()
        name = self._written_name(t)

        if t.kind == TK.POINTER:
            return model.CType(spelling, model.POINTER, is_const=is_const, pointee=self._type(t.get_pointee()))
        if t.kind in (TK.FUNCTIONPROTO, TK.FUNCTIONNOPROTO):
            return model.CType(spelling, model.FUNCTION)

        canonical = t.get_canonical()
        if canonical.kind == TK.POINTER:
            # A typedef of a pointer (the callbacks): keep its name, describe the pointee.
            pointee = self._type(canonical.get_pointee())
            return model.CType(spelling, model.POINTER, name=name, is_const=is_const, pointee=pointee)
        if canonical.kind == TK.VOID:
            return model.CType(spelling, model.VOID, name="void", is_const=is_const)
        if canonical.kind == TK.ENUM:
            return model.CType(spelling, model.ENUM, name=name, is_const=is_const, bits=32, signed=True)
        if canonical.kind == TK.RECORD:
            kind = model.STRUCT if canonical.get_declaration().is_definition() else model.OPAQUE
            return model.CType(spelling, kind, name=name, is_const=is_const)
        if canonical.kind in self.integer_kinds:
            return model.CType(
                spelling,
                model.INTEGER,
                name=name,
                is_const=is_const,
                bits=canonical.get_size() * 8,
                signed=canonical.kind in self.signed_kinds,
            )
        if canonical.kind in (TK.FLOAT, TK.DOUBLE):
            return model.CType(spelling, model.FLOAT, name=name, is_const=is_const, bits=canonical.get_size() * 8)
        return model.CType(spelling, model.OTHER, name=name, is_const=is_const)

    def _written_name(self, t: Any) -> str:
        """The name the header uses: the typedef ("uint32_t") or the builtin ("char")."""
        declaration = t.get_declaration()
        if declaration.kind == self.ci.CursorKind.TYPEDEF_DECL:
            return declaration.spelling
        words = [w for w in t.spelling.split() if w not in ("const", "volatile", "struct", "enum", "restrict")]
        return " ".join(words)
