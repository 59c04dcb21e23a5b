"""Static checks of Windows DLLs
(packaging/orthanc_packaging/windows/pe_checks.py: check_dll): on the built plugin, and on small real DLLs built here with MinGW-w64 that each
break one rule, so that every check is seen to fail when it should."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from windows_env import ROOT, Built, windows

VERSION = windows.read_version(ROOT)
RC_TEMPLATE = ROOT / "windows" / "OrthancPython.rc.in"

ENTRY_POINTS_CPP = """\
#include <string>
extern "C" {
__declspec(dllexport) int OrthancPluginInitialize(void*) { return 0; }
__declspec(dllexport) void OrthancPluginFinalize() {}
__declspec(dllexport) const char* OrthancPluginGetName() { static std::string n("python"); return n.c_str(); }
__declspec(dllexport) const char* OrthancPluginGetVersion() { return "0"; }
}
"""


def configure_rc(
    path: Path, version: str, numbers: tuple[int, ...], python: str
) -> Path:
    """windows/OrthancPython.rc.in with the values CMake would put in."""
    text = RC_TEMPLATE.read_text(encoding="utf-8")
    values = {
        "MAJOR": str(numbers[0]),
        "MINOR": str(numbers[1]),
        "PATCH": str(numbers[2]),
        "TWEAK": "0",
        "VERSION": version,
        "PYTHON": python,
    }
    for key, value in values.items():
        text = text.replace(f"@ORTHANC_PYTHON_RC_{key}@", value)
    assert "@" not in text
    path.write_text(text, encoding="utf-8")
    return path


def build_dll(
    gxx: str, folder: Path, source: str, *flags: str, rc: Path | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cpp = folder / "plugin.cpp"
    cpp.write_text(source, encoding="utf-8")
    inputs = [str(cpp)]
    if rc is not None:
        res = folder / "version.o"
        windres = gxx.rsplit("-g++", 1)[0] + "-windres"
        subprocess.run([windres, str(rc), "-O", "coff", "-o", str(res)], check=True)
        inputs.append(str(res))
    dll = folder / "OrthancPython.dll"
    subprocess.run([gxx, "-shared", "-o", str(dll), *inputs, *flags], check=True)
    return dll


def test_the_built_plugin_passes(built_any: Built) -> None:
    built = built_any
    exports = windows.dev_root_path(windows.windows_build_dir(ROOT), built.minor) / "libs" / (
        f"python{windows.python_tag(built.minor)}.def")
    python_exports = windows.exported_names(exports) if exports.is_file() else None
    assert windows.check_dll(built.plugin, built.minor, VERSION, built.release_libs,
                             arch=built.arch, python_exports=python_exports) == []


def test_the_built_plugin_facts(built_any: Built) -> None:
    built = built_any
    facts = windows.read_dll_facts(built.plugin)
    assert facts.file_format == built.arch.pe_format
    assert set(windows.ENTRY_POINTS) <= set(facts.exports)
    tag = windows.python_tag(built.minor)
    assert f"python{tag}.dll" in [name.lower() for name in facts.imports]
    resource = windows.read_version_resource(built.plugin.read_bytes())
    assert resource is not None
    assert resource.strings["FileVersion"] == VERSION
    assert resource.strings["OriginalFilename"] == "OrthancPython.dll"


def test_a_dynamic_mingw_runtime_is_caught(mingw_gxx: str, tmp_path: Path) -> None:
    # Without -static, the C++ runtime stays in libstdc++-6.dll.
    dll = build_dll(mingw_gxx, tmp_path, ENTRY_POINTS_CPP, "-shared-libgcc")
    facts = windows.read_dll_facts(dll)
    assert "libstdc++-6.dll" in facts.imports
    problems = windows.check_imports_and_exports(facts, "3.11")
    assert (
        "imports the MinGW runtime libstdc++-6.dll, which Windows users do not have"
        in problems
    )
    assert "does not import python311.dll" in problems


def test_static_runtime_and_python_import_pass(mingw_gxx: str, tmp_path: Path) -> None:
    # The same DLL linked as STATIC_BUILD links the plugin, and importing
    # python311.dll through an import library made like the dev root's.
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "python311.def").write_text(
        "LIBRARY python311.dll\nEXPORTS\nPy_GetVersion\n", encoding="utf-8"
    )
    dlltool = mingw_gxx.rsplit("-g++", 1)[0] + "-dlltool"
    subprocess.run(
        [
            dlltool,
            "--dllname",
            "python311.dll",
            "--def",
            str(lib / "python311.def"),
            "--output-lib",
            str(lib / "python311.lib"),
        ],
        check=True,
    )
    source = ENTRY_POINTS_CPP.replace(
        'return "0"; }', "return Py_GetVersion(); }"
    ).replace(
        'extern "C" {',
        'extern "C" {\n__declspec(dllimport) const char* Py_GetVersion();',
    )
    numbers = tuple(int(n) for n in VERSION.split(".")[:3])
    rc = configure_rc(tmp_path / "v.rc", VERSION, numbers, "3.11")
    dll = build_dll(
        mingw_gxx, tmp_path / "ok", source, "-static", str(lib / "python311.lib"), rc=rc
    )

    facts = windows.read_dll_facts(dll)
    assert [
        name.lower()
        for name in facts.imports
        if name.lower().startswith(("python", "lib"))
    ] == ["python311.dll"]
    assert windows.check_dll(dll, "3.11", VERSION) == []


def test_version_resource_round_trip(mingw_gxx: str, tmp_path: Path) -> None:
    rc = configure_rc(tmp_path / "v.rc", "4.5.6", (4, 5, 6), "3.12")
    dll = build_dll(mingw_gxx, tmp_path, ENTRY_POINTS_CPP, "-static", rc=rc)
    resource = windows.read_version_resource(dll.read_bytes())
    assert resource is not None
    assert resource.file_version == (4, 5, 6, 0)
    assert resource.strings["ProductVersion"] == "4.5.6"
    assert resource.strings["PythonVersion"] == "3.12"
    assert windows.check_version_resource(dll.read_bytes(), "4.5.6", "3.12") == []
    assert windows.check_version_resource(dll.read_bytes(), "4.5.7", "3.11") == [
        "version resource says (4, 5, 6, 0), the plugin is 4.5.7",
        "FileVersion is '4.5.6', expected '4.5.7'",
        "PythonVersion is '3.12', expected '3.11'",
    ]


def test_a_dll_without_resource_is_reported() -> None:
    assert windows.check_version_resource(b"MZ" + b"\0" * 64, "1.0.0", "3.11") == [
        "has no version resource"
    ]


@pytest.mark.parametrize(
    ("imports", "release_libs", "expected"),
    [
        (["python311.dll", "KERNEL32.dll"], True, []),
        (
            ["python311_d.dll"],
            True,
            [
                "does not import python311.dll",
                "imports the debug Python python311_d.dll (release libraries were asked for)",
            ],
        ),
        (["python311_d.dll"], False, []),
        (
            ["python311.dll", "python310.dll"],
            True,
            ["imports another Python, python310.dll"],
        ),
        (
            ["PYTHON311.DLL", "libwinpthread-1.dll", "libgcc_s_seh-1.dll"],
            True,
            [
                "imports the MinGW runtime libgcc_s_seh-1.dll, which Windows users do not have",
                "imports the MinGW runtime libwinpthread-1.dll, which Windows users do not have",
            ],
        ),
    ],
)
def test_import_rules(
    imports: list[str], release_libs: bool, expected: list[str]
) -> None:
    facts = windows.DllFacts("pei-x86-64", list(windows.ENTRY_POINTS), imports)
    assert windows.check_imports_and_exports(facts, "3.11", release_libs) == expected


def test_32_bit_and_missing_exports_are_reported() -> None:
    facts = windows.DllFacts("pei-i386", ["OrthancPluginInitialize"], ["python311.dll"])
    assert windows.check_imports_and_exports(facts, "3.11") == [
        "not a 64-bit Windows DLL (file format pei-i386, expected pei-x86-64)",
        "does not export OrthancPluginFinalize",
        "does not export OrthancPluginGetName",
        "does not export OrthancPluginGetVersion",
    ]


def test_a_64_bit_dll_is_refused_for_x86_and_its_runtime_dlls_checked() -> None:
    facts = windows.DllFacts("pei-x86-64", list(windows.ENTRY_POINTS), ["python311.dll", "libgcc_s_dw2-1.dll"])
    assert windows.check_imports_and_exports(facts, "3.11", arch=windows.X86) == [
        "not a 32-bit Windows DLL (file format pei-x86-64, expected pei-i386)",
        "imports the MinGW runtime libgcc_s_dw2-1.dll, which Windows users do not have",
    ]


OBJDUMP_IMPORTS = """test.dll:     file format pei-i386

The Import Tables (interpreted .idata section contents)
 vma:            Hint    Time      Forward  DLL       First
                 Table   Stamp     Chain    Name      Thunk

\tDLL Name: python311.dll
\tvma:  Hint/Ord Member-Name Bound-To
\te5be\t  165  PyDict_New
\te5cc\t  169  _PyDict_SetItemString

\tDLL Name: KERNEL32.dll
\tvma:  Hint/Ord Member-Name Bound-To
\t1234\t   12  LoadLibraryW

"""


def test_imports_of_names_python_does_not_export_are_caught() -> None:
    # "_PyDict_SetItemString": what an x86 import library made with
    # dlltool --add-underscore makes the plugin import.
    facts = windows.parse_objdump(OBJDUMP_IMPORTS)
    assert facts.imports == ["python311.dll", "KERNEL32.dll"]
    assert facts.imported_names["python311.dll"] == ["PyDict_New", "_PyDict_SetItemString"]
    exported = {"PyDict_New", "PyDict_SetItemString"}
    assert windows.check_python_imports(facts, "3.11", exported) == [
        "imports from python311.dll what it does not export: _PyDict_SetItemString"]
    assert windows.check_python_imports(facts, "3.12", exported) == []
