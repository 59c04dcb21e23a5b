"""The wheel's own package (python/orthanc_python), without a build:
configuration snippet, command line, and the loader checks fed with the
output of ldd and otool as they print it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import orthanc_python
from orthanc_python import _check, _cli


def test_library_names_per_platform() -> None:
    assert orthanc_python.library_name("linux") == "libOrthancPython.so"
    assert orthanc_python.library_name("darwin") == "libOrthancPython.dylib"
    assert orthanc_python.library_name("win32") == "OrthancPython.dll"


def test_snippet_of_a_venv(tmp_path: Path) -> None:
    library = tmp_path / "libOrthancPython.so"
    config = orthanc_python.configuration("script.py", library, venv="/opt/venv")
    assert config == {
        "Plugins": [str(library)],
        "Python": {"Path": str(Path("script.py").resolve()), "VirtualEnv": "/opt/venv"},
    }


def test_snippet_outside_a_venv(tmp_path: Path) -> None:
    config = orthanc_python.configuration(None, tmp_path / "lib.so", detect_venv=False)
    assert config == {"Plugins": [str(tmp_path / "lib.so")]}


def test_virtual_env_is_the_prefix_only_inside_one() -> None:
    assert orthanc_python.virtual_env("/v", "/usr") == "/v"
    assert orthanc_python.virtual_env("/usr", "/usr") is None


def test_command_without_the_library_says_how_to_get_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A source checkout has no library: the command says so instead of a traceback.
    assert _cli.main(["--path"]) == 1
    assert "pip install orthanc-python-plugin" in capsys.readouterr().err


def test_command_prints_path_and_snippet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    library = tmp_path / orthanc_python.library_name()
    library.write_bytes(b"")
    monkeypatch.setattr(_cli, "library_path", lambda: library)
    assert _cli.main(["--script", "/etc/orthanc/s.py", "--no-venv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == str(library)
    snippet = json.loads(out[out.index("{") :])
    assert snippet == {
        "Plugins": [str(library)],
        "Python": {"Path": "/etc/orthanc/s.py"},
    }
    assert _cli.main(["--json", "--no-venv"]) == 0
    assert json.loads(capsys.readouterr().out) == {"Plugins": [str(library)]}


LDD_FOUND = """\
\tlinux-vdso.so.1 (0x00007ffd5a1e6000)
\tlibpython3.12.so.1.0 => /root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0 (0x00007f0e1c400000)
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0e1c000000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f0e1cc0e000)
"""
LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd5a1e6000)
\tlibpython3.12.so.1.0 => not found
\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0e1c000000)
"""


def test_parse_ldd() -> None:
    deps = _check.parse_ldd(LDD_FOUND + "\tlibfoo.so => not found\n")
    assert (
        deps["libpython3.12.so.1.0"]
        == "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"
    )
    assert deps["libfoo.so"] is None
    assert "linux-vdso.so.1" not in deps


def test_check_linux_found(tmp_path: Path) -> None:
    expected = Path("/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0")
    result = _check.check_linux(
        tmp_path / "lib.so", expected, run=lambda cmd: LDD_FOUND
    )
    assert result.ok
    assert not any("warning" in line for line in result.lines)


def test_check_linux_other_python_is_a_warning(tmp_path: Path) -> None:
    other = tmp_path / "libpython3.12.so.1.0"
    result = _check.check_linux(tmp_path / "lib.so", other, run=lambda cmd: LDD_FOUND)
    assert result.ok
    assert any(line.startswith("warning:") for line in result.lines)


def test_check_linux_missing_tells_the_fix(tmp_path: Path) -> None:
    expected = tmp_path / "lib" / "libpython3.12.so.1.0"
    result = _check.check_linux(
        tmp_path / "lib.so", expected, run=lambda cmd: LDD_MISSING
    )
    assert not result.ok
    assert any(
        f"echo {expected.parent} > /etc/ld.so.conf.d/" in line for line in result.lines
    )
    result = _check.check_linux(tmp_path / "lib.so", None, run=lambda cmd: LDD_MISSING)
    assert any("apt-get install libpython" in line for line in result.lines)


OTOOL_L = """\
/x/libOrthancPython.dylib:
\t@rpath/libOrthancPython.dylib (compatibility version 0.0.0, current version 0.0.0)
\t@rpath/Python.framework/Versions/3.12/Python (compatibility version 3.12.0, current version 3.12.0)
\t/usr/lib/libc++.1.dylib (compatibility version 1.0.0, current version 1700.255.0)
"""
OTOOL_RPATHS = """\
Load command 18
          cmd LC_RPATH
      cmdsize 48
         path @loader_path/../../../../../../.. (offset 12)
Load command 19
          cmd LC_RPATH
      cmdsize 40
         path /Library/Frameworks (offset 12)
"""


def test_parse_otool() -> None:
    assert (
        _check.parse_otool_python(OTOOL_L)
        == "@rpath/Python.framework/Versions/3.12/Python"
    )
    assert _check.parse_otool_rpaths(OTOOL_RPATHS) == [
        "@loader_path/../../../../../../..",
        "/Library/Frameworks",
    ]


def test_check_macos_follows_the_rpaths(tmp_path: Path) -> None:
    frameworks = tmp_path / "Frameworks"
    python = frameworks / "Python.framework" / "Versions" / "3.12" / "Python"
    python.parent.mkdir(parents=True)
    python.write_bytes(b"")
    rpaths = OTOOL_RPATHS.replace("/Library/Frameworks", str(frameworks))
    runner = {"-L": OTOOL_L, "-l": rpaths}
    result = _check.check_macos(
        tmp_path / "lib.dylib", python, run=lambda cmd: runner[cmd[1]]
    )
    assert result.ok, result.lines
    assert f"found: {python}" in result.lines
    elsewhere = OTOOL_RPATHS.replace("/Library/Frameworks", str(tmp_path / "nowhere"))
    runner = {"-L": OTOOL_L, "-l": elsewhere}
    result = _check.check_macos(
        tmp_path / "lib.dylib", python, run=lambda cmd: runner[cmd[1]]
    )
    assert not result.ok
    assert any("python.org" in line for line in result.lines)


def test_resolve_macos_loader_path(tmp_path: Path) -> None:
    tried = _check.resolve_macos(
        "@rpath/libpython3.12.dylib", ["@loader_path/../../..", "/opt/py/lib"], tmp_path
    )
    assert tried == [
        tmp_path / "../../.." / "libpython3.12.dylib",
        Path("/opt/py/lib/libpython3.12.dylib"),
    ]
