"""cache.py and the command line's use of it: hit, miss, atomic entries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from codegen.cache import Cache, cache_key, default_cache_dir, generator_digest
from codegen.render import OUTPUT_FILES

# Paths computed here: `from conftest import` could pick another conftest.py.
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
MINI_HEADER = DATA / "mini_sdk.h"

FILES = ("a.txt", "b.txt")


def _run(*args: str, env_extra=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "codegen", *args], cwd=str(ROOT), env=env,
                          capture_output=True, text=True)


def test_key_depends_on_header_and_generator(tmp_path):
    assert cache_key(b"one") == cache_key(b"one")
    assert cache_key(b"one") != cache_key(b"two")
    package = tmp_path / "codegen"
    shutil.copytree(str(ROOT / "codegen"), str(package), ignore=shutil.ignore_patterns("__pycache__"))
    before = generator_digest(package)
    assert before == generator_digest(ROOT / "codegen")
    template = package / "templates" / "coverage.md.j2"
    template.write_text(template.read_text() + "\n", encoding="utf-8")
    assert generator_digest(package) != before
    assert cache_key(b"one", package) != cache_key(b"one")


def test_default_cache_dir():
    assert default_cache_dir({"ORTHANC_CODEGEN_CACHE": "/c", "XDG_CACHE_HOME": "/x"}) == Path("/c")
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/orthanc-python-codegen")
    assert default_cache_dir({}) == Path.home() / ".cache" / "orthanc-python-codegen"


def test_store_and_load(tmp_path):
    cache = Cache(tmp_path / "cache", FILES)
    assert cache.load("k") is None
    outputs = {"a.txt": b"A", "b.txt": b"B"}
    entry = cache.store("k", outputs)
    assert cache.load("k") == outputs
    cache.store("k", outputs)  # a second writer of the same key is harmless
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["k"]  # no temporary directory left
    (entry / "b.txt").unlink()
    assert cache.load("k") is None  # an incomplete entry is a miss...
    cache.store("k", outputs)
    assert cache.load("k") == outputs  # ...and is replaced


def test_cli_miss_then_hit(tmp_path):
    cache_dir, out = tmp_path / "cache", tmp_path / "out"
    first = _run("--header", str(MINI_HEADER), "--output-dir", str(out), "--cache-dir", str(cache_dir))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("codegen: generated ")
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    content = {name: (out / name).read_bytes() for name in OUTPUT_FILES}
    stamps = {name: (out / name).stat().st_mtime_ns for name in OUTPUT_FILES}

    key = cache_key(MINI_HEADER.read_bytes())
    second = _run("--header", str(MINI_HEADER), "--output-dir", str(out), "--cache-dir", str(cache_dir))
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith(f"codegen: cache hit {key[:12]} (")
    assert len(second.stdout.splitlines()) == 1
    # Unchanged outputs are not rewritten (CMake would rebuild them otherwise).
    assert {name: (out / name).stat().st_mtime_ns for name in OUTPUT_FILES} == stamps

    # A cache hit restores a file edited by hand.
    (out / "orthanc.pyi").write_text("edited", encoding="utf-8")
    third = _run("--header", str(MINI_HEADER), "--output-dir", str(out), "--cache-dir", str(cache_dir))
    assert "cache hit" in third.stdout
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == content


def test_cli_cache_dir_from_environment(tmp_path):
    result = _run("--header", str(MINI_HEADER), "--output-dir", str(tmp_path / "out"),
                  env_extra={"ORTHANC_CODEGEN_CACHE": str(tmp_path / "env-cache")})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env-cache" / cache_key(MINI_HEADER.read_bytes())).is_dir()


def test_parallel_builds_share_one_entry(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "codegen", "--header", str(MINI_HEADER), "--output-dir", str(tmp_path / str(i)),
             "--cache-dir", str(tmp_path / "cache")],
            cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(4)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache_key(MINI_HEADER.read_bytes())]
    reference = (tmp_path / "0" / "OrthancClasses.cpp").read_bytes()
    assert all((tmp_path / str(i) / "OrthancClasses.cpp").read_bytes() == reference for i in range(4))
