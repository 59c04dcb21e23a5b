"""Each wheel, installed into a fresh venv of its Python, loaded by the real
Orthanc through what its command prints.

The wheels are those of $ORTHANC_PYTHON_WHEELS (wheel files or folders,
separated by os.pathsep; ``nox -s wheels`` builds them and sets it); the Python of each comes from
$ORTHANC_WHEEL_PYTHONS (JSON {"3.12": "/path/to/python3.12"}) or pyenv.
Nothing reaches the embedded Python through PYTHONPATH: the harness's
ORTHANC_TESTS_PYTHONPATH, PYTHONPATH and PYTHONHOME are removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orthanc_server as harness
import run_settings
import pytest
from orthanc_packaging import discovery
from wheel_env import wheel_checks, wheels

WHEELS_VAR = "ORTHANC_PYTHON_WHEELS"
# Orthanc runs as a service, with the system's PATH: the plugin finds no
# interpreter next to a distribution's libpython (/usr/lib/<arch>/) and
# Python then takes the first "python3" of PATH as its home, which in a
# developer's shell or a nox session is some venv's (reported to the
# owners of src/Interpreter.cpp).
SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PYTHONS_VAR = "ORTHANC_WHEEL_PYTHONS"

PROBE_SCRIPT = """\
import json, sys
import orthanc

def probe(output, uri, **request):
    answer = {"version": list(sys.version_info[:3]), "prefix": sys.prefix,
              "base_prefix": sys.base_prefix, "path": sys.path}
    try:
        import orthanc_python
        answer["orthanc_python"] = orthanc_python.__file__
    except ImportError as error:
        answer["import_error"] = str(error)
    output.AnswerBuffer(json.dumps(answer), "application/json")

orthanc.RegisterRestCallback("/wheel-probe", probe)
"""


def _wheels() -> list[Path]:
    found: list[Path] = []
    for item in filter(None, os.environ.get(WHEELS_VAR, "").split(os.pathsep)):
        path = Path(item)
        found += sorted(path.glob("*.whl")) if path.is_dir() else [path]
    return sorted(found, key=lambda w: tuple(int(p) for p in (wheel_checks.wheel_minor(w) or "0").split(".")))


def _python_for(minor: str) -> Path:
    given = json.loads(os.environ.get(PYTHONS_VAR) or "{}")
    if minor in given:
        return Path(given[minor])
    found = wheels.find_pythons([minor], discovery.discover())
    if minor not in found:
        pytest.skip(f"no Python {minor} here to install {minor} wheels into")
    return found[minor]


def _params() -> list[Any]:
    found = _wheels()
    if not found:
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(
                    reason=f"no wheels: set {WHEELS_VAR} (nox -s wheels builds them)"
                ),
            )
        ]
    return [pytest.param(w, id=f"py{wheel_checks.wheel_minor(w)}") for w in found]


@dataclass
class Installed:
    wheel: Path
    minor: str
    venv: Path
    python: Path
    base_version: list[int]

    def command(self, *args: str) -> subprocess.CompletedProcess:
        exe = (
            self.venv
            / ("Scripts" if os.name == "nt" else "bin")
            / "orthanc-python-plugin"
        )
        return subprocess.run(
            [str(exe), *args],
            capture_output=True,
            text=True,
            check=False,
            env=_clean_env(),
        )

    def snippet(self, *args: str) -> dict[str, Any]:
        done = self.command("--json", *args)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    @property
    def library(self) -> Path:
        done = self.command("--path")
        assert done.returncode == 0, done.stderr
        return Path(done.stdout.strip())


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        run_settings.EMBEDDED_PYTHONPATH_VAR,
    ):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module", params=_params())
def installed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    wheel: Path = request.param
    minor = wheel_checks.wheel_minor(wheel)
    assert minor, f"{wheel.name} is not a cpXY-cpXY wheel"
    python = _python_for(minor)
    venv = tmp_path_factory.mktemp(f"venv-py{minor}")
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, env=_clean_env())
    venv_python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # Offline: the wheel has no dependencies.
    subprocess.run(
        [
            str(venv_python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        env=_clean_env(),
    )
    version = subprocess.run(
        [str(venv_python), "-c", "import sys; print(list(sys.version_info[:3]))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Installed(wheel, minor, venv, venv_python, json.loads(version))


@pytest.fixture
def clean_orthanc_env(monkeypatch: pytest.MonkeyPatch, installed: Installed) -> None:
    # The harness starts Orthanc with os.environ plus what a test gives.
    for name in (
        "PYTHONPATH",
        "PYTHONHOME",
        "VIRTUAL_ENV",
        run_settings.EMBEDDED_PYTHONPATH_VAR,
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORTHANC_PYTHON_PLUGIN", str(installed.library))


def _plugin_has(installed: Installed, option: bytes) -> bool:
    return option in installed.library.read_bytes()


def test_wheel_passes_the_checks(installed: Installed) -> None:
    report = wheel_checks.check_wheel(
        installed.wheel, require_manylinux=sys.platform.startswith("linux")
    )
    assert report.ok, report.problems


def test_command_prints_the_library_and_the_snippet(
    installed: Installed, tmp_path: Path
) -> None:
    library = installed.library
    site_packages = Path(
        subprocess.run(
            [
                str(installed.python),
                "-c",
                "import sysconfig; print(sysconfig.get_path('platlib'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    assert library == site_packages / "orthanc_python" / library.name
    assert library.is_file()
    script = tmp_path / "script.py"
    assert installed.snippet("--script", str(script)) == {
        "Plugins": [str(library)],
        "Python": {"Path": str(script), "VirtualEnv": str(installed.venv)},
    }
    done = installed.command("--script", str(script))
    assert done.stdout.splitlines()[0] == str(library)


def test_orthanc_finds_the_python_library(installed: Installed) -> None:
    done = installed.command("--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_plugin_runs_in_orthanc(
    installed: Installed,
    clean_orthanc_env: None,
    orthanc_server: harness.StartOrthanc,
    tmp_path: Path,
) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE_SCRIPT, encoding="utf-8")
    config: dict[str, Any] = installed.snippet("--script", str(script))
    config["PythonScript"] = None  # the snippet's Python.Path names the script
    server = orthanc_server(script, extra_config=config, env={"PATH": SERVICE_PATH})
    answer = server.get("/wheel-probe").json()
    # The Python of the wheel, from the library of the venv's own base Python.
    assert answer["version"] == installed.base_version
    base = subprocess.run(
        [str(installed.python), "-c", "import sys; print(sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert answer["base_prefix"] == base
    assert (
        f"using Python {'.'.join(map(str, installed.base_version))}"
        in server.log_text()
    )


def _imports_from_the_venv(answer: dict[str, Any], installed: Installed) -> None:
    assert "import_error" not in answer, answer
    assert (
        Path(answer["orthanc_python"])
        .resolve()
        .is_relative_to(installed.venv.resolve())
    )


@pytest.fixture
def venv_feature(installed: Installed, request: pytest.FixtureRequest) -> None:
    option: bytes = request.param
    if not _plugin_has(installed, option):
        request.applymarker(
            pytest.mark.xfail(
                reason=f"the plugin has no {option.decode()} support yet (src/Interpreter.cpp)",
                strict=True,
            )
        )


@pytest.mark.parametrize("venv_feature", [b"VirtualEnv"], indirect=True)
def test_script_imports_from_the_venv_of_the_snippet(
    installed: Installed,
    venv_feature: None,
    clean_orthanc_env: None,
    orthanc_server: harness.StartOrthanc,
    tmp_path: Path,
) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE_SCRIPT, encoding="utf-8")
    config = installed.snippet("--script", str(script))
    config["PythonScript"] = None
    answer = (
        orthanc_server(script, extra_config=config, env={"PATH": SERVICE_PATH})
        .get("/wheel-probe")
        .json()
    )
    _imports_from_the_venv(answer, installed)


@pytest.mark.parametrize("venv_feature", [b"VIRTUAL_ENV"], indirect=True)
def test_script_imports_from_the_activated_venv(
    installed: Installed,
    venv_feature: None,
    clean_orthanc_env: None,
    orthanc_server: harness.StartOrthanc,
    tmp_path: Path,
) -> None:
    # Orthanc started from a shell where the venv is activated, with a
    # configuration that does not name it.
    script = tmp_path / "probe.py"
    script.write_text(PROBE_SCRIPT, encoding="utf-8")
    config = installed.snippet("--script", str(script), "--no-venv")
    config["PythonScript"] = None
    server = orthanc_server(
        script,
        extra_config=config,
        env={"VIRTUAL_ENV": str(installed.venv), "PATH": SERVICE_PATH},
    )
    _imports_from_the_venv(server.get("/wheel-probe").json(), installed)


EXAMPLE = Path(__file__).resolve().parents[2] / "python" / "examples" / "hello"


def test_example_project_runs_green_with_only_the_wheel_and_pytest(
    installed: Installed, tmp_path: Path
) -> None:
    """The documented example (a script and its tests) passes from a fresh venv
    holding only the wheel and pytest: the testing kit (orthanc_python.testing)
    starts the real Orthanc with the wheel's plugin."""
    subprocess.run(
        [str(installed.python), "-m", "pip", "install", "--quiet", "pytest"],
        check=True,
        env=_clean_env(),
    )
    project = tmp_path / "hello"
    project.mkdir()
    for name in ("hello.py", "test_hello.py", "pytest.ini"):
        (project / name).write_bytes((EXAMPLE / name).read_bytes())
    env = _clean_env()
    env.pop("ORTHANC_PYTHON_PLUGIN", None)  # the plugin of the wheel, not the build's
    env["ORTHANC_BINARY"] = str(harness.ORTHANC_BINARY)
    done = subprocess.run(
        [str(installed.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
