"""Plans the hand-written functions and methods of src/ (codegen/handwritten/)
like the generated ones: which this header can offer, their docstrings made
from the SDK documentation, their signatures, and the SDK functions they reach."""

from __future__ import annotations

import ast
from typing import Dict, Iterable, List, Optional

from . import bindings as b
from . import handwritten as hw
from . import model as m
from .docstrings import describe_handwritten
from .sdk_policy import since


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


class HandwrittenPlanner:
    def __init__(
        self,
        known: Dict[str, m.Function],
        functions: Iterable[hw.Handwritten],
        methods: Dict[str, List[hw.Handwritten]],
    ) -> None:
        self.known = known
        self.functions = list(functions)
        self.methods = methods
        # SDK function -> the first Python name that reaches it.
        self.reached_by: Dict[str, str] = {}
        for function in self.functions:
            for sdk in function.sdk:
                self.reached_by.setdefault(sdk, function.name)
        for cls_name, class_methods in methods.items():
            for method in class_methods:
                for sdk in method.sdk:
                    self.reached_by.setdefault(sdk, f"{cls_name}.{method.name}")

    def available(self, handwritten: hw.Handwritten) -> bool:
        """A hand-written function exists when the header has every SDK function it calls."""
        return all(name in self.known for name in handwritten.sdk)

    def add_methods(self, classes: Dict[str, b.WrapperClass]) -> None:
        """Appends the available hand-written methods to their classes."""
        for class_name, methods in self.methods.items():
            if class_name not in classes:
                continue  # a handle type that this SDK header does not have
            for method in methods:
                if not self.available(method):
                    continue
                signature = _method_signature(method.signature)
                classes[class_name].handwritten.append(
                    b.HandwrittenMethod(
                        name=method.name,
                        symbol=method.symbol,
                        docstring=self._doc(method),
                        signature=signature,
                        text_signature=text_signature(method.signature, "$self", method.keywords),
                        keywords=method.keywords,
                        sdk_names=[sdk for sdk in method.sdk if sdk in self.known],
                        since=since(self.known, method.sdk),
                    )
                )

    def plan_functions(self) -> List[b.HandwrittenFunction]:
        return [
            b.HandwrittenFunction(
                py_name=h.name,
                sdk_names=[sdk for sdk in h.sdk if sdk in self.known],
                docstring=self._doc(h),
                symbol=h.symbol,
                signature=h.signature,
                text_signature=text_signature(h.signature, "$module", h.keywords),
                keywords=h.keywords,
                since=since(self.known, h.sdk),
            )
            for h in self.functions
            if self.available(h)
        ]

    def left_out(self) -> List[b.LeftOut]:
        """The hand-written functions and methods that this header cannot offer."""
        left: List[b.LeftOut] = []
        for function in self.functions:
            if not self.available(function):
                left.append(b.LeftOut("orthanc." + function.name, [n for n in function.sdk if n not in self.known]))
        for class_name, methods in self.methods.items():
            for method in methods:
                if not self.available(method):
                    left.append(b.LeftOut(f"orthanc.{class_name}.{method.name}",
                                          [n for n in method.sdk if n not in self.known]))
        return left

    def _doc(self, handwritten: hw.Handwritten) -> str:
        sdk = next((self.known[name] for name in handwritten.sdk if name in self.known), None)
        return describe_handwritten(handwritten.doc, sdk.doc if sdk is not None else None,
                                    sdk.name if sdk is not None else "")
