"""The dev root's headers (CPython's Include/ with the pyconfig.h that
packaging/orthanc_packaging/windows/pyconfig.py writes) against the real
python3X.dll: windows/pyconfig-probe, built by the session for the plugin's
architecture (its static assertions already held pyconfig.h's sizes against
the compiler), run with the embeddable Python.  A wrong configuration header
shows as a struct size or a type field that the interpreter disagrees with."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from windows_env import NATIVE, Built, missing, windows


@pytest.fixture(scope="module")
def probe(built_any: Built) -> Path:
    if NATIVE:
        pytest.skip("the probe checks the pyconfig.h the cross build writes; a native build uses the "
                    "installed Python's own")
    path = os.environ.get(windows.ENV_PROBE)
    if not path or not Path(path).is_file():
        missing(f"no pyconfig probe ({windows.ENV_PROBE} unset): nox -s windows-{built_any.minor} builds it")
    return Path(path)


def test_the_probe_is_built_for_the_plugins_architecture(built_any: Built, probe: Path) -> None:
    assert windows.read_dll_facts(probe).file_format == built_any.arch.pe_format


def test_headers_agree_with_the_interpreter(built: Built, probe: Path, tmp_path: Path) -> None:
    launcher = [] if built.wine_prefix is None else (windows.wine_command() or [])
    env = windows.smoke_environment(built.python_home, built.wine_prefix)
    proc = subprocess.run([*launcher, str(probe)], cwd=str(tmp_path), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300, check=False)
    output = proc.stdout.decode("utf-8", errors="replace").replace("\r\n", "\n")
    print(output)
    checks = re.findall(r"^check (.+) compiled=(-?\d+) runtime=(-?\d+) (ok|MISMATCH)$", output, re.MULTILINE)
    assert f"Python {built.minor}." in output
    assert len(checks) >= 20, output  # every comparison ran
    assert [c for c in checks if c[3] != "ok"] == []
    assert proc.returncode == 0
