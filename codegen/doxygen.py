"""Splits the doxygen comments of the SDK header into a model.Doc."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from .model import Doc, ParamDoc

_OPENING = re.compile(r"^\s*/\*+!?<?")
_CLOSING = re.compile(r"\*+/\s*$")
_LINE_PREFIX = re.compile(r"^\s*\*+(?!/)\s?")
_COMMAND = re.compile(r"^[@\\](\w+)\b\s*(.*)$")
_HTML_TAG = re.compile(r"</?(tt|b|i|em|code|br)\s*/?>", re.IGNORECASE)
_BULLET = re.compile(r"^(-#?|\d+\.)\s")

# Commands whose text is not part of a docstring.
_DROPPED = {"ingroup", "see", "defgroup", "mainpage", "addtogroup", "sa"}


def comment_lines(raw: str) -> List[str]:
    """The text lines of a /** ... */ or /*!< ... */ comment, without the markers."""
    lines = raw.strip().splitlines()
    result = []
    for index, line in enumerate(lines):
        if index == 0:
            line = _OPENING.sub("", line, count=1)
        if index == len(lines) - 1:
            line = _CLOSING.sub("", line, count=1)
        if index > 0:
            line = _LINE_PREFIX.sub("", line, count=1)
        result.append(line.rstrip())
    return result


def clean_inline(text: str) -> str:
    """Drops the HTML markup that the header uses inline (<tt>NULL</tt>)."""
    return _HTML_TAG.sub("", text)


def _join(lines: List[str]) -> str:
    """One paragraph: lines joined by spaces, except list items keep their own line."""
    parts: List[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if parts and not _BULLET.match(stripped):
            parts[-1] = parts[-1] + " " + stripped
        else:
            parts.append(stripped)
    return clean_inline("\n".join(parts))


def parse_doc(raw: Optional[str]) -> Doc:
    doc = Doc()
    if not raw:
        return doc

    # Each section is (command, argument, lines); command "" is the free text.
    sections: List[Tuple[str, str, List[str]]] = [("", "", [])]
    for line in comment_lines(raw):
        stripped = line.strip()
        match = _COMMAND.match(stripped)
        if match:
            command, rest = match.group(1).lower(), match.group(2)
            argument = ""
            if command == "param":
                # "@param[in] name text" or "@param name text"
                rest = re.sub(r"^\[\w+\]\s*", "", rest)
                name, _, rest = rest.partition(" ")
                argument = name
            sections.append((command, argument, [rest]))
        elif not stripped and sections[-1][0] != "":
            # A blank line ends a command's paragraph; what follows is free text again.
            sections.append(("", "", []))
        else:
            sections[-1][2].append(line)

    free_text: List[List[str]] = []
    for command, argument, lines in sections:
        if command == "":
            # Split the free text into paragraphs on blank lines.
            paragraph: List[str] = []
            for line in lines:
                if line.strip():
                    paragraph.append(line)
                elif paragraph:
                    free_text.append(paragraph)
                    paragraph = []
            if paragraph:
                free_text.append(paragraph)
        elif command == "brief":
            doc.brief = _join(lines)
        elif command == "param":
            doc.params.append(ParamDoc(name=argument, text=_join(lines)))
        elif command in ("return", "returns", "result"):
            doc.returns = _join(lines)
        elif command in ("note", "warning", "remark"):
            label = {"note": "Note", "warning": "Warning", "remark": "Remark"}[command]
            doc.notes.append(f"{label}: {_join(lines)}")
        elif command == "deprecated":
            doc.notes.append(f"Deprecated: {_join(lines)}")
        elif command in _DROPPED:
            pass
        else:
            # An unknown command: keep its text rather than lose information.
            free_text.append(["{} {}".format(command, " ".join(lines))])

    paragraphs = [p for p in (_join(lines) for lines in free_text) if p]
    if not doc.brief and paragraphs:
        # No @brief (enums, trailing /*!< */ comments): the first paragraph is the summary.
        doc.brief = paragraphs.pop(0)
    doc.details = paragraphs
    return doc


def parse_trailing(raw: Optional[str]) -> str:
    """The one-paragraph text of a member comment (/*!< ... */ or a short /** */)."""
    doc = parse_doc(raw)
    return " ".join([doc.brief] + doc.details).strip()
