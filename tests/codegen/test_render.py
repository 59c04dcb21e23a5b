"""render.py and the templates: the C++ contract, the GIL rule, orthanc.pyi."""

from __future__ import annotations

import ast
import copy
import re

import pytest

from codegen import bindings as b

from codegen.classify import classify
from codegen.errors import CodegenError
from codegen.handwritten import Handwritten
from codegen.render import (
    OUTPUT_FILES,
    c_string,
    py_docstring,
    render,
    write_if_changed,
)


def test_c_string():
    assert c_string("") == '""'
    assert c_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert c_string("one\ntwo", 2) == '  "one\\n"\n  "two"'
    assert c_string("é") == '"\\303\\251"'  # octal escapes never swallow the next character
    assert c_string("what??=") == '"what?\\?="'  # no trigraph


def test_py_docstring():
    assert py_docstring("Short.", 4) == '    """Short."""'
    assert py_docstring('a\n\n"""b\\', 2) == '  """\n  a\n\n  \\"\\"\\"b\\\\\n  """'


def test_write_if_changed(tmp_path):
    path = tmp_path / "file.txt"
    assert write_if_changed(path, b"one")
    stamp = path.stat().st_mtime_ns
    assert not write_if_changed(path, b"one")
    assert path.stat().st_mtime_ns == stamp
    assert write_if_changed(path, b"two") and path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]  # no temporary left


def test_outputs_and_determinism(real_outputs, real_plan, real_module):
    assert tuple(real_outputs) == OUTPUT_FILES
    assert render(real_plan, real_module) == real_outputs


def test_a_call_slot_the_templates_do_not_know_stops_the_rendering(real_plan, real_module):
    plan = copy.deepcopy(real_plan)
    wrapper = plan.functions[0]
    wrapper.call = [b.CallSlot(b.CallSlotKind.CONTEXT), b.CallSlot("renamed")]  # type: ignore[arg-type]
    with pytest.raises(CodegenError, match="renamed"):
        render(plan, real_module)


def test_header_declares_the_contract(real_outputs, real_plan):
    header = real_outputs["OrthancGenerated.h"]
    for line in (
        '#include "PythonHeaders.h"',
        "#include <orthanc/OrthancCPlugin.h>",
        "namespace generated",
        "extern PyMethodDef kModuleFunctions[];",
        "bool AddEnums(PyObject* module);",
        "bool AddClasses(PyObject* module);",
        "PyTypeObject* DicomInstance_Type();",
        "PyObject* Wrap_DicomInstance(const OrthancPluginDicomInstance* handle, bool owned);",
    ):
        assert line in header, line
    for cls in real_plan.classes:
        assert f"PyTypeObject* {cls.name}_Type();" in header
        assert f"PyObject* Wrap_{cls.name}(const {cls.c_type}* handle, bool owned);" in header


def test_one_wrapper_per_sdk_function(real_outputs, real_plan):
    code = real_outputs["OrthancFunctions.cpp"] + real_outputs["OrthancClasses.cpp"]
    wrappers = real_plan.functions + [w for c in real_plan.classes for w in c.methods]
    for w in wrappers:
        assert len(re.findall(rf"\bPyObject\* {w.symbol}\(", code)) == 1, w.symbol
        assert len(re.findall(rf"\b{w.sdk_name}\(PluginContext\(\)", code)) == 1, w.sdk_name
    functions = real_outputs["OrthancFunctions.cpp"]
    table = re.search(r"PyMethodDef kModuleFunctions\[\] = \{(.*?)\n  \};", functions, re.DOTALL)
    # The generated wrappers, then the hand-written functions.
    assert table and table.group(1).count('{"') == len(real_plan.functions) + len(real_plan.handwritten_functions)
    for h in real_plan.handwritten_functions:
        assert f'{{"{h.py_name}", ' in table.group(1)
        assert f"PyObject* {h.symbol}(PyObject* self, PyObject* args" in real_outputs["OrthancGenerated.h"]


def _functions(code):
    """Bodies of the generated wrappers (and the other functions) of a .cpp file."""
    signature = r"\n    PyObject\* \w+\(PyObject\*[^)]*, PyObject\*[^)]*\)"
    return re.findall(signature + r"\n    \{\n(.*?)\n    \}\n", code, re.DOTALL)


def test_sdk_calls_are_made_without_the_gil(real_outputs):
    for name in ("OrthancFunctions.cpp", "OrthancClasses.cpp"):
        code = real_outputs[name]
        lines = code.splitlines()
        for index, line in enumerate(lines):
            if "(PluginContext()" in line:
                # The call is the only statement of a `{ GilRelease nogil; ... }` block.
                assert lines[index - 1].strip() == "GilRelease nogil;", (name, line)
        # (the trampolines in front of hand-written functions only delegate)
        bodies = [body for body in _functions(code) if "return ::" not in body]
        assert bodies
        for body in bodies:
            release = body.index("GilRelease nogil;")
            # Arguments are converted before, results after.
            for before in ("PyArg_ParseTuple", "HandleOf(", "CheckBufferSize"):
                if before in body:
                    assert body.index(before) < release, body
            # (RestOutput.AnswerBuffer may return early: its answer is deferred,
            # src/DeferredAnswer.h, and sent later without the GIL.)
            for after in ("return Result", "return PyLong_From", "return Wrap_", "Py_RETURN_NONE"):
                if after in body:
                    assert body.rindex(after) > release, body
            block = body[release:body.index("}", release)]
            assert "Py" not in block.replace("PluginContext", ""), block  # no Python API without the GIL


def test_every_call_into_orthanc_holds_an_orthanc_call(real_outputs, real_plan):
    # The wrappers and the trampolines of the hand-written functions: the
    # first statement, so that a refused call converts no argument.
    for name, least in (("OrthancFunctions.cpp", len(real_plan.functions)),
                        ("OrthancClasses.cpp", sum(len(c.methods) for c in real_plan.classes))):
        bodies = _functions(real_outputs[name])
        assert len(bodies) >= least > 0
        for body in bodies:
            assert body.startswith("      const OrthancCall call;\n      if (!call)\n"), body
    # The deallocators free a handle only during a run of Orthanc.
    classes = real_outputs["OrthancClasses.cpp"]
    frees = re.findall(r"\n( *)(OrthancPluginFree\w+)\(PluginContext\(\), handle\);", classes)
    assert frees
    for indent, _ in frees:
        assert len(indent) == 10  # inside `if (call) { GilRelease nogil; ... }`
    assert classes.count("const OrthancCall call{OrthancCall::Release{}};") == len(frees)


def test_pyi(real_outputs, real_plan):
    stub = real_outputs["orthanc.pyi"]
    tree = ast.parse(stub)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "class OrthancException(Exception):" in stub
    assert set(functions) == {w.py_name for w in real_plan.functions} | {
        h.py_name for h in real_plan.handwritten_functions
    }
    assert "def GetDicomForInstance(instanceId: str) -> bytes:" in stub
    assert "def RestApiPost(uri: str, body: _Buffer) -> bytes:" in stub
    assert "def RestApiGet2(uri: str, headers: Mapping[str, str], afterPlugins: int) -> bytes:" in stub
    assert "def RegisterRestCallback(pathRegularExpression: str, callback: _RestCallback) -> None:" in stub
    assert "def RegisterOnChangeCallback(callback: Callable[[int, int, str], None]) -> None:" in stub
    assert "    def GetImageBuffer(self) -> bytes:" in stub
    assert "class _RestCallback(Protocol):" in stub
    assert "def LookupPatient(patientID: str) -> str:" in stub
    assert "def CreateImage(format: int, width: int, height: int) -> Image:" in stub
    assert "    def GetInstanceSize(self) -> int:" in stub
    assert "    STABLE_STUDY: int = 9" in stub
    for enum in real_plan.enums:
        assert enum.name in classes
    for cls in real_plan.classes:
        methods = {n.name for n in classes[cls.name].body if isinstance(n, ast.FunctionDef)}
        aliases = {alias for w in cls.methods for alias in w.deprecated_aliases}
        assert methods == {w.py_name for w in cls.methods} | {h.name for h in cls.handwritten} | aliases
        for w in cls.methods:
            node = next(n for n in classes[cls.name].body if isinstance(n, ast.FunctionDef) and n.name == w.py_name)
            assert ast.get_docstring(node) == w.docstring
    compile(stub, "orthanc.pyi", "exec")


def test_handwritten_methods_are_declared_and_listed(mini_module):
    plan = classify(mini_module, handwritten_functions=[], internal={}, handwritten_methods={
        "Image": [Handwritten("GetImageBuffer", "Image_GetImageBuffer", "() -> bytes", "The pixels."),
                  Handwritten("Lookup", "Image_Lookup", "(name: str, exact: bool = True) -> int", "Look.",
                              keywords=True)]})
    outputs = render(plan, mini_module)
    assert "PyObject* Image_GetImageBuffer(PyObject* self, PyObject* args);" in outputs["OrthancGenerated.h"]
    assert "PyObject* Image_Lookup(PyObject* self, PyObject* args, PyObject* kwargs);" in outputs["OrthancGenerated.h"]
    classes = outputs["OrthancClasses.cpp"]
    assert '{"GetImageBuffer", Checked_Image_GetImageBuffer, METH_VARARGS, Image_GetImageBuffer_HandwrittenDoc},' in classes
    assert ('{"Lookup", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(Checked_Image_Lookup)), '
            'METH_VARARGS | METH_KEYWORDS, Image_Lookup_HandwrittenDoc},') in classes
    # Each is reached through a trampoline that holds the OrthancCall of every call into Orthanc.
    trampoline = classes[classes.index("PyObject* Checked_Image_Lookup("):]
    trampoline = trampoline[:trampoline.index("\n    }\n") + 6]
    assert "const OrthancCall call;" in trampoline
    assert "return ::Image_Lookup(self, args, kwargs);" in trampoline
    assert '"GetImageBuffer($self, /)\\n"' in classes  # __text_signature__ for inspect
    assert "    def GetImageBuffer(self) -> bytes:" in outputs["orthanc.pyi"]
    assert "    def Lookup(self, name: str, exact: bool = True) -> int:" in outputs["orthanc.pyi"]
