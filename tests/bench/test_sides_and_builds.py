"""Which plugins a benchmark measures and where their files are
(bench/orthanc_bench/sides.py, builds.py): the plain functions, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from orthanc_bench import BenchError
from orthanc_bench.builds import SYSTEM_PYTHON_ROOT, forky_python_options, named_paths
from orthanc_bench.scenarios import NATIVE, NONE, OURS, TWIN, UPSTREAM
from orthanc_bench.sides import forky_root_of, make_sides, missing_files
from orthanc_packaging import roots


def test_named_paths_refuse_a_malformed_or_taken_name():
    assert named_paths(["fix=/tmp/a.so", "other=b.so"], ["ours"]) == {
        "fix": Path("/tmp/a.so"), "other": Path("b.so")}
    for items, taken in ((["nopath"], []), (["ours=/x.so"], ["ours"]), (["a=1", "a=2"], []),
                         (["native=/x.so"], [])):
        with pytest.raises(BenchError, match="expected NAME=PATH"):
            named_paths(items, taken)


def test_make_sides_gives_each_its_kind_and_upstream_twice():
    sides = make_sides({"ours": Path("/o.so")}, {"py3.14t": Path("/t.so")}, Path("/n.so"),
                       Path("/u.so"))
    assert {name: side.kind for name, side in sides.items()} == {
        "ours": OURS, "upstream": UPSTREAM, "upstream-at": UPSTREAM, "native": NATIVE,
        "py3.14t": TWIN, "none": NONE}
    assert sides["upstream-at"].config == {"Python": {"AllowThreads": True}}
    assert sides["native"].plugin_name == "native-bench" and sides["none"].plugin is None
    assert "native" not in make_sides({}, {}, None, Path("/u.so"))


def test_missing_files_look_for_upstream_inside_the_root(tmp_path):
    root = tmp_path / "root"
    (root / "usr" / "lib").mkdir(parents=True)
    (root / "usr" / "lib" / "upstream.so").write_bytes(b"")
    ours = tmp_path / "ours.so"
    sides = make_sides({"ours": ours}, {}, None, Path("/usr/lib/upstream.so"))
    assert missing_files(sides, root) == [f"ours plugin {ours} is missing (python bench/run.py --build)"]
    ours.write_bytes(b"")
    assert missing_files(sides, root) == []
    assert missing_files(sides, None) == [
        f"{name} plugin /usr/lib/upstream.so is missing (apt-get install -y orthanc-python)"
        for name in ("upstream", "upstream-at")]


def test_forky_root_of_reads_the_root_from_a_real_wrapper(tmp_path):
    inside = tmp_path / "forky-root"
    root = roots.Root(roots.suite("forky"), inside, tmp_path / "project")
    wrapper = root.wrapper("/usr/sbin/Orthanc")
    assert forky_root_of(wrapper) == inside
    plain = tmp_path / "Orthanc"
    plain.write_text("#!/bin/sh\nexec /usr/sbin/Orthanc \"$@\"\n")
    assert forky_root_of(plain) is None
    assert forky_root_of(tmp_path / "absent") is None and forky_root_of(None) is None


def test_forky_builds_name_their_python_and_run_the_generator_on_the_roots():
    system = forky_python_options(SYSTEM_PYTHON_ROOT, "python3.14")
    assert "-DPython3_EXECUTABLE=/usr/bin/python3.14" in system
    assert "-DORTHANC_CODEGEN_PYTHON=/usr/bin/python3" in system
    assert not any(o.startswith("-DPython3_ROOT_DIR=") for o in system)
    twin = forky_python_options(Path("/opt/python3.14t"), "python3.14t")
    assert twin[-1] == "-DPython3_ROOT_DIR=/opt/python3.14t"
