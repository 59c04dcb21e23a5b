"""The pure parts of the speed bench (orthanc_packaging.speed): the one-line
edit, build-log parsing, ccache stats, figures and their PASS/FAIL lines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from orthanc_packaging import speed
from orthanc_packaging.speed import (
    BenchResult,
    CodegenCheck,
    Figure,
    breakdown_lines,
    ccache_delta,
    ccache_words,
    check_codegen,
    figure_line,
    one_line_edit,
    parse_ccache_stats,
)

GENERATED = (
    "codegen: generated 180 functions (90 module functions, 90 methods), 20 classes, "
    "30 enums; wrapped 180 of 200 SDK functions (90.0%); 8 file(s) updated in /b/generated\n"
)
HIT = "codegen: cache hit 540a124ef3d9 (/b/codegen-cache/540a, 8 file(s) updated in /b/generated)\n"


def test_one_line_edit_adds_exactly_one_line_with_the_token():
    source = "#include \"Json.h\"\n\nint f() { return 1; }\n"
    edited = one_line_edit(source, "1700000000.123456")
    assert edited.startswith(source)
    added = edited[len(source):].splitlines()
    assert len(added) == 1
    assert '"speed-bench 1700000000.123456"' in added[0]
    # declared before defined: no -Wmissing-declarations style warning
    assert added[0].index("extern const char") < added[0].index("] = ")


def test_one_line_edit_changes_code_not_only_comments():
    edited = one_line_edit("int x;\n", "a")
    added = edited.splitlines()[-1]
    assert not added.lstrip().startswith("//") and "/*" not in added


def test_one_line_edit_differs_per_token_so_ccache_cannot_hit():
    assert one_line_edit("int x;\n", "1") != one_line_edit("int x;\n", "2")


def test_one_line_edit_keeps_a_missing_final_newline_on_its_own_line():
    edited = one_line_edit("int x;", "t")
    assert edited.splitlines()[0] == "int x;"
    assert edited.endswith("\n") and len(edited.splitlines()) == 2


@pytest.mark.parametrize("bad", ['a"b', "a b", "", "x\ny"])
def test_one_line_edit_rejects_tokens_that_would_break_the_literal(bad):
    with pytest.raises(ValueError):
        one_line_edit("int x;\n", bad)


def test_one_line_edit_compiles_if_a_compiler_is_there(tmp_path):
    import shutil

    cxx = shutil.which("g++") or shutil.which("c++")
    if not cxx:
        pytest.skip("no C++ compiler")
    src = tmp_path / "x.cpp"
    src.write_text(one_line_edit("int f() { return 1; }\n", "42.5"))
    out = subprocess.run(
        [cxx, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-c", str(src), "-o", str(tmp_path / "x.o")],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stderr


def test_check_codegen_once_then_cache_hits():
    logs = {"py3.8-release": "$ cmake\n" + GENERATED}
    logs.update({f"py3.{m}-release": "ninja\n" + HIT for m in (9, 10, 11, 12, 13)})
    check = check_codegen(logs)
    assert (check.generated, check.cache_hits, check.cells) == (1, 5, 6)
    assert check.ok and check.silent == []
    assert "generated 1x, cache hit 5x over 6 cells" in check.summary()


def test_check_codegen_fails_when_generated_twice():
    check = check_codegen({"a": GENERATED, "b": GENERATED, "c": HIT})
    assert not check.ok and check.generated == 2


def test_check_codegen_names_cells_where_codegen_did_not_run():
    check = check_codegen({"a": GENERATED, "b": "nothing\n"})
    assert not check.ok
    assert check.silent == ["b"] and "no codegen line in: b" in check.summary()


def test_check_codegen_ignores_warnings_and_errors():
    text = "codegen: warning: cannot store the cache entry\ncodegen: error: x; fix: y\n"
    check = check_codegen({"a": text})
    assert (check.generated, check.cache_hits) == (0, 0)


def test_parse_ccache_stats_and_delta():
    before = parse_ccache_stats("cache_miss\t10\ndirect_cache_hit\t3\npreprocessed_cache_hit\t1\nstats_updated_timestamp\t0\nbad line\n")
    after = parse_ccache_stats("cache_miss\t16\ndirect_cache_hit\t9\npreprocessed_cache_hit\t1\n")
    assert before["cache_miss"] == 10
    assert ccache_delta(before, after) == {"hits": 6, "misses": 6}


@pytest.mark.parametrize(
    "delta, word",
    [
        (None, "ccache not used"),
        ({"hits": 0, "misses": 0}, "no compilation"),
        ({"hits": 0, "misses": 12}, "cold"),
        ({"hits": 12, "misses": 0}, "warm"),
        ({"hits": 2, "misses": 10}, "partly warm"),
    ],
)
def test_ccache_words(delta, word):
    assert word in ccache_words(delta)


def test_figure_pass_and_fail_lines():
    ok = Figure("clean matrix", 512.0, 600.0)
    slow = Figure("clean matrix", 700.0, 600.0)
    broken = Figure("rebuild", 20.0, 60.0, ok=False)
    missing = Figure("rebuild", None, 60.0)
    assert figure_line(ok).startswith("PASS  clean matrix: 8m32s (target <= 10m00s)")
    assert figure_line(slow).startswith("FAIL  clean matrix: 11m40s")
    assert not broken.passed and "step failed" in figure_line(broken)
    assert not missing.passed and "not measured" in figure_line(missing)


def _result(matrix=500.0, rebuild=40.0, codegen_ok=True):
    codegen = CodegenCheck(1, 5, [], 6) if codegen_ok else CodegenCheck(6, 0, [], 6)
    return BenchResult(
        [Figure("clean matrix", matrix, 600.0), Figure("rebuild", rebuild, 60.0)],
        codegen, (5.0, 4.0, 3.0), (6.0, 5.0, 4.0), 2,
    )


def test_bench_result_pass_needs_both_figures_and_codegen():
    assert _result().passed
    assert not _result(matrix=601).passed
    assert not _result(rebuild=61).passed
    assert not _result(codegen_ok=False).passed
    assert not BenchResult([Figure("m", 1.0, 600.0)], None).passed


def test_bench_result_lines_show_load_and_verdict():
    lines = _result(rebuild=75).lines()
    assert lines[0].startswith("PASS  clean matrix")
    assert lines[1].startswith("FAIL  rebuild: 1m15s")
    assert any("PASS  code generation once per header" in ln for ln in lines)
    assert any("load average (1/5/15 min) before 5.00/4.00/3.00, after 6.00/5.00/4.00 on 2 cores" in ln for ln in lines)
    assert lines[-1] == "speed: FAIL"


def test_bench_result_json_roundtrips():
    data = json.loads(json.dumps(_result().to_json()))
    assert data["passed"] is True
    assert [f["passed"] for f in data["figures"]] == [True, True]
    assert data["codegen"]["ok"] is True and data["cores"] == 2


def test_breakdown_lines_sum_columns():
    rows = [
        {"cell": "py3.8-release", "status": "ok", "total": 100.0, "build": 30.0, "tests": 50.0, "venv_and_other": 20.0},
        {"cell": "py3.9-release", "status": "ok", "total": 80.0, "build": 20.0, "tests": 50.0, "venv_and_other": 10.0},
    ]
    lines = breakdown_lines(rows)
    assert lines[0].split()[:4] == ["cell", "build", "venv", "tests"]
    assert lines[-1].split() == ["sum", "50s", "30s", "1m40s", "3m00s"]


def test_export_tree_reports_git_failure(tmp_path):
    def fake_run(cmd, **kwargs):
        return subprocess.CompletedProcess(cmd, 128, b"", b"fatal: not a git repository")

    with pytest.raises(RuntimeError, match="not a git repository"):
        speed.export_tree(tmp_path, tmp_path / "copy", run=fake_run)


def test_export_tree_extracts_the_archive(tmp_path):
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"int x;\n"
        info = tarfile.TarInfo("src/Json.cpp")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    def fake_run(cmd, **kwargs):
        assert cmd[-1] == "HEAD"
        return subprocess.CompletedProcess(cmd, 0, buf.getvalue(), b"")

    speed.export_tree(tmp_path, tmp_path / "copy", run=fake_run)
    assert (Path(tmp_path) / "copy" / "src" / "Json.cpp").read_text() == "int x;\n"


def _quoted_includes(path: Path, seen: set[Path]) -> set[Path]:
    import re

    for name in re.findall(r'^#include "([^"]+)"', path.read_text(), re.MULTILINE):
        inc = path.parent / name
        if inc.is_file() and inc not in seen:
            seen.add(inc)
            _quoted_includes(inc, seen)
    return seen


def test_edited_file_depends_on_the_python_headers_so_every_cell_compiles_it():
    root = Path(__file__).resolve().parents[2]
    source = root / speed.EDITED_FILE
    assert source.is_file()
    names = {p.name for p in _quoted_includes(source, set())}
    assert "PythonHeaders.h" in names
