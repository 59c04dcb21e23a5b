"""Python docstrings built from the doxygen comments of the SDK.

Layout (as upstream): summary, description paragraphs, notes, then
"Args:" with one "name (type): text" line per Python argument and
"Returns:" with "type: text".
"""

from __future__ import annotations

import textwrap
from typing import List, Optional, Sequence

from . import bindings as b
from .model import Doc

_WIDTH = 76


def _wrap(text: str, indent: str = "") -> List[str]:
    lines: List[str] = []
    for piece in text.split("\n"):  # list items keep their own line
        lines.extend(
            textwrap.wrap(
                piece, width=_WIDTH, initial_indent=indent, subsequent_indent=indent + ("  " if indent else ""),
                break_long_words=False, break_on_hyphens=False,
            )
            or [indent.rstrip()]
        )
    return lines


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", ":")) else text + "."


def describe(doc: Doc, args: Sequence[b.Arg] = (), result: Optional[b.Result] = None, extra: str = "") -> str:
    blocks: List[List[str]] = []
    if doc.brief:
        blocks.append(_wrap(_sentence(doc.brief)))
    for paragraph in doc.details:
        blocks.append(_wrap(paragraph))
    for note in doc.notes:
        blocks.append(_wrap(note))
    if extra:
        blocks.append(_wrap(extra))
    if args:
        lines = ["Args:"]
        for arg in args:
            kind = arg.doc_type + (" or None" if arg.nullable else "")
            lines.extend(_wrap("{} ({}): {}".format(arg.name, kind, arg.doc or "").rstrip(), indent="  "))
        blocks.append(lines)
    if result is not None and result.doc_type:
        blocks.append(["Returns:"] + _wrap(f"{result.doc_type}: {result.doc}".rstrip(": "), indent="  "))
    return "\n\n".join("\n".join(block) for block in blocks)


def describe_handwritten(text: str, sdk_doc: Optional[Doc], sdk_name: str) -> str:
    """Docstring of a hand-written function: what it does in Python, then the
    documentation of the SDK function it is built on."""
    blocks: List[List[str]] = [_wrap(_sentence(text))]
    if sdk_doc is not None and (sdk_doc.brief or sdk_doc.details):
        sdk_blocks = [_sentence(sdk_doc.brief)] if sdk_doc.brief else []
        sdk_blocks += list(sdk_doc.details)
        blocks.append(_wrap(f"Orthanc SDK, {sdk_name}(): " + sdk_blocks[0]))
        blocks.extend(_wrap(paragraph) for paragraph in sdk_blocks[1:])
    return "\n\n".join("\n".join(block) for block in blocks)
