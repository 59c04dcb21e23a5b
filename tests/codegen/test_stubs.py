"""orthanc.pyi as type checkers see it: mypy on the samples of tests/scripts
reports no error caused by the stub, the typed signatures catch wrong calls,
and the orthanc-stubs package (stubs/) builds to a wheel that mypy finds once
installed in a fresh venv."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "scripts"
STUBS = ROOT / "stubs"

# What mypy would say about `orthanc` if it knew nothing: any error that our
# stub adds to this baseline is the stub's.
PERMISSIVE_STUB = "from typing import Any\n\ndef __getattr__(name: str) -> Any: ...\n"

# The mypy that the fresh venv gets: the project's pin (the nox venvs install
# the same one), so the test never depends on a mypy installed by hand.
MYPY_REQUIREMENTS = ROOT / "packaging" / "requirements" / "tools.txt"


def mypy_requirement(requirements: Path = MYPY_REQUIREMENTS) -> str:
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if re.match(r"^mypy\s*==", line.strip()):
            return line.split("#")[0].strip()
    raise AssertionError(f"{requirements} pins no mypy (mypy==X.Y.Z)")


MYPY_OPTIONS = ["--check-untyped-defs", "--ignore-missing-imports",
                "--show-error-codes", "--no-error-summary", "--no-color-output"]


def _mypy(files: list[Path], stub_dir: Path, cwd: Path, python: str = sys.executable) -> list[str]:
    env = dict(os.environ, MYPYPATH=str(stub_dir))
    # One cache per test: the analysis of pydicom, Pillow... is shared by its runs.
    cache = cwd / ".mypy_cache"
    run = subprocess.run([python, "-m", "mypy", *MYPY_OPTIONS, "--cache-dir", str(cache), *map(str, files)],
                         cwd=cwd, env=env, capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 2: mypy itself failed
    return [line for line in run.stdout.splitlines() if ": error:" in line or ": note:" in line]


@pytest.fixture(scope="module")
def mypy_available() -> None:
    pytest.importorskip("mypy", reason="mypy (PyPI) is needed to check the stub")


def test_samples_have_no_error_caused_by_the_stub(real_output_dir, tmp_path, mypy_available):
    samples = sorted(SCRIPTS.glob("*.py"))
    assert len(samples) > 10
    baseline_dir = tmp_path / "baseline"
    baseline_dir.mkdir()
    (baseline_dir / "orthanc.pyi").write_text(PERMISSIVE_STUB, encoding="utf-8")

    ours = _mypy(samples, real_output_dir, tmp_path)
    baseline = _mypy(samples, baseline_dir, tmp_path)
    caused_by_stub = sorted(set(ours) - set(baseline))
    assert caused_by_stub == [], "\n".join(caused_by_stub)
    # The stub itself is clean, even in strict mode.
    assert _mypy([real_output_dir / "orthanc.pyi"], real_output_dir, tmp_path) == []


PROBE = '''\
import orthanc

reveal_type(orthanc.RestApiGet('/system'))
reveal_type(orthanc.ChangeType.STABLE_STUDY)
reveal_type(orthanc.GetDicomForInstance)

def OnRest(output: orthanc.RestOutput, uri: str, **request: object) -> None:
    output.AnswerBuffer(b'ok', 'text/plain')
    output.CompressAndAnswerPngImage(orthanc.PixelFormat.RGB24, 1, 1, 3, b'abc')

def OnChange(changeType: int, level: int, resource: str) -> None:
    pass

orthanc.RegisterRestCallback('/probe', OnRest)
orthanc.RegisterOnChangeCallback(OnChange)
image: orthanc.Image = orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 1, 1, 1, b'x')
pixels: bytes = image.GetImageBuffer()
status, headers, body = orthanc.HttpClient(orthanc.HttpMethod.GET, 'http://localhost/', timeout=5)

# Each of these is wrong, and mypy must say so.
text: str = orthanc.RestApiGet('/system')  # bytes, not str
orthanc.RestApiGet(42)
orthanc.RegisterOnChangeCallback(lambda changeType: None)
orthanc.RegisterStorageArea(print)
image.NoSuchMethod()
'''


def test_typed_signatures_catch_wrong_calls(real_output_dir, tmp_path, mypy_available):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    messages = _mypy([probe], real_output_dir, tmp_path)
    text = "\n".join(messages)
    # (mypy writes "builtins.bytes" or, since 1.x, "bytes".)
    assert re.search(r'probe.py:3: note: Revealed type is "(builtins\.)?bytes"', text), text
    assert re.search(r'probe.py:4: note: Revealed type is "(builtins\.)?int"', text), text
    assert re.search(r'Revealed type is "def \(instanceId: (builtins\.)?str\) -> (builtins\.)?bytes"', text), text
    errors = [m for m in messages if ": error:" in m]
    lines = sorted({int(m.split(":")[1]) for m in errors})
    wrong = [n for n, line in enumerate(PROBE.splitlines(), 1)
             if n > PROBE.splitlines().index("# Each of these is wrong, and mypy must say so.") + 1]
    assert lines == wrong, text


def stage_stub_package(generated_stub: Path, destination: Path) -> Path:
    """stubs/ (the package's pyproject and README, never a generated file) plus
    the generated orthanc.pyi as orthanc-stubs/__init__.pyi, ready to build.
    VERSION goes beside it, where stubs/pyproject.toml reads it (../VERSION)."""
    package = destination / "stubs"
    shutil.copytree(STUBS, package, ignore=shutil.ignore_patterns("orthanc-stubs"))
    (package / "orthanc-stubs").mkdir()
    shutil.copyfile(generated_stub, package / "orthanc-stubs" / "__init__.pyi")
    shutil.copyfile(ROOT / "VERSION", destination / "VERSION")
    return package


def test_stub_wheel_in_a_fresh_venv(real_output_dir, tmp_path, mypy_available):
    """pip builds the wheel of stubs/ filled with the generated stub (hatchling, from
    PyPI or a local cache), a new venv installs it, and mypy run from that venv
    finds the stubs by itself (PEP 561)."""
    package = stage_stub_package(real_output_dir / "orthanc.pyi", tmp_path / "staged")
    wheels = tmp_path / "wheels"
    # Offline when hatchling is installed here; else pip fetches it (PyPI or pip's cache).
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "--wheel-dir", str(wheels), str(package)],
        capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    version = (ROOT / "VERSION").read_text(encoding="utf-8").strip()
    wheel = wheels / f"orthanc_stubs-{version}-py3-none-any.whl"
    assert wheel.is_file(), sorted(p.name for p in wheels.iterdir())
    assert not (STUBS / "orthanc-stubs").exists()  # generated files stay out of the source tree

    # A fresh venv with the pinned mypy (from PyPI or pip's cache) and the
    # stubs from the wheel only.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = str(env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    # pip (>= 22.3) installs into the venv from outside it: no ensurepip needed.
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--disable-pip-version-check", "--quiet"]
    install = subprocess.run([*pip, mypy_requirement()], capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    install = subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr

    project = tmp_path / "project"
    project.mkdir()
    sample = project / "sample.py"
    shutil.copy(SCRIPTS / "rest_callbacks.py", sample)
    with sample.open("a", encoding="utf-8") as f:
        f.write("\nreveal_type(orthanc.RestApiGet)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    cache = ["--cache-dir", str(tmp_path / ".mypy_cache")]
    run = subprocess.run([python, "-m", "mypy", *cache, "--check-untyped-defs", "sample.py"],
                         cwd=project, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r'Revealed type is "def \(uri: (builtins\.)?str\) -> (builtins\.)?bytes"', run.stdout), run.stdout

    # Without the package, the same interpreter knows nothing of `orthanc`.
    bare = subprocess.run([sys.executable, "-m", "mypy", *cache, "sample.py"], cwd=project, env=env,
                          capture_output=True, text=True)
    assert 'Cannot find implementation or library stub for module named "orthanc"' in bare.stdout, bare.stdout
