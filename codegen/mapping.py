"""What the argument and the result mappings share: the reason a function
cannot be wrapped, the header's enums and handle types, and the names of the
C++ locals and Python parameters of a wrapper."""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Dict, Optional, Set

from . import model as m
from .doxygen import clean_inline
from .naming import python_class_name
from .sdk_policy import CONTEXT_TYPE

# Locals that the templates declare in every wrapper, and C++ keywords an SDK
# parameter name could collide with.
RESERVED_LOCALS = {"self", "args", "nogil", "sdkCode", "sdkResult", "sdkTarget", "module"}
_CPP_KEYWORDS = {
    "auto", "bool", "break", "case", "catch", "char", "class", "const", "continue", "default", "delete",
    "do", "double", "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend",
    "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "operator", "private",
    "protected", "public", "register", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "template", "this", "throw", "true", "try", "typedef", "typename", "union", "unsigned",
    "using", "virtual", "void", "volatile", "while",
}


class NotMappable(Exception):
    """The reason why a function cannot be wrapped automatically."""


@dataclass
class HeaderTypes:
    """The header's types as the mappings see them."""

    enum_names: Set[str]
    handle_classes: Dict[str, str]  # handle C type -> Python class
    destructors: Dict[str, str]  # handle C type -> its OrthancPluginFree<X>

    @classmethod
    def of(cls, module: m.Module) -> HeaderTypes:
        handle_classes = {h.name: python_class_name(h.name) for h in module.classes}
        return cls({e.name for e in module.enums}, handle_classes, _find_destructors(module, handle_classes))

    def handle_of(self, ctype: m.CType) -> Optional[str]:
        """Python class if `ctype` is a pointer to a handle type."""
        return _handle_of(self.handle_classes, ctype)


def _handle_of(handle_classes: Dict[str, str], ctype: m.CType) -> Optional[str]:
    if ctype.kind == m.POINTER and ctype.pointee is not None and ctype.pointee.kind == m.OPAQUE:
        return handle_classes.get(ctype.pointee.name)
    return None


def _find_destructors(module: m.Module, handle_classes: Dict[str, str]) -> Dict[str, str]:
    """Handle type -> its OrthancPluginFree<X>(context, X*) function."""
    result: Dict[str, str] = {}
    for function in module.functions:
        params = function.params
        if len(params) != 2 or not is_context(params[0]) or _handle_of(handle_classes, params[1].type) is None:
            continue
        handle = params[1].type.pointee
        assert handle is not None
        if not handle.is_const and function.name == "OrthancPluginFree" + python_class_name(handle.name):
            result[handle.name] = function.name
    return result


def is_context(param: m.Param) -> bool:
    return param.type.is_pointer_to(m.STRUCT, CONTEXT_TYPE)


def local_name(name: str, in_use: Set[str]) -> str:
    """A C++ local for SDK parameter `name` that clashes with no keyword nor other local."""
    local = name
    if local in _CPP_KEYWORDS or local in in_use:
        local = name + "Arg"
    suffix = 2
    while local in in_use:
        local = f"{name}Arg{suffix}"
        suffix += 1
    in_use.add(local)
    return local


def python_name(name: str) -> str:
    # Python sees the SDK parameter names (signatures, orthanc.pyi): no keyword.
    return name + "_" if keyword.iskeyword(name) else name


def param_doc(function: m.Function, name: str) -> str:
    return clean_inline(function.doc.param(name))


def describe_param(param: m.Param) -> str:
    return f"`{param.name}` ({param.type.spelling})"


def pointer_spelling(ctype: m.CType) -> str:
    """Normalised C++ spelling of a pointer to a named type: "const OrthancPluginImage*"."""
    assert ctype.pointee is not None
    return "{}{}*".format("const " if ctype.pointee.is_const else "", ctype.pointee.name)
