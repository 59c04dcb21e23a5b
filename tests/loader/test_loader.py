"""The loader (libOrthancPython.so of a bundle) in the real Orthanc: it picks the
Python the configuration, a virtual environment or PATH names, loads the bundle's
module for it, and that Python runs the script (REST route, change and
stored-instance callbacks); a Python it cannot run gives one error.

Set by `nox -s loader` (packaging/orthanc_packaging/loader.py):
  ORTHANC_LOADER_BUNDLE   the bundle folder: the loader and python3.X/libOrthancPython.so
  ORTHANC_LOADER_PYTHONS  JSON {"3.12": "/path/to/python3.12"}: this host's Pythons to test
  ORTHANC_LOADER_ROOTS    JSON [{"suite", "minor", "orthanc", "python", "inside"}]: Pythons
                          tested in a Debian root (Orthanc and python wrappers entering it,
                          the interpreter's path inside)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orthanc_server as harness
import pytest
from orthanc_packaging.dicom_factory import make_dataset, to_bytes

BUNDLE_VAR = "ORTHANC_LOADER_BUNDLE"
PYTHONS_VAR = "ORTHANC_LOADER_PYTHONS"
ROOTS_VAR = "ORTHANC_LOADER_ROOTS"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOADER = "Python plugin loader: "

CORE_SCRIPT = """\
import json, sys
import orthanc

events = {"changes": [], "stored": []}

def on_change(change_type, level, resource):
    if change_type == orthanc.ChangeType.NEW_INSTANCE:
        events["changes"].append(resource)

def on_stored(dicom, instance_id):
    tags = json.loads(dicom.GetInstanceSimplifiedJson())
    events["stored"].append([instance_id, tags.get("PatientID")])

def probe(output, uri, **request):
    answer = {"version": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable,
              "path": sys.path, "events": events}
    output.AnswerBuffer(json.dumps(answer), "application/json")

orthanc.RegisterOnChangeCallback(on_change)
orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterRestCallback("/loader/probe", probe)
"""


@dataclass(frozen=True)
class Target:
    minor: str
    python: str  # the interpreter as Orthanc sees it (inside the root for a root)
    runner: str  # runs that interpreter from here (a wrapper entering the root)
    orthanc: str | None = None  # Orthanc wrapper of a root; None: this host's
    suite: str | None = None

    @property
    def name(self) -> str:
        return f"{self.suite}-{self.minor}" if self.suite else self.minor


def _bundle() -> Path | None:
    value = os.environ.get(BUNDLE_VAR)
    return Path(value).resolve() if value else None


def _bundled_minors(bundle: Path) -> list[str]:
    return sorted(
        (d.name[len("python"):] for d in bundle.glob("python3.*") if (d / "libOrthancPython.so").is_file()),
        key=lambda m: int(m.split(".")[1]),
    )


def _targets() -> list[Target]:
    targets = [Target(minor, exe, exe) for minor, exe in json.loads(os.environ.get(PYTHONS_VAR) or "{}").items()]
    for r in json.loads(os.environ.get(ROOTS_VAR) or "[]"):
        targets.append(Target(r["minor"], r["inside"], r["python"], r["orthanc"], r["suite"]))
    return targets


MODES = ("version", "executable", "venv", "path")


def _params() -> list[Any]:
    if _bundle() is None:
        return [pytest.param(None, None, marks=pytest.mark.skip(
            reason=f"no bundle: set {BUNDLE_VAR} (nox -s loader builds one)"))]
    targets = _targets()
    if not targets:
        return [pytest.param(None, None, marks=pytest.mark.skip(
            reason=f"no Python to test: set {PYTHONS_VAR} or {ROOTS_VAR}"))]
    return [pytest.param(t, mode, id=f"{t.name}-{mode}") for t in targets for mode in MODES]


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch) -> Path:
    bundle = _bundle()
    assert bundle is not None
    path = bundle / "libOrthancPython.so"
    monkeypatch.setenv("ORTHANC_PYTHON_PLUGIN", str(path))
    return path


def _in_root(monkeypatch: pytest.MonkeyPatch, target: Target) -> None:
    if target.orthanc:
        monkeypatch.setattr(harness, "ORTHANC_BINARY", Path(target.orthanc))


def _make_venv(target: Target, where: Path) -> Path:
    subprocess.run([target.runner, "-m", "venv", "--without-pip", str(where)], check=True,
                   capture_output=True, timeout=120)
    return where


def _wait_events(server: harness.OrthancServer, instance_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        answer = server.get("/loader/probe").json()
        events = answer["events"]
        if instance_id in events["changes"] and [instance_id, "LOADER"] in events["stored"]:
            return answer
        assert time.monotonic() < deadline, f"callbacks not called within 15 s: {events}"
        time.sleep(0.1)


@pytest.mark.parametrize(("target", "mode"), _params())
def test_loader_chooses_python(target: Target, mode: str, loader: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               orthanc_server: harness.StartOrthanc) -> None:
    _in_root(monkeypatch, target)
    config: dict[str, Any] = {}
    env: dict[str, str] = {}
    reason = ""
    if mode == "version":
        config["Python"] = {"Version": target.minor}
        reason = f'because Python.Version is "{target.minor}" in the configuration'
        if not target.suite:
            env["PATH"] = SYSTEM_PATH  # found where a service would find it (pyenv's folders included)
    elif mode == "executable":
        config["Python"] = {"Executable": target.python}
        reason = f'because Python.Executable is "{target.python}" in the configuration'
    elif mode == "venv":
        venv = _make_venv(target, tmp_path / "venv")
        config["Python"] = {"VirtualEnv": str(venv)}
        reason = f'because Python.VirtualEnv "{venv}" is built on it (pyvenv.cfg)'
    else:
        if target.suite:
            # A root's wrapper runs Orthanc with the root's own PATH, whose first
            # python3 is the suite's Python.
            pass
        else:
            bin_dir = tmp_path / "bin"
            bin_dir.mkdir()
            (bin_dir / "python3").symlink_to(target.python)
            env["PATH"] = f"{bin_dir}:{SYSTEM_PATH}"
        reason = "because it is the first python3 on PATH"
    server = orthanc_server(CORE_SCRIPT, config, env)
    log = server.log_text()
    assert f"{LOADER}chose Python {target.minor} (" in log, harness.tail(log)
    assert reason in log, harness.tail(log)
    answer = server.get("/loader/probe").json()
    assert answer["version"].startswith(target.minor + "."), answer
    if mode == "venv":
        assert any(p.startswith(str(tmp_path / "venv")) for p in answer["path"]), answer["path"]
    instance_id = server.upload(to_bytes(make_dataset(patient_id="LOADER")))["ID"]
    _wait_events(server, instance_id)


def _one_loader_error(log: str) -> str:
    errors = [line for line in log.splitlines() if LOADER in line and line.startswith("E")]
    assert len(errors) == 1, f"expected one loader error, got {errors}:\n{harness.tail(log)}"
    return errors[0]


def _bundle_list(bundle: Path) -> str:
    return "this bundle holds modules for Python " + ", ".join(_bundled_minors(bundle))


needs_bundle = pytest.mark.skipif(_bundle() is None, reason=f"no bundle: set {BUNDLE_VAR}")


@needs_bundle
def test_missing_version_is_one_error(loader: Path,
                                      orthanc_failing_start: harness.StartFailingOrthanc) -> None:
    failed = orthanc_failing_start(CORE_SCRIPT, {"Python": {"Version": "3.99"}}, {"PATH": SYSTEM_PATH})
    assert failed.returncode != 0
    error = _one_loader_error(failed.log)
    assert "no Python 3.99 on PATH" in error, error
    assert _bundle_list(loader.parent) in error, error
    assert '"Python" : { "Version" : "3.X" }' in error, error


@needs_bundle
def test_version_outside_the_bundle_is_one_error(loader: Path, tmp_path: Path,
                                                 orthanc_failing_start: harness.StartFailingOrthanc) -> None:
    # A real Python the bundle has no module for: 3.7 from pyenv, else the
    # first python3 of this host when the bundle lacks its version.
    bundled = _bundled_minors(loader.parent)
    candidates = sorted(Path(os.path.expanduser("~/.pyenv/versions")).glob("3.7.*/bin/python3.7"))
    candidates += [Path(p) for p in (shutil.which("python3", path=SYSTEM_PATH),) if p]
    for exe in candidates:
        out = subprocess.run([str(exe), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=False)
        minor = out.stdout.strip()
        if out.returncode == 0 and minor not in bundled:
            break
    else:
        pytest.skip(f"every Python found here ({[str(c) for c in candidates]}) has a module in the bundle")
    failed = orthanc_failing_start(CORE_SCRIPT, {"Python": {"Executable": str(exe)}})
    error = _one_loader_error(failed.log)
    assert f"Python {minor} (" in error and f"this bundle holds no module for Python {minor}" in error, error
    assert _bundle_list(loader.parent) in error, error


@needs_bundle
def test_python_without_shared_libpython_is_one_error(loader: Path, tmp_path: Path,
                                                      orthanc_failing_start: harness.StartFailingOrthanc) -> None:
    # Debian's python3.X executable links libpython statically: moved to a
    # prefix of its own (its standard library linked in), it is a Python with
    # no shared library beside it.
    system = shutil.which("python3", path=SYSTEM_PATH)
    assert system is not None
    real = Path(system).resolve()
    linked = subprocess.run(["ldd", str(real)], capture_output=True, text=True, check=False).stdout
    if "libpython" in linked:
        pytest.skip(f"{real} links a shared libpython: no statically linked Python here")
    minor = re.sub(r"^python", "", real.name)
    prefix = tmp_path / "static-python"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "lib").mkdir()
    shutil.copy2(real, prefix / "bin" / real.name)
    (prefix / "lib" / real.name).symlink_to(Path("/usr/lib") / real.name)
    exe = prefix / "bin" / real.name
    failed = orthanc_failing_start(CORE_SCRIPT, {"Python": {"Executable": str(exe)}})
    error = _one_loader_error(failed.log)
    assert f"it has no shared libpython{minor}" in error, error
    assert _bundle_list(loader.parent) in error, error


@needs_bundle
def test_module_loaded_directly(loader: Path, monkeypatch: pytest.MonkeyPatch,
                                orthanc_server: harness.StartOrthanc) -> None:
    targets = [t for t in _targets() if not t.suite]
    if not targets:
        pytest.skip(f"no host Python to test: set {PYTHONS_VAR}")
    target = targets[0]
    module = loader.parent / f"python{target.minor}" / "libOrthancPython.so"
    monkeypatch.setenv("ORTHANC_PYTHON_PLUGIN", str(module))
    server = orthanc_server(CORE_SCRIPT, {"Python": {"Version": "3.99"}})  # ignored without the loader
    assert LOADER not in server.log_text()
    assert server.get("/loader/probe").json()["version"].startswith(target.minor + ".")


@needs_bundle
def test_reset_keeps_the_python_that_runs(loader: Path, orthanc_server: harness.StartOrthanc) -> None:
    # Python outlives Orthanc's in-process restart, and a second Python cannot
    # start in the same process: a configuration naming another one takes
    # effect when the process starts again.
    hosts = [t for t in _targets() if not t.suite]
    if len(hosts) < 2:
        pytest.skip(f"needs two host Pythons in {PYTHONS_VAR}, got {[t.minor for t in hosts]}")
    first, second = hosts[0], hosts[1]
    server = orthanc_server(CORE_SCRIPT, {"Python": {"Version": first.minor}}, {"PATH": SYSTEM_PATH})
    assert server.get("/loader/probe").json()["version"].startswith(first.minor + ".")
    config = json.loads(server.setup.config_path.read_text(encoding="utf-8"))
    config["Python"]["Version"] = second.minor
    server.setup.config_path.write_text(json.dumps(config), encoding="utf-8")
    assert server.post("/tools/reset").status_code == 200
    log = server.wait_for_log(f"{LOADER}Python {first.minor} keeps running since Orthanc's previous start",
                              timeout=30)
    assert f"{LOADER}chose Python {second.minor}" not in log
    deadline = time.monotonic() + 30
    while True:
        try:
            answer = server.get("/loader/probe")
            if answer.status_code == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, harness.tail(server.log_text())
        time.sleep(0.2)
    assert answer.json()["version"].startswith(first.minor + ".")
