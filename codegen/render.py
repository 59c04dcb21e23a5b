"""Renders the binding plan with the Jinja2 templates, and writes the output
files only when their content changed (so that CMake does not rebuild)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

from . import bindings as b
from .errors import REQUIREMENTS_HINT, CodegenError
from .model import Module

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The files CMake expects, in this order.
OUTPUT_FILES = (
    "OrthancGenerated.h",
    "OrthancFunctions.cpp",
    "OrthancClasses.cpp",
    "OrthancEnums.cpp",
    "orthanc.pyi",
    "coverage.md",
    "coverage.json",
    "model.json",
)

# Where the orthanc-stubs package (stubs/) keeps orthanc.pyi (PEP 561 stub-only package).
STUB_PACKAGE_FILE = "orthanc-stubs/__init__.pyi"

_TEMPLATED = {name: name + ".j2" for name in OUTPUT_FILES[:6]}


# --- filters ----------------------------------------------------------------


def _c_escape(text: str) -> str:
    out: List[str] = []
    previous = ""
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "?" and previous == "?":
            out.append("\\?")  # no trigraph ("??=") can form, whatever the compiler's mode
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")  # octal: never swallows the next character
        previous = char
    return "".join(out)


def c_string(text: str, indent: int = 0) -> str:
    """A C++ string literal, one piece per line of text (MSVC limits one piece's length)."""
    pad = " " * indent
    if not text:
        return pad + '""'
    lines = text.split("\n")
    pieces = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return "\n".join(f'{pad}"{_c_escape(piece)}"' for piece in pieces)


def text_signature_doc(wrapper: b.Wrapper) -> str:
    """Docstring with the "name(sig)\\n--\\n\\n" header that CPython turns into __text_signature__."""
    head = f"{wrapper.py_name}{wrapper.text_signature}\n--\n\n"
    return head + wrapper.docstring


def py_docstring(text: str, indent: int) -> str:
    pad = " " * indent
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if "\n" not in text and len(pad) + len(text) + 6 <= 100:
        return f'{pad}"""{text}"""'
    body = "\n".join((pad + line) if line else "" for line in text.split("\n"))
    return f'{pad}"""\n{body}\n{pad}"""'


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_status(entry: b.CoverageEntry) -> str:
    """The coverage status with its Python name in a code span."""
    if entry.python_name:
        return entry.status.replace(entry.python_name, f"`{entry.python_name}`")
    return entry.status


# --- rendering ----------------------------------------------------------------


def unhandled(kind: object) -> str:
    """For a template's last branch: a kind it has no code for stops the rendering."""
    raise CodegenError(f"the templates have no code for {kind!r}",
                       "give it a branch in the template that renders it (codegen/templates/)")


def _environment() -> Any:
    try:
        import jinja2
    except ImportError as error:
        raise CodegenError(f"the Python package 'Jinja2' is not installed ({error})", REQUIREMENTS_HINT) from None
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # The templates compare kinds with these, never with string literals: a
    # renamed kind fails the rendering (StrictUndefined) instead of making wrong C++.
    env.globals.update(ArgKind=b.ArgKind, ResultKind=b.ResultKind, OutputKind=b.OutputKind,
                       CallSlotKind=b.CallSlotKind, unhandled=unhandled)
    env.filters.update(
        c_string=c_string,
        text_signature_doc=text_signature_doc,
        py_docstring=py_docstring,
        md_cell=md_cell,
        md_status=md_status,
        format_code=lambda text: f"`{text}`",
    )
    return env


def render(plan: b.Plan, module: Module) -> Dict[str, str]:
    """File name -> content, for every file of OUTPUT_FILES."""
    env = _environment()
    outputs = {name: env.get_template(template).render(plan=plan) for name, template in _TEMPLATED.items()}
    outputs["coverage.json"] = json.dumps(plan.coverage_json(), indent=1) + "\n"
    outputs["model.json"] = module.to_json()
    return {name: outputs[name] for name in OUTPUT_FILES}


# --- writing ------------------------------------------------------------------


def write_if_changed(path: Path, content: bytes) -> bool:
    """Replaces `path` atomically if its content differs; returns whether it did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_bytes() == content:
            return False
    except OSError:
        pass
    # A plain open() (not mkstemp) so that the file gets the usual permissions (umask).
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(content)
        os.replace(str(temp), str(path))
    except BaseException:
        if temp.exists():
            temp.unlink()
        raise
    return True


def write_outputs(outputs: Dict[str, bytes], directory: Path) -> List[str]:
    """Writes every output into `directory`; returns the names that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    return [name for name, content in outputs.items() if write_if_changed(directory / name, content)]


def encode(outputs: Dict[str, str]) -> Dict[str, bytes]:
    # "\n" line ends everywhere, so that the cache and the outputs are byte-identical on every host.
    return {name: text.encode("utf-8") for name, text in outputs.items()}
