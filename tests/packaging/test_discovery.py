"""Interpreter discovery on fake layouts (pyenv, uv, frameworks, py launcher, PATH)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from orthanc_packaging import discovery as d
from orthanc_packaging import python_places
from packaging_fakes import (
    make_install,
    needs_posix,
    probe_info,
    write_fake_interpreter,
)

pytestmark = needs_posix


def places(**kwargs) -> d.SearchPlaces:
    return d.SearchPlaces(**kwargs)


def test_pyenv_layout_finds_supported_and_reports_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    for v in ("3.8.18", "3.12.1", "3.10.13", "2.7.18", "3.7.16"):
        make_install(root / "versions" / v, v)
    make_install(root / "versions" / "3.9.18", "3.9.18", shared=False)
    make_install(root / "versions" / "3.13.0", "3.13.0", headers=False)

    result = d.discover(places(pyenv_root=root))

    by_version = {p.version: p for p in result.pythons}
    assert [p.version for p in result.pythons] == [
        "2.7.18",
        "3.7.16",
        "3.8.18",
        "3.9.18",
        "3.10.13",
        "3.12.1",
        "3.13.0",
    ]  # natural order: 3.10 after 3.9
    ok = by_version["3.12.1"]
    assert ok.usable and ok.source == "pyenv" and ok.minor == "3.12"
    assert ok.abi == "cpython-312-x86_64-linux-gnu"
    assert ok.prefix == str(root / "versions" / "3.12.1")
    assert ok.executable == str(root / "versions" / "3.12.1" / "bin" / "python3.12")
    assert ok.include_dir == str(
        root / "versions" / "3.12.1" / "include" / "python3.12"
    )
    assert ok.libpython == str(
        root / "versions" / "3.12.1" / "lib" / "libpython3.12.so"
    )
    assert (
        by_version["2.7.18"].problem
        == "Python 2.7 is not supported (supported: 3.8 to 3.14)"
    )
    assert "not supported" in (by_version["3.7.16"].problem or "")
    static = by_version["3.9.18"]
    assert static.libpython is None
    assert static.problem is not None
    assert (
        "no shared libpython" in static.problem and "libpython3.9.a" in static.problem
    )
    assert (
        "PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install 3.9.18" in static.problem
    )
    assert "Python.h" in (by_version["3.13.0"].problem or "")
    assert [p.minor for p in result.usable()] == ["3.8", "3.10", "3.12"]
    assert result.best("3.9") is None and result.best("3.8") is by_version["3.8.18"]


def test_pyenv_falls_back_to_bin_python3(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    make_install(root / "versions" / "3.11.7", "3.11.7", exe_name="python3")
    (root / "versions" / "pypy3.10-7.3.12" / "bin").mkdir(parents=True)
    result = d.discover(places(pyenv_root=root))
    assert [(p.version, Path(p.executable).name) for p in result.pythons] == [
        ("3.11.7", "python3")
    ]


def test_uv_layout(tmp_path: Path) -> None:
    uv = tmp_path / "uv" / "python"
    make_install(uv / "cpython-3.11.9-linux-x86_64-gnu", "3.11.9")
    make_install(uv / "pypy-3.10.14-linux-x86_64-gnu", "3.10.14", implementation="pypy")
    (uv / ".lock").write_text("")
    result = d.discover(places(uv_dir=uv))
    assert [(p.version, p.source) for p in result.pythons] == [("3.11.9", "uv")]
    assert result.pythons[0].usable


def test_pypy_is_reported_not_used(tmp_path: Path) -> None:
    exe = make_install(tmp_path / "pypy", "3.10.14", implementation="pypy")
    result = d.discover(places(path_dirs=[str(exe.parent)]))
    assert (
        result.pythons[0].problem == "pypy is not supported: the plugin embeds CPython"
    )


def _framework(versions_dir: Path, minor: str, micro: int) -> Path:
    """python.org/Homebrew framework layout; the library is .../Versions/X.Y/Python."""
    prefix = versions_dir / minor
    info = probe_info(
        prefix,
        f"{minor}.{micro}",
        platform="darwin",
        SOABI=f"cpython-{minor.replace('.', '')}-darwin",
        PYTHONFRAMEWORK="Python",
        PYTHONFRAMEWORKPREFIX=str(versions_dir.parent.parent),
        LDLIBRARY=f"Python.framework/Versions/{minor}/Python",
        Py_ENABLE_SHARED=0,  # frameworks say 0 although the library is shared
    )
    (prefix / "Python").parent.mkdir(parents=True, exist_ok=True)
    (prefix / "Python").write_bytes(b"mach-o")
    inc = prefix / "include" / f"python{minor}"
    inc.mkdir(parents=True)
    (inc / "Python.h").write_text("")
    return write_fake_interpreter(prefix / "bin" / f"python{minor}", info)


def test_macos_frameworks_python_org_and_homebrew(tmp_path: Path) -> None:
    org = tmp_path / "Library/Frameworks/Python.framework/Versions"
    _framework(org, "3.12", 4)
    (org / "Current").symlink_to(org / "3.12")
    brew = tmp_path / "opt/homebrew"
    _framework(brew / "opt/python@3.13/Frameworks/Python.framework/Versions", "3.13", 1)

    result = d.discover(places(framework_dirs=[org], homebrew_prefixes=[brew]))

    assert [(p.version, p.source) for p in result.pythons] == [
        ("3.12.4", "framework"),
        ("3.13.1", "homebrew"),
    ]
    org_python = result.pythons[0]
    assert org_python.usable
    assert org_python.libpython == str(org / "3.12" / "Python")
    assert org_python.abi == "cpython-312-darwin"


PY_LAUNCHER_NEW = """\
 -V:3.13 *        C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python313\\python.exe
 -V:3.12          C:\\Program Files\\Python312\\python.exe
 -V:3.11-32       C:\\Python311-32\\python.exe
 -V:ContinuumAnalytics/Anaconda39-64 C:\\Anaconda3\\python.exe
"""

PY_LAUNCHER_OLD = """\
Installed Pythons found by py Launcher for Windows
 -3.9-64        C:\\Python39\\python.exe *
 -3.8-32        C:\\Program Files (x86)\\Python38-32\\python.exe
"""


def test_parse_py_launcher_new_format() -> None:
    assert python_places.parse_py_launcher(PY_LAUNCHER_NEW) == [
        (
            "3.13",
            "C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python313\\python.exe",
        ),
        ("3.12", "C:\\Program Files\\Python312\\python.exe"),
        ("3.11-32", "C:\\Python311-32\\python.exe"),
        ("ContinuumAnalytics/Anaconda39-64", "C:\\Anaconda3\\python.exe"),
    ]


def test_parse_py_launcher_old_format() -> None:
    assert python_places.parse_py_launcher(PY_LAUNCHER_OLD) == [
        ("3.9-64", "C:\\Python39\\python.exe"),
        ("3.8-32", "C:\\Program Files (x86)\\Python38-32\\python.exe"),
    ]


def test_parse_py_launcher_ignores_noise() -> None:
    assert python_places.parse_py_launcher("No installed Pythons found!\n\n") == []
    assert [c.source for c in python_places.py_launcher_candidates(PY_LAUNCHER_OLD)] == [
        "py-launcher"
    ] * 2


def test_windows_probe_data() -> None:
    base = "C:\\Python312"
    info = {
        "version": [3, 12, 1],
        "platform": "win32",
        "base_prefix": base,
        "include": base + "\\Include",
        "config": {"SOABI": None, "EXT_SUFFIX": ".cp312-win_amd64.pyd"},
    }
    assert d.abi_of(info) == "cp312-win_amd64"
    dll = os.path.join(base, "python312.dll")
    assert d.libpython_candidates(info) == [dll]
    implib = os.path.join(base, "libs", "python312.lib")
    everything = {dll, implib, os.path.join(info["include"], "Python.h")}
    assert d.problem_of(info, dll, exists=everything.__contains__) is None
    problem = d.problem_of(info, dll, exists=lambda p: p != implib)
    assert problem is not None and "import library" in problem


def test_free_threaded_313_is_refused_and_314_accepted(tmp_path: Path) -> None:
    exe = make_install(
        tmp_path / "ft",
        "3.13.0",
        Py_GIL_DISABLED=1,
        SOABI="cpython-313t-x86_64-linux-gnu",
    )
    result = d.discover(places(path_dirs=[str(exe.parent)]))
    assert "free-threaded Python 3.13" in (result.pythons[0].problem or "")
    assert "3.14t or newer" in (result.pythons[0].problem or "")
    exe = make_install(
        tmp_path / "ft14",
        "3.14.0",
        Py_GIL_DISABLED=1,
        SOABI="cpython-314t-x86_64-linux-gnu",
    )
    result = d.discover(places(path_dirs=[str(exe.parent)]))
    assert result.pythons[0].problem is None


def test_path_names_and_shims(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    make_install(tmp_path, "3.11.2", exe_name="python3.11")
    (bin_dir / "python3").symlink_to(
        bin_dir / "python3.11"
    )  # same interpreter: probed once
    write_fake_interpreter(
        bin_dir / "python3-config", None, exit_code=1
    )  # not a python name
    shims = tmp_path / ".pyenv" / "shims"
    write_fake_interpreter(shims / "python3.12", None, exit_code=127)

    result = d.discover(
        places(path_dirs=[str(shims), str(bin_dir), str(tmp_path / "missing")])
    )

    assert [(p.version, p.source) for p in result.pythons] == [("3.11.2", "path")]
    assert result.failures == []


def test_same_install_from_two_sources_is_kept_once_under_the_first(
    tmp_path: Path,
) -> None:
    root = tmp_path / "pyenv"
    exe = make_install(root / "versions" / "3.12.1", "3.12.1")
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    (path_dir / "python3.12").symlink_to(exe)
    # A venv-like interpreter: another executable, same base prefix.
    venv_info = probe_info(root / "versions" / "3.12.1", "3.12.1")
    venv_info["prefix"] = str(tmp_path / "venv")
    write_fake_interpreter(tmp_path / "venv" / "bin" / "python3", venv_info)

    result = d.discover(
        places(
            pyenv_root=root, path_dirs=[str(path_dir), str(tmp_path / "venv" / "bin")]
        )
    )

    assert [(p.version, p.source) for p in result.pythons] == [("3.12.1", "pyenv")]


def test_probe_failure_is_recorded_not_raised(tmp_path: Path) -> None:
    write_fake_interpreter(tmp_path / "python3.12", None, exit_code=3)
    result = d.discover(places(path_dirs=[str(tmp_path)]))
    assert result.pythons == []
    [failure] = result.failures
    assert failure.reason == "exit code 3: boom"
    assert "probe failed: exit code 3: boom" in result.summary_lines()[0]


def test_injected_probe_runner_needs_no_process(tmp_path: Path) -> None:
    exe = tmp_path / "bin" / "python3.10"
    exe.parent.mkdir()
    exe.write_text("")
    exe.chmod(0o755)
    prefix = tmp_path / "prefix"
    calls = []

    def fake_probe(executable: str) -> dict:
        calls.append(executable)
        return probe_info(prefix, "3.10.4")

    result = d.discover(places(path_dirs=[str(exe.parent)]), probe=fake_probe)
    assert calls == [str(exe)]
    assert result.pythons[0].version == "3.10.4"
    assert result.pythons[0].problem is not None  # nothing exists under the fake prefix


def test_default_places_from_environment(tmp_path: Path) -> None:
    env = {
        "PATH": os.pathsep.join(["/a", "", "/b"]),
        "PYENV_ROOT": "/p",
        "UV_PYTHON_INSTALL_DIR": "/uv",
        "HOME": "/h",
    }
    got = d.default_places(env, platform="linux", which=lambda _: None)
    assert got.path_dirs == ["/a", "/b"]
    assert got.pyenv_root == Path("/p") and got.uv_dir == Path("/uv")
    assert got.framework_dirs == [] and got.py_launcher_output is None


def test_default_places_asks_pyenv_root_and_uses_xdg(tmp_path: Path) -> None:
    env = {"PATH": "", "HOME": str(tmp_path), "XDG_DATA_HOME": "/xdg"}
    seen = []

    def run(cmd):
        seen.append(list(cmd))
        return "/from/pyenv\n"

    got = d.default_places(
        env,
        platform="linux",
        which=lambda n: "/usr/bin/pyenv" if n == "pyenv" else None,
        run=run,
    )
    assert seen == [["/usr/bin/pyenv", "root"]]
    assert got.pyenv_root == Path("/from/pyenv")
    assert got.uv_dir == Path("/xdg/uv/python")


def test_default_places_windows_and_macos() -> None:
    win = d.default_places(
        {"PATH": "", "APPDATA": "C:/AppData"},
        platform="win32",
        which=lambda n: "C:/Windows/py.exe" if n == "py" else None,
        run=lambda cmd: PY_LAUNCHER_NEW if list(cmd)[1:] == ["-0p"] else None,
    )
    assert win.windows and win.uv_dir == Path("C:/AppData/uv/python")
    assert len(python_places.py_launcher_candidates(win.py_launcher_output)) == 4
    mac = d.default_places(
        {"PATH": "", "HOME": "/Users/me"}, platform="darwin", which=lambda _: None
    )
    assert Path("/Library/Frameworks/Python.framework/Versions") in mac.framework_dirs
    assert Path("/opt/homebrew") in mac.homebrew_prefixes


def test_real_machine_finds_pyenv_311() -> None:
    """Runs the real probes on this machine (whose pyenv has 3.8 to 3.13)."""
    places = d.default_places()
    if places.pyenv_root is None or not list(
        (places.pyenv_root / "versions").glob("3.11*")
    ):
        pytest.skip("no pyenv Python 3.11 on this machine")
    result = d.discover(places)
    python = result.best("3.11")
    assert python is not None, result.summary_lines()
    assert python.source == "pyenv"
    assert python.libpython and Path(python.libpython).is_file()
    assert Path(python.include_dir, "Python.h").is_file()
    assert python.abi.startswith("cpython-311")
    unsupported = [p for p in result.pythons if p.minor in ("2.7", "3.6", "3.7")]
    assert all("not supported" in (p.problem or "") for p in unsupported)
