"""freethreaded.py: the twin CPython builds (with and without the GIL) made
once in a Debian root; fake runners, and the build script checked by running
it with stand-in apt-get, tar, configure and make."""

from __future__ import annotations

import hashlib
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


TARBALL = b"stand-in tarball"


def fake_get(calls):
    def get(url):
        calls.append(url)
        return TARBALL
    return get


def test_the_source_is_fetched_once_and_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(ft, "SOURCE_SHA256", hashlib.sha256(TARBALL).hexdigest())
    calls: list[str] = []
    monkeypatch.setenv("ORTHANC_DEBIAN_MIRROR", "http://mirror.example/debian/")
    target = ft.fetch_source(tmp_path / "src", fake_get(calls))
    assert target.read_bytes() == TARBALL
    assert calls == [f"http://mirror.example/debian/pool/main/p/python3.14/{ft.SOURCE_TARBALL}"]
    ft.fetch_source(tmp_path / "src", fake_get(calls))
    assert len(calls) == 1


def test_a_tarball_with_another_checksum_is_refused(tmp_path):
    with pytest.raises(roots.RootError, match="SHA-256 .* expected 3b48dac8"):
        ft.fetch_source(tmp_path, lambda url: b"something else")
    assert not (tmp_path / ft.SOURCE_TARBALL).exists()


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


def test_ensure_cpython_builds_once_with_the_build_packages(tmp_path, monkeypatch):
    monkeypatch.setattr(ft, "SOURCE_SHA256", hashlib.sha256(TARBALL).hexdigest())
    root = FakeRoot(tmp_path, creates=True)
    calls: list[str] = []
    assert ft.ensure_cpython(root, ft.FREE_THREADED, get=fake_get(calls)) == ft.FREE_THREADED.executable
    install, build = root.commands  # type: ignore[attr-defined]
    assert "libssl-dev" in install and "libmpdec-dev" in install
    assert (tmp_path / ft.WORK_DIR.lstrip("/") / ft.SOURCE_TARBALL).read_bytes() == TARBALL
    assert "--disable-gil" in build[2] and ft.SOURCE_TARBALL in build[2]
    ft.ensure_cpython(root, ft.FREE_THREADED, get=fake_get(calls))
    assert len(root.commands) == 2 and len(calls) == 1  # type: ignore[attr-defined]


def test_a_failed_build_says_what_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(ft, "SOURCE_SHA256", hashlib.sha256(TARBALL).hexdigest())
    root = FakeRoot(tmp_path, creates=False)
    with pytest.raises(roots.RootError, match="building python3.14t failed: configure: error: no C compiler"):
        ft.ensure_cpython(root, ft.FREE_THREADED, get=fake_get([]))


def test_build_script_unpacks_the_pinned_tarball_then_builds(tmp_path):
    """The script run with stand-ins for tar, configure and make."""
    bin_dir, work, log = tmp_path / "bin", tmp_path / "work", tmp_path / "log"
    bin_dir.mkdir()
    (bin_dir / "make").write_text(f'#!/bin/sh\necho "make $*" >> {log}\n')
    (bin_dir / "make").chmod(0o755)
    (bin_dir / "tar").write_text(f'#!/bin/bash\necho "tar $*" >> {log}\nfor d; do :; done\n'
                                 f'printf \'#!/bin/sh\\necho configure "$@" >> {log}\\n\' > "$d/configure"\n'
                                 'chmod +x "$d/configure"\n')
    (bin_dir / "tar").chmod(0o755)
    build = ft.CPythonBuild("python3.14t", str(tmp_path / "prefix"), free_threaded=True)
    script = ft.build_script(build).replace(ft.WORK_DIR, str(work))
    script = script.replace(f"test -x {build.executable}", "true")
    subprocess.run(["sh", "-c", script], check=True, env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    ran = log.read_text()
    assert f"tar -xf {work}/{ft.SOURCE_TARBALL} --strip-components=1 -C {work}/python3.14t" in ran
    assert "configure -q --disable-gil --enable-shared" in ran and "make -s install" in ran


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
