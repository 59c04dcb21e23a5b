"""orthanc_releases.py: which cells test which Orthanc release, with fake
roots (folders holding a header) and a fake runner (no chroot, no Orthanc)."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import ClassVar

import pytest
from orthanc_packaging import cmake, orthanc_releases, roots
from orthanc_packaging.cells import CellOutcome
from orthanc_packaging.matrix import Cell, Target
from orthanc_packaging.naming import PlatformTag
from orthanc_packaging.report import Reporter, format_table
from packaging_fakes import found_python, probe_info

LINUX = PlatformTag("linux", "x86_64")
HOST = orthanc_releases.Host(suite="bookworm", orthanc="1.10.1", sdk="1.10.1", sdk_header=None)


def header_text(major: int, minor: int, revision: int) -> str:
    return (f"#define ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER     {major}\n"
            f"#define ORTHANC_PLUGINS_MINIMAL_MINOR_NUMBER     {minor}\n"
            f"#define ORTHANC_PLUGINS_MINIMAL_REVISION_NUMBER  {revision}\n")


class FakeRoots:
    """make_root stand-in: a folder per suite with its header and libpython."""

    SDK: ClassVar[dict[str, tuple[int, int, int]]] = {"bookworm": (1, 10, 1), "trixie": (1, 12, 6), "forky": (1, 13, 0)}

    def __init__(self, base: Path, failing: tuple[str, ...] = ()) -> None:
        self.base = base
        self.failing = failing
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def __call__(self, name, project_root, packages, reporter):
        self.calls.append((name, tuple(packages)))
        if name in self.failing:
            raise roots.RootError(f"debootstrap {name} failed: no network")
        suite = roots.suite(name)
        root = roots.Root(suite, self.base / name, Path(project_root))
        header = root.host_path(orthanc_releases.SDK_INSIDE)
        header.parent.mkdir(parents=True, exist_ok=True)
        header.write_text(header_text(*self.SDK[name]))
        for inside in (f"usr/lib/x86_64-linux-gnu/libpython{suite.python}.so",
                       f"usr/include/python{suite.python}/Python.h"):
            (root.path / inside).parent.mkdir(parents=True, exist_ok=True)
            (root.path / inside).write_text("")
        return root


def fake_run(command):
    """Answers the python probe and `Orthanc --version` run inside a root."""
    text = " ".join(command)
    if "--version" in text:
        version = "1.13.0" if "/forky" in text else "1.12.7"
        return subprocess.CompletedProcess(command, 0, f"/usr/sbin/Orthanc {version}\n", "")
    minor = "3.14" if "python3.14" in text else "3.13"
    micro = {"3.14": "3.14.8", "3.13": "3.13.5"}[minor]
    info = probe_info(Path("/usr"), micro, LIBDIR="/usr/lib/x86_64-linux-gnu", LDLIBRARY=f"libpython{minor}.so")
    return subprocess.CompletedProcess(command, 0, json.dumps(info) + "\n", "")


def plan(tmp_path, env=None, failing=(), host=HOST):
    fakes = FakeRoots(tmp_path / "roots", failing)
    found = [found_python("3.11.7", tmp_path), found_python("3.13.0", tmp_path)]
    result = orthanc_releases.plan_cells(tmp_path / "project", found, ["3.11", "3.13"], Reporter(io.StringIO()),
                                         LINUX, env=env or {}, host=host, make_root=fakes, run=fake_run)
    return result, fakes


def describe(cell: Cell) -> tuple:
    t = cell.target
    assert t is not None
    return (cell.name, t.suite, t.orthanc, t.sdk, t.test, t.root is not None)


def test_three_orthanc_releases_one_sdk(tmp_path):
    result, fakes = plan(tmp_path)
    assert result.problems == []
    assert [describe(c) for c in result.cells] == [
        ("py3.11-release", "bookworm", "1.10.1", "1.10.1", True, False),
        ("py3.13-sdk1.13.0-release", "bookworm", "1.10.1", "1.13.0", True, False),
        ("trixie-py3.13-release", "trixie", "1.12.7", "1.13.0", True, True),
        ("trixie-py3.13-sdk1.12.6-release", "trixie", "1.12.7", "1.12.6", False, True),
        ("forky-py3.14-release", "forky", "1.13.0", "1.13.0", True, True),
    ]
    assert [name for name, _ in fakes.calls] == ["trixie", "forky"]
    assert "python3.14-venv" in fakes.calls[1][1] and "orthanc-dev" in fakes.calls[1][1]
    # forky's header, copied into the project's build tree (bound into every root)
    sdk = tmp_path / "project" / "build" / "sdk" / "1.13.0"
    assert (sdk / "orthanc" / "OrthancCPlugin.h").read_text() == header_text(1, 13, 0)
    second, trixie, trixie_own, forky = result.cells[1:]
    assert second.target.sdk_path == trixie.target.sdk_path == str(sdk)
    assert trixie_own.target.sdk_path is None and forky.target.sdk_path is None  # their own header
    assert all(c.runnable for c in result.cells)
    assert forky.python.minor == "3.14" and forky.python.executable == "/usr/bin/python3.14"
    assert Path(forky.target.orthanc_binary).name == "Orthanc"
    assert Path(forky.target.embedded_python).name == "python3.14"


def test_own_sdk_and_chosen_suites(tmp_path):
    result, fakes = plan(tmp_path, env={"ORTHANC_TEST_SUITES": "forky", "ORTHANC_TEST_SDK": "own"})
    assert [describe(c) for c in result.cells] == [
        ("py3.11-release", "bookworm", "1.10.1", "1.10.1", True, False),
        ("py3.13-release", "bookworm", "1.10.1", "1.10.1", True, False),
        ("forky-py3.14-release", "forky", "1.13.0", "1.13.0", True, True),
    ]
    result, fakes = plan(tmp_path, env={"ORTHANC_TEST_SUITES": "none"})
    assert [c.name for c in result.cells] == ["py3.11-release", "py3.13-release"]
    assert fakes.calls == []
    result, _ = plan(tmp_path, env={"ORTHANC_TEST_SUITES": "woody"})
    assert result.cells == [] and "unknown Debian suite 'woody'" in result.problems[0]


def test_a_root_that_cannot_be_made_skips_its_cells_and_is_a_problem(tmp_path):
    result, _ = plan(tmp_path, failing=("trixie",))
    assert result.problems == ["Debian trixie root: debootstrap trixie failed: no network"]
    trixie = [c for c in result.cells if c.target.suite == "trixie"]
    assert len(trixie) == 1 and not trixie[0].runnable
    assert trixie[0].name == "trixie-py3.13-release"
    assert "debootstrap trixie failed" in trixie[0].skip_reason
    # forky's header could still be used
    assert result.cells[1].target.sdk == "1.13.0"


def test_without_the_forky_root_the_host_keeps_its_own_header(tmp_path):
    result, _ = plan(tmp_path, failing=("forky",))
    assert result.cells[1].name == "py3.13-release" and result.cells[1].target.sdk == "1.10.1"
    trixie = [c for c in result.cells if c.target.suite == "trixie"]
    assert [c.target.sdk for c in trixie] == ["1.12.6"]  # one cell: its own header


def test_on_a_debian_13_host_the_roots_are_bookworm_and_forky(tmp_path):
    host = orthanc_releases.Host(suite="trixie", orthanc="1.12.7", sdk="1.12.6", sdk_header=None)
    fakes = FakeRoots(tmp_path / "roots")
    found = [found_python("3.11.7", tmp_path)]

    def run(command):
        if "python3.11" in " ".join(command):
            info = probe_info(Path("/usr"), "3.11.2", LIBDIR="/usr/lib/x86_64-linux-gnu",
                              LDLIBRARY="libpython3.11.so")
            return subprocess.CompletedProcess(command, 0, json.dumps(info), "")
        return fake_run(command)

    result = orthanc_releases.plan_cells(tmp_path / "p", found, ["3.11"], Reporter(io.StringIO()), LINUX,
                                         env={}, host=host, make_root=fakes, run=run)
    assert [name for name, _ in fakes.calls] == ["bookworm", "forky"]
    assert [c.name for c in result.cells] == [
        "py3.11-release", "bookworm-py3.11-release", "bookworm-py3.11-sdk1.10.1-release", "forky-py3.14-release"]


def test_test_environment_tells_the_harness_what_it_tests(tmp_path):
    result, _ = plan(tmp_path)
    host, forky = result.cells[0], result.cells[-1]
    library = tmp_path / "build" / "libOrthancPython.so"
    (library.parent / "sdk" / "orthanc").mkdir(parents=True)
    (library.parent / "sdk" / "orthanc" / "OrthancCPlugin.h").write_text("")
    env = orthanc_releases.test_environment(forky, library)
    assert env["ORTHANC_TESTS_ORTHANC_VERSION"] == "1.13.0"
    assert env["ORTHANC_TESTS_SDK_VERSION"] == "1.13.0"
    assert env["ORTHANC_TESTS_ROOT"] == env["ORTHANC_TESTS_DEBIAN_SUITE"] == "forky"
    assert env["ORTHANC_TESTS_ROOT_DIR"] == str(tmp_path / "roots" / "forky")
    assert env["ORTHANC_BINARY"] == forky.target.orthanc_binary
    assert env["ORTHANC_TESTS_EMBEDDED_PYTHON"].endswith("python3.14")
    assert env["ORTHANC_TESTS_SDK_HEADER"].endswith("sdk/orthanc/OrthancCPlugin.h")
    host_env = orthanc_releases.test_environment(host)
    assert host_env == {"ORTHANC_TESTS_ORTHANC_VERSION": "1.10.1", "ORTHANC_TESTS_SDK_VERSION": "1.10.1",
                        "ORTHANC_TESTS_DEBIAN_SUITE": "bookworm"}
    assert orthanc_releases.venv_name(forky) == "forky-py3.14"
    assert orthanc_releases.venv_name(host) == "py3.11"


def test_root_cells_build_inside_with_the_roots_generator(tmp_path):
    result, _ = plan(tmp_path)
    trixie = result.cells[2]
    p = cmake.make_plan(trixie, tmp_path / "project", "/host/venv/bin/python", which=lambda n: None, env={})
    assert p.build_dir == tmp_path / "project" / "build" / "trixie-py3.13-release"
    assert p.codegen_python == "/usr/bin/python3"
    assert p.codegen_cache == tmp_path / "project" / "build" / "codegen-cache-trixie"
    assert p.sdk_path == trixie.target.sdk_path
    assert p.root is trixie.target.root and p.jobs == 2
    configure = cmake.configure_command(p)
    assert "-DPython3_EXECUTABLE=/usr/bin/python3.13" in configure
    assert cmake.root_problems(p) == [
        "the Debian trixie root has no cmake (apt-get install cmake there)"]


def test_host_codegen_fallback(tmp_path):
    result, _ = plan(tmp_path)
    p = cmake.make_plan(result.cells[2], tmp_path / "project", "/venv/python", which=lambda n: None, env={})
    p.build_dir.mkdir(parents=True)
    builds = []

    def build(plan_, reporter, name):
        builds.append(name)
        if len(builds) == 1:
            plan_.log_path.write_text("codegen: error: libclang could not parse the header\n")
            return cmake.BuildResult(name, ok=False, error="build failed")
        return cmake.BuildResult(name, ok=True)

    ran = []

    def run(cmd, **kwargs):
        ran.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    out, note = orthanc_releases.build_root_cell(p, Reporter(io.StringIO()), "trixie", "/venv/python", build, run)
    assert out.ok and note == "generated on the host (PyPI libclang)" and len(builds) == 2
    assert ran[0][:3] == ["/venv/python", "-m", "codegen"]
    assert ran[0][ran[0].index("--cache-dir") + 1] == str(p.codegen_cache)
    assert ran[0][ran[0].index("--header") + 1].endswith("build/sdk/1.13.0/orthanc/OrthancCPlugin.h")

    # a compiler error is not the generator's: no fallback
    builds.clear()
    p.log_path.write_text("error: 'x' was not declared\n")
    out, note = orthanc_releases.build_root_cell(
        p, Reporter(io.StringIO()), "t", "/venv/python",
        lambda *a: cmake.BuildResult("t", ok=False, error="build failed"), run)
    assert not out.ok and note is None


def test_table_shows_suite_orthanc_and_sdk(tmp_path):
    result, _ = plan(tmp_path)
    rows = []
    for cell in result.cells:
        o = CellOutcome(cell, build=cmake.BuildResult(cell.name, ok=True, library=Path("/x.so"), size=1),
                        tested=cell.target.test)
        rows.append(o.row("1.0.0"))
    text = format_table(rows)
    header = text.splitlines()[0].split()
    assert header[:5] == ["Python", "Build", "Debian", "Orthanc", "SDK"]
    assert re.search(r"trixie root\s+-\s+1\.12\.6\s", text)  # build-only: no Orthanc
    assert re.search(r"bookworm host\s+1\.10\.1\s+1\.13\.0\s", text)
    assert [r.artifact for r in rows][2:] == ["-", "-", "-"]  # no release artifact from a root


@pytest.mark.parametrize("text, version", [
    ("/usr/sbin/Orthanc 1.10.1\nCopyright", "1.10.1"),
    ("Orthanc 1.13.0", "1.13.0"),
    ("", None),
])
def test_parse_orthanc_version(text, version):
    assert orthanc_releases.parse_orthanc_version(text) == version


def test_header_version_and_host_suite(tmp_path):
    header = tmp_path / "OrthancCPlugin.h"
    header.write_text(header_text(1, 12, 6))
    assert orthanc_releases.header_version(header) == "1.12.6"
    assert orthanc_releases.header_version(tmp_path / "missing.h") is None
    os_release = tmp_path / "os-release"
    os_release.write_text('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\n')
    assert orthanc_releases.debian_suite(os_release) == "trixie"
    assert orthanc_releases.debian_suite(tmp_path / "none") is None


def test_coverage_summary(tmp_path):
    (tmp_path / "coverage.json").write_text(json.dumps({"wrapped": 176, "total": 179, "percent": 98.3}))
    assert orthanc_releases.coverage_summary(tmp_path) == "176/179 SDK functions wrapped (98.3%)"
    assert orthanc_releases.coverage_summary(tmp_path / "nothing") is None


def test_cell_names():
    plain = Cell("3.11", "Release", LINUX)
    assert plain.name == "py3.11-release" and not plain.in_root
    tagged = Cell("3.13", "Release", LINUX, target=Target("bookworm", "1.10.1", "1.13.0", tag="sdk1.13.0"))
    assert tagged.name == "py3.13-sdk1.13.0-release"
