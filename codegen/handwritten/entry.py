"""One hand-written function or method of src/, and the constructors that the
tables of this package use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

SDK_PREFIX = "OrthancPlugin"


@dataclass(frozen=True)
class Handwritten:
    """One hand-written module function or method."""

    name: str  # Python name
    symbol: str  # C++ function (see the package docstring)
    signature: str  # Python signature for orthanc.pyi, without the name: "(uri: str) -> bytes"
    doc: str  # what the Python function does (the SDK documentation of `sdk[0]` is appended)
    sdk: Tuple[str, ...] = ()  # the SDK functions that it makes reachable from Python
    keywords: bool = False  # METH_VARARGS | METH_KEYWORDS


def function(name: str, signature: str, doc: str, sdk: Tuple[str, ...] = (), keywords: bool = False,
             symbol: str = "") -> Handwritten:
    return Handwritten(name=name, symbol=symbol or name, signature=signature, doc=doc, sdk=sdk,
                       keywords=keywords)


def method(cls: str, name: str, signature: str, doc: str, sdk: Tuple[str, ...] = (),
           keywords: bool = False) -> Handwritten:
    return Handwritten(name=name, symbol=f"{cls}_{name}", signature=signature, doc=doc, sdk=sdk,
                       keywords=keywords)
