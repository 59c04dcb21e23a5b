"""freethreaded.py: the twin CPython builds (with and without the GIL) made
once in a Debian root; fake runners, and the build script checked by running
it with stand-in apt-get, tar, configure and make."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from orthanc_packaging import freethreaded as ft
from orthanc_packaging import roots


def test_only_the_free_threaded_twin_disables_the_gil():
    free = ft.configure_command(ft.FREE_THREADED)
    gil = ft.configure_command(ft.GIL_TWIN)
    assert "--disable-gil" in free and "--disable-gil" not in gil
    # the same options otherwise, each with its own prefix and rpath
    assert [w for w in free if w != "--disable-gil"] == [
        w.replace("/opt/python3.14", "/opt/python3.14t") for w in gil]
    assert "--enable-shared" in gil and "LDFLAGS=-Wl,-rpath,/opt/python3.14t/lib" in free
    assert ft.FREE_THREADED.executable == "/opt/python3.14t/bin/python3.14t"
    assert ft.FREE_THREADED.minor == ft.GIL_TWIN.minor == "3.14"


def test_deb_src_line_follows_the_roots_deb_line():
    text = "# comment\ndeb http://deb.debian.org/debian forky main\n"
    assert ft.deb_src_line(text) == "deb-src http://deb.debian.org/debian forky main"
    assert ft.deb_src_line("# nothing\n") is None


class FakeRoot(roots.Root):
    """Runs nothing; records the commands given to run()."""

    def __init__(self, path: Path, creates: bool) -> None:
        super().__init__(roots.suite("forky"), path, path)
        object.__setattr__(self, "creates", creates)
        object.__setattr__(self, "commands", [])

    def run(self, command, run=None):  # type: ignore[override]
        self.commands.append(list(command))  # type: ignore[attr-defined]
        if self.creates and command[:2] == ["sh", "-c"]:  # type: ignore[attr-defined]
            exe = self.host_path(ft.FREE_THREADED.executable)
            exe.parent.mkdir(parents=True, exist_ok=True)
            exe.write_text("")
            return subprocess.CompletedProcess(command, 0, "", "")
        return subprocess.CompletedProcess(command, 0 if command[0] != "sh" else 2, "", "configure: error: no C compiler")

    def ensure_packages(self, packages, reporter=None, run=None):  # type: ignore[override]
        self.commands.append(["apt-get", "install", *packages])  # type: ignore[attr-defined]


def test_ensure_cpython_does_nothing_when_the_interpreter_exists(tmp_path):
    root = FakeRoot(tmp_path, creates=False)
    exe = root.host_path(ft.FREE_THREADED.executable)
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    assert ft.ensure_cpython(root, ft.FREE_THREADED) == "/opt/python3.14t/bin/python3.14t"
    assert root.commands == []  # type: ignore[attr-defined]


def test_ensure_cpython_builds_once_with_the_build_packages(tmp_path):
    root = FakeRoot(tmp_path, creates=True)
    (tmp_path / "etc/apt").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text("deb http://mirror.example/debian forky main\n")
    assert ft.ensure_cpython(root, ft.FREE_THREADED) == ft.FREE_THREADED.executable
    install, build = root.commands  # type: ignore[attr-defined]
    assert "libssl-dev" in install and "libmpdec-dev" in install
    assert "deb-src http://mirror.example/debian forky main" in build[2]
    assert "--disable-gil" in build[2]
    ft.ensure_cpython(root, ft.FREE_THREADED)
    assert len(root.commands) == 2  # type: ignore[attr-defined]


def test_a_failed_build_says_what_failed(tmp_path):
    root = FakeRoot(tmp_path, creates=False)
    with pytest.raises(roots.RootError, match="building python3.14t failed: configure: error: no C compiler"):
        ft.ensure_cpython(root, ft.FREE_THREADED)


def test_build_script_fetches_the_source_once_then_builds(tmp_path):
    """The script run with stand-ins: apt-get source only when no tarball is there."""
    bin_dir, work, log = tmp_path / "bin", tmp_path / "work", tmp_path / "log"
    bin_dir.mkdir()
    stub = f'#!/bin/sh\necho "$(basename $0) $*" >> {log}\n'
    for tool in ("apt-get", "make"):
        (bin_dir / tool).write_text(stub)
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "tar").write_text(f'#!/bin/bash\necho "tar $*" >> {log}\nfor d; do :; done\n'
                                 f'printf \'#!/bin/sh\\necho configure "$@" >> {log}\\n\' > "$d/configure"\n'
                                 'chmod +x "$d/configure"\n')
    (bin_dir / "tar").chmod(0o755)
    build = ft.CPythonBuild("python3.14t", str(tmp_path / "prefix"), free_threaded=True)
    script = ft.build_script(build, "deb-src http://m/debian forky main", ["-o", "X=1"])
    script = script.replace(ft.WORK_DIR, str(work)).replace(ft.SOURCES_LIST, str(tmp_path / "src.list"))
    script = script.replace(f"test -x {build.executable}", "true")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    subprocess.run(["sh", "-c", script], check=True, env=env)
    first = log.read_text()
    assert "apt-get -o X=1 source --download-only -qq python3.14" in first
    assert "configure -q --disable-gil --enable-shared" in first and "make -s install" in first
    (work / "python3.14_3.14.7.orig.tar.xz").write_text("")
    log.write_text("")
    subprocess.run(["sh", "-c", script], check=True, env=env)
    again = log.read_text()
    assert "apt-get" not in again and "tar -xf python3.14_3.14.7.orig.tar.xz" in again
    assert (tmp_path / "src.list").read_text().strip() == "deb-src http://m/debian forky main"


def test_bench_prepares_the_forky_root_and_both_twins(tmp_path):
    from orthanc_packaging import bench_root

    made: list[tuple] = []
    built: list[str] = []

    def make_root(name, project_root, packages, reporter):
        made.append((name, packages))
        return roots.Root(roots.suite(name), tmp_path / "forky", tmp_path)

    args = bench_root.prepare(tmp_path, make_root=make_root,
                              ensure_cpython=lambda root, build, reporter: built.append(build.name))
    assert made[0][0] == "forky" and "orthanc-python" in made[0][1] and "libpython3.14-dev" in made[0][1]
    assert built == ["python3.14", "python3.14t"]
    assert args[0] == "--forky"
    wrapper = Path(args[args.index("--orthanc-binary") + 1])
    assert "/usr/sbin/Orthanc" in wrapper.read_text() and wrapper.stat().st_mode & 0o111
    assert Path(args[args.index("--cmake") + 1]).is_file()


def test_nogil_cell_builds_against_the_free_threaded_python_of_forky(tmp_path):
    from orthanc_packaging import nogil
    from packaging_fakes import probe_info

    root_path = tmp_path / "forky"
    header = root_path / "usr/include/orthanc/OrthancCPlugin.h"
    header.parent.mkdir(parents=True)
    header.write_text("".join(f"#define ORTHANC_PLUGINS_MINIMAL_{p}_NUMBER {n}\n"
                              for p, n in (("MAJOR", 1), ("MINOR", 13), ("REVISION", 0))))
    info = probe_info(Path("/opt/python3.14t"), "3.14.7", Py_GIL_DISABLED=1, LDLIBRARY="libpython3.14t.so",
                      SOABI="cpython-314t-x86_64-linux-gnu")
    info["executable"] = "/opt/python3.14t/bin/python3.14t"
    for inside in ("opt/python3.14t/lib/libpython3.14t.so", "opt/python3.14t/include/python3.14/Python.h"):
        (root_path / inside).parent.mkdir(parents=True, exist_ok=True)
        (root_path / inside).write_text("")

    def run(command):
        text = " ".join(command)
        if "--version" in text:
            return subprocess.CompletedProcess(command, 0, "/usr/sbin/Orthanc 1.13.0\n", "")
        return subprocess.CompletedProcess(command, 0, json.dumps(info) + "\n", "")

    cell = nogil.free_threaded_cell(
        tmp_path, make_root=lambda name, project, packages, reporter: roots.Root(roots.suite(name), root_path, project),
        ensure_cpython=lambda root, build, reporter: build.executable, run=run)
    assert cell.name == "forky-py3.14-free-threaded-release"
    assert cell.target is not None and cell.target.orthanc == "1.13.0" and cell.target.sdk == "1.13.0"
    assert cell.python is not None and cell.python.executable == "/opt/python3.14t/bin/python3.14t"
    assert "python3.14t" in Path(cell.target.embedded_python or "").name
    from orthanc_packaging import orthanc_releases
    assert orthanc_releases.venv_name(cell) == "forky-py3.14t"  # not the GIL build's venv
