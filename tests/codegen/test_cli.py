"""Errors of the command line: one line naming the problem and the fix, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Paths computed here: `from conftest import` could pick another conftest.py.
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
MINI_HEADER = DATA / "mini_sdk.h"


BLOCK_IMPORT = (
    "import sys\n"
    "sys.modules[{module!r}] = None\n"  # makes `import <module>` raise ImportError
    "from codegen.__main__ import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _run(args, code=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable] + (["-c", code] if code else ["-m", "codegen"]) + list(args)
    return subprocess.run(command, cwd=str(ROOT), env=env, capture_output=True, text=True)


def _assert_one_line_error(result, *fragments):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("codegen: error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_missing_header(tmp_path):
    result = _run(["--header", str(tmp_path / "nope.h"), "--output-dir", str(tmp_path / "out"), "--no-cache"])
    _assert_one_line_error(result, "nope.h", "orthanc-dev", "--header")
    assert not (tmp_path / "out").exists()


def test_header_with_syntax_errors(tmp_path):
    header = tmp_path / "broken.h"
    header.write_text("int x = ;\n", encoding="utf-8")
    result = _run(["--header", str(header), "--output-dir", str(tmp_path / "out"), "--no-cache"])
    _assert_one_line_error(result, "cannot parse", "broken.h")


def test_not_an_sdk_header(tmp_path):
    header = tmp_path / "other.h"
    header.write_text("int x;\n", encoding="utf-8")
    result = _run(["--header", str(header), "--output-dir", str(tmp_path / "out"), "--no-cache"])
    _assert_one_line_error(result, "ORTHANC_PLUGINS_MINIMAL_MAJOR_NUMBER")


def test_libclang_missing(tmp_path):
    args = ["--header", str(MINI_HEADER), "--output-dir", str(tmp_path / "out"), "--no-cache"]
    result = _run(args, BLOCK_IMPORT.format(module="clang.cindex"))
    _assert_one_line_error(result, "libclang", "pip install -r codegen/requirements.txt")


def test_jinja2_missing(tmp_path):
    args = ["--header", str(MINI_HEADER), "--output-dir", str(tmp_path / "out"), "--no-cache"]
    result = _run(args, BLOCK_IMPORT.format(module="jinja2"))
    _assert_one_line_error(result, "Jinja2", "pip install -r codegen/requirements.txt")


def test_cache_hit_needs_neither_libclang_nor_jinja2(tmp_path):
    args = ["--header", str(MINI_HEADER), "--output-dir", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c")]
    assert _run(args).returncode == 0
    code = BLOCK_IMPORT.format(module="clang.cindex").replace(
        "sys.modules[", "sys.modules['jinja2'] = None\nsys.modules[")
    result = _run(args, code)
    assert result.returncode == 0, result.stderr
    assert "cache hit" in result.stdout


def test_help():
    result = _run(["--help"])
    assert result.returncode == 0
    assert "--header" in result.stdout and "--output-dir" in result.stdout and "--cache-dir" in result.stdout
