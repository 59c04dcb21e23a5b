"""roots.py: Debian roots of other suites, with fake runners (no debootstrap,
no chroot, no root needed), and the shell it writes checked by running it
with stand-in `mount`, `unshare` and `chroot` commands."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from orthanc_packaging import roots
from orthanc_packaging.report import Reporter
from packaging_fakes import probe_info


class FakeRun:
    """Records commands; debootstrap makes the target folder like the real one."""

    def __init__(self, fail: str | None = None, stdout: str = "") -> None:
        self.commands: list[list[str]] = []
        self.fail = fail
        self.stdout = stdout

    def __call__(self, command):
        command = list(command)
        self.commands.append(command)
        text = " ".join(command)
        if self.fail and self.fail in text:
            return subprocess.CompletedProcess(command, 1, "", f"{self.fail} went wrong")
        if command[0] == "debootstrap":
            work = Path(command[3])
            for sub in ("usr/sbin", "etc/apt/apt.conf.d", "etc/ssl/certs"):
                (work / sub).mkdir(parents=True, exist_ok=True)
        return subprocess.CompletedProcess(command, 0, self.stdout, "")


def no_tools(reporter):
    pass


def test_enter_command_mounts_privately_then_execs_chroot(tmp_path):
    cmd = roots.enter_command(tmp_path / "r", ["/usr/sbin/Orthanc", "a b.json"], [Path("/work/p")])
    assert cmd[:5] == ["unshare", "--mount", "--propagation", "private", "--"]
    script = cmd[-1]
    assert f"mount -t proc proc {tmp_path}/r/proc" in script
    assert f"mount --rbind /work/p {tmp_path}/r/work/p" in script
    assert f"exec chroot {tmp_path}/r /bin/sh -c" in script
    assert "'a b.json'" in script  # quoted once, for the outer shell


def _stand_ins(bin_dir: Path, log: Path) -> dict[str, str]:
    """unshare/mount/chroot that log what they were asked and run the rest
    (chroot runs its command on the host: the root is the host here)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    scripts = {
        "unshare": f'#!/bin/sh\necho "unshare $*" >> {log}\nwhile [ "$1" != "--" ]; do shift; done; shift\nexec "$@"\n',
        "mount": f'#!/bin/sh\necho "mount $*" >> {log}\n',
        "mkdir": f'#!/bin/sh\necho "mkdir $*" >> {log}\n',
        "chroot": f'#!/bin/sh\necho "chroot $1" >> {log}\nshift\nexec "$@"\n',
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def test_run_keeps_the_working_folder_and_the_environment(tmp_path):
    log = tmp_path / "log"
    env = _stand_ins(tmp_path / "bin", log)
    env["ORTHANC_SOMETHING"] = "kept"
    env["VIRTUAL_ENV"] = "/host/venv"
    work = tmp_path / "work"
    work.mkdir()
    cmd = roots.enter_command(Path("/"), ["sh", "-c", 'echo "$PWD|$ORTHANC_SOMETHING|${VIRTUAL_ENV-unset}"'])
    out = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"{work}|kept|unset"
    assert "mount -t proc proc //proc" in log.read_text()


def test_wrapper_passes_arguments_and_keeps_the_pid(tmp_path):
    env = _stand_ins(tmp_path / "bin", tmp_path / "log")
    root = roots.Root(roots.suite("forky"), tmp_path / "roots" / "forky", tmp_path)
    root.path.mkdir(parents=True)
    # the root is "/" for the stand-in chroot: give it the program by a host path
    program = tmp_path / "prog"
    program.write_text('#!/bin/sh\necho "$$ $#: $1|$2"\n')
    program.chmod(0o755)
    wrapper = root.wrapper(str(program), name="Orthanc")
    assert wrapper == tmp_path / "build" / "roots" / "forky" / "bin" / "Orthanc"  # in the project
    text = wrapper.read_text().replace(f"chroot {root.path}", "chroot /")
    wrapper.write_text(text)
    proc = subprocess.Popen([str(wrapper), "one two", "three"], env=env, stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate()
    assert out.strip() == f"{proc.pid} 2: one two|three"


def test_wrapper_is_rewritten_only_when_it_changes(tmp_path):
    root = roots.Root(roots.suite("trixie"), tmp_path / "trixie", tmp_path)
    first = root.wrapper("/usr/sbin/Orthanc")
    stamp = first.stat().st_mtime_ns
    assert root.wrapper("/usr/sbin/Orthanc").stat().st_mtime_ns == stamp
    assert os.access(first, os.X_OK)


def test_ensure_root_makes_it_once_then_only_installs_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(roots, "HOST_CA_BUNDLE", tmp_path / "ca.crt")
    (tmp_path / "ca.crt").write_text("CA")
    monkeypatch.setattr(roots.shutil, "copy", lambda src, dst: Path(dst).write_text("copied"))
    run = FakeRun()
    lines = []
    reporter = Reporter(stream=_Lines(lines), prefix="t")
    root = roots.ensure_root("forky", tmp_path / "project", ["orthanc"], reporter, base=tmp_path / "roots",
                             run=run, is_root=True, ensure_tools=no_tools)
    assert root.path == tmp_path / "roots" / "forky"
    assert run.commands[0][:4] == ["debootstrap", "--variant=minbase", "forky", run.commands[0][3]]
    assert run.commands[0][-1] == "sid"  # forky is made with sid's script
    assert (root.path / "usr/sbin/policy-rc.d").read_text().endswith("exit 101\n")
    assert (root.path / "etc/apt/apt.conf.d/99no-check-valid-until").is_file()
    assert (root.path / roots.HOST_CA_INSIDE.lstrip("/")).read_text() == "copied"
    apt = [c for c in run.commands if c[0] == "unshare"]
    assert "Acquire::Check-Valid-Until=false" in apt[0][-1] and "update" in apt[0][-1]
    assert "install" in apt[1][-1] and "orthanc" in apt[1][-1]
    assert root.installed() == {"orthanc"}
    assert any("made in" in line for line in lines)

    again = FakeRun()
    roots.ensure_root("forky", tmp_path / "project", ["orthanc"], base=tmp_path / "roots", run=again,
                      is_root=False, ensure_tools=no_tools)
    assert again.commands == []  # nothing to do, and no root rights needed for that
    roots.ensure_root("forky", tmp_path / "project", ["orthanc", "g++"], base=tmp_path / "roots", run=again,
                      is_root=True, ensure_tools=no_tools)
    assert not any(c[0] == "debootstrap" for c in again.commands)
    assert "g++" in again.commands[-1][-1] and " orthanc" not in again.commands[-1][-1]


def test_ensure_root_says_what_failed(tmp_path):
    with pytest.raises(roots.RootError, match="needs root"):
        roots.ensure_root("trixie", tmp_path, base=tmp_path / "roots", run=FakeRun(), is_root=False,
                          ensure_tools=no_tools)
    with pytest.raises(roots.RootError, match="debootstrap trixie failed.*mirror"):
        roots.ensure_root("trixie", tmp_path, base=tmp_path / "roots", run=FakeRun(fail="debootstrap"),
                          is_root=True, ensure_tools=no_tools)
    assert not list((tmp_path / "roots").glob(".trixie-*"))  # the half-made root is gone
    with pytest.raises(roots.RootError, match="unknown Debian suite 'potato'"):
        roots.ensure_root("potato", tmp_path, base=tmp_path / "roots", run=FakeRun(), is_root=True,
                          ensure_tools=no_tools)


def test_failed_apt_get_names_the_suite(tmp_path):
    root = roots.Root(roots.suite("trixie"), tmp_path / "trixie", tmp_path)
    root.path.mkdir()
    with pytest.raises(roots.RootError, match="trixie root: 'apt-get update -qq' failed"):
        root.ensure_packages(["orthanc"], run=FakeRun(fail="update"))


def test_probe_python_reads_paths_inside_the_root(tmp_path):
    root = roots.Root(roots.suite("forky"), tmp_path / "forky", tmp_path)
    info = probe_info(Path("/usr"), "3.14.8", LIBDIR="/usr/lib/x86_64-linux-gnu", LDLIBRARY="libpython3.14.so")
    for inside in ("usr/lib/x86_64-linux-gnu/libpython3.14.so", "usr/include/python3.14/Python.h"):
        (root.path / inside).parent.mkdir(parents=True, exist_ok=True)
        (root.path / inside).write_text("")
    run = FakeRun(stdout=json.dumps(info) + "\n")
    found = root.probe_python("/usr/bin/python3.14", run)
    assert found.usable, found.problem
    assert (found.minor, found.libpython, found.source) == (
        "3.14", "/usr/lib/x86_64-linux-gnu/libpython3.14.so", "forky-root")
    assert run.commands[0][0] == "unshare"


def test_roots_dir_and_mirror_from_the_environment(tmp_path):
    assert roots.roots_dir({"ORTHANC_ROOTS_DIR": str(tmp_path)}) == tmp_path
    assert roots.roots_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/orthanc-python/roots")
    assert roots.mirror({}) == roots.DEFAULT_MIRROR
    assert roots.mirror({"ORTHANC_DEBIAN_MIRROR": "http://m/debian"}) == "http://m/debian"


class _Lines:
    def __init__(self, lines):
        self.lines = lines

    def write(self, text):
        self.lines.append(text)

    def flush(self):
        pass


def test_exists_inside_follows_links_into_the_root(tmp_path):
    project = tmp_path / "project"
    root = roots.Root(roots.suite("forky"), tmp_path / "forky", project)
    (root.path / "usr/bin").mkdir(parents=True)
    (root.path / "usr/bin/python3.14").write_text("")
    venv_bin = project / "build/venvs/forky-py3.14/bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python3.14").symlink_to("/usr/bin/python3.14")
    (venv_bin / "python").symlink_to("python3.14")
    (venv_bin / "gone").symlink_to("/usr/bin/python3.99")
    assert not (venv_bin / "python").exists()  # dangling on the host
    assert root.exists_inside(venv_bin / "python")
    assert not root.exists_inside(venv_bin / "gone")
    assert not root.exists_inside(venv_bin / "missing")
