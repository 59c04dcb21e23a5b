"""Virtual environments: "Python.VirtualEnv", or VIRTUAL_ENV when the option
is absent, puts the venv's site-packages first on sys.path (with its .pth
files, as site.addsitedir does); a venv made for another Python version is
refused with one clear error.  The venvs are real (python3.X -m venv, for the
Python the plugin embeds), with a tiny local wheel pip-installed, offline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import orthanc_server as harness
import run_settings
import pytest
from orthanc_server import StartFailingOrthanc, StartOrthanc

SCRIPT = """\
import json
import sys
import orthanc
import tinypkg
import tinyextra  # only importable through tinypkg's .pth file

def OnRest(output, uri, **request):
    output.AnswerBuffer(json.dumps({
        'value': tinypkg.VALUE,
        'file': tinypkg.__file__,
        'extra': tinyextra.EXTRA,
        'path': sys.path,
        'executable': sys.executable,
    }), 'application/json')

orthanc.RegisterRestCallback('/venv', OnRest)
"""


def embedded_python_version() -> str:
    """X.Y of the Python the plugin under test is linked to (its libpythonX.Y)."""
    plugin = run_settings.plugin_path()
    data = plugin.read_bytes()
    found = set(re.findall(rb"libpython(\d+\.\d+)", data))
    if len(found) != 1:
        pytest.fail(f"cannot tell which Python {plugin} embeds: {found}")
    return found.pop().decode()


def embedded_python_interpreter(version: str) -> str:
    """A python{version} that runs: the runner's (a Debian root's wrapper, when
    Orthanc runs in one), next to the plugin's libpython (its RUNPATH), or on PATH."""
    given = os.environ.get(run_settings.EMBEDDED_PYTHON_VAR)
    if given:
        return given
    if run_settings.in_root():
        pytest.fail(f"Orthanc runs in the Debian {run_settings.in_root()} root but {run_settings.EMBEDDED_PYTHON_VAR} "
                    "does not name its python: a host python would make a venv that the root cannot run")
    candidates = []
    dynamic = subprocess.run(["readelf", "-d", str(run_settings.plugin_path())], capture_output=True, text=True)
    for runpath in re.findall(r"R(?:UN)?PATH\).*\[(.*)\]", dynamic.stdout):
        candidates += [str(Path(d).parent / "bin" / f"python{version}") for d in runpath.split(":") if d]
    candidates += [shutil.which(f"python{version}") or "", f"/usr/bin/python{version}"]
    for candidate in candidates:
        if not candidate or not Path(candidate).is_file():
            continue
        run = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True)
        if run.returncode == 0 and run.stdout.strip() == version:
            return candidate
    pytest.fail(f"no python{version} (the Python the plugin embeds) found among {candidates}")


def _tiny_wheel(directory: Path) -> Path:
    """tinypkg 1.0: a package, and a .pth file that adds a folder of site-packages to sys.path."""
    wheel = directory / "tinypkg-1.0-py3-none-any.whl"
    files = {
        "tinypkg/__init__.py": "VALUE = 'tinypkg from the venv'\n",
        "tinypkg_extra/tinyextra.py": "EXTRA = 'found through a .pth file'\n",
        "tinypkg-extra.pth": "tinypkg_extra\n",
        "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
        "tinypkg-1.0.dist-info/WHEEL": ("Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
                                        "Tag: py3-none-any\n"),
    }
    record = "".join(f"{name},,\n" for name in files) + "tinypkg-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("tinypkg-1.0.dist-info/RECORD", record)
    return wheel


@pytest.fixture(scope="module")
def venv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv of the embedded Python version, with tinypkg installed (no network)."""
    interpreter = embedded_python_interpreter(embedded_python_version())
    root = tmp_path_factory.mktemp("venvs")
    venv = root / "venv"
    subprocess.run([interpreter, "-m", "venv", "--without-pip", str(venv)], check=True)
    # pip of this (host) Python installs into the venv's site-packages without
    # running the venv's python, which may only run inside a Debian root.
    site_packages = venv / "lib" / f"python{embedded_python_version()}" / "site-packages"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--target", str(site_packages),
         str(_tiny_wheel(root))], capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    return venv


def _check(server: harness.OrthancServer, venv: Path) -> None:
    r = server.get("/venv")
    assert r.status_code == 200, r.text
    answer = r.json()
    site_packages = str(next((venv / "lib").glob("python*/site-packages")))
    assert answer["value"] == "tinypkg from the venv"
    assert answer["file"].startswith(site_packages)
    assert answer["extra"] == "found through a .pth file"
    path = answer["path"]
    # The script's folder, then the venv's site-packages and what its .pth added, then the rest.
    assert path[1:3] == [site_packages, site_packages + "/tinypkg_extra"], path
    others = [i for i, p in enumerate(path) if p.endswith("site-packages") and p != site_packages]
    assert all(i > 2 for i in others), path
    assert answer["executable"] == str(venv / "bin" / "python")
    assert "Python plugin: using the virtual environment " in server.log_text()


@pytest.mark.ours
def test_virtual_env_option(orthanc_server: StartOrthanc, venv_dir: Path) -> None:
    # The option wins over VIRTUAL_ENV.
    server = orthanc_server(SCRIPT, {"Python": {"VirtualEnv": str(venv_dir)}},
                            env={"VIRTUAL_ENV": "/no/such/venv"})
    _check(server, venv_dir)
    assert "/no/such/venv" not in server.log_text()


@pytest.mark.ours
def test_virtual_env_variable(orthanc_server: StartOrthanc, venv_dir: Path) -> None:
    server = orthanc_server(SCRIPT, env={"VIRTUAL_ENV": str(venv_dir)})
    _check(server, venv_dir)
    assert "(VIRTUAL_ENV)" in server.log_text()


def _other_version_venv(root: Path) -> Path:
    """A venv made for another Python (here 3.2: no plugin can embed it)."""
    venv = root / "old-venv"
    (venv / "lib" / "python3.2" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.2.5\n", encoding="utf-8")
    return venv


@pytest.mark.ours
def test_venv_of_another_python_is_refused(orthanc_failing_start: StartFailingOrthanc, tmp_path: Path) -> None:
    venv = _other_version_venv(tmp_path)
    version = embedded_python_version()
    result = orthanc_failing_start("print('the script ran')\n", {"Python": {"VirtualEnv": str(venv)}})
    assert result.returncode != 0
    errors = [line for line in result.log.splitlines() if "was made for Python 3.2" in line]
    assert len(errors) == 1, result.log
    assert f"but this plugin embeds Python {version}: create it with python{version} -m venv" in errors[0]
    assert "the script ran" not in result.log

    missing = orthanc_failing_start("print('the script ran')\n",
                                    {"Python": {"VirtualEnv": str(tmp_path / "missing")}})
    assert missing.returncode != 0
    assert re.search(r'virtual environment of "Python.VirtualEnv" \(.*missing\) does not exist', missing.log)


@pytest.mark.ours
def test_virtual_env_variable_of_another_python_is_ignored(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    venv = _other_version_venv(tmp_path)
    server = orthanc_server("import sys\nprint('script ran, %d entries' % len(sys.path))\n",
                            env={"VIRTUAL_ENV": str(venv)})
    log = server.wait_for_log(r"script ran, \d+ entries")
    errors = [line for line in log.splitlines() if "was made for Python 3.2" in line]
    assert len(errors) == 1 and "it is ignored" in errors[0], log
    assert "using the virtual environment" not in log
