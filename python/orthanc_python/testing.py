"""A pytest plugin to test an Orthanc Python script against the real Orthanc.

Installed with the wheel (entry point ``pytest11``), it gives the fixture
``orthanc``: Orthanc (from ``--orthanc-binary``, ``$ORTHANC_BINARY``, PATH or
/usr/sbin) started with this package's plugin and the script named by the ini
option ``orthanc_script`` (or ``--orthanc-script``, or the marker
``@pytest.mark.orthanc_script("path.py", config={...})``), on free loopback
ports with a temporary storage; stopped by its PID after the test.

    def test_hello(orthanc):
        assert orthanc.get("/hello").text == "Hello"

Only the standard library is used (no requests), so that a venv with the
wheel and pytest is enough.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest

from . import configuration

__all__ = ["Orthanc", "Response", "find_orthanc", "start_orthanc"]

START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


class Response:
    """What an HTTP request answered: ``status_code``, ``content``, ``text``, ``json()``."""

    def __init__(self, status_code: int, content: bytes, headers: Mapping[str, str]) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = dict(headers)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response {self.status_code}: {self.text[:80]!r}>"


class Orthanc:
    """A running Orthanc with the plugin and the script."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, dicom_port: int, workdir: Path,
                 log_path: Path) -> None:
        self.process = process
        self.port = port
        self.dicom_port = dicom_port
        self.workdir = workdir
        self.log_path = log_path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        """Orthanc's log so far (stdout and stderr, with the script's print())."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def request(self, method: str, path: str, data: bytes | str | None = None,
                json_body: Any = None, headers: Mapping[str, str] | None = None,
                timeout: float = 30.0) -> Response:
        """``path`` relative to ``url``; an HTTP error status is returned, not raised."""
        body: bytes | None
        sent = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        else:
            body = data.encode() if isinstance(data, str) else data
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, answer.read(), dict(answer.headers.items()))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read(), dict(error.headers.items()) if error.headers else {})

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def upload(self, dicom: bytes | Path) -> dict[str, Any]:
        """POST /instances; Orthanc's answer (``ID``, ``ParentStudy``...)."""
        data = dicom.read_bytes() if isinstance(dicom, Path) else dicom
        answer = self.post("/instances", data=data, headers={"Content-Type": "application/dicom"})
        if answer.status_code != 200:
            raise AssertionError(f"upload refused: {answer.status_code} {answer.text}")
        result: dict[str, Any] = answer.json()
        return result

    def wait_for_log(self, pattern: str, timeout: float = 10.0, count: int = 1) -> str:
        """Waits until the regular expression ``pattern`` is in the log ``count`` times; returns the log."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log
            if len(re.findall(pattern, text)) >= count:
                return text
            if self.process.poll() is not None:
                raise AssertionError(f"Orthanc exited (code {self.process.returncode}) before {pattern!r} "
                                     f"was logged; log tail:\n{_tail(text)}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not logged within {timeout} s; log tail:\n{_tail(text)}")
            time.sleep(0.1)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """Stops Orthanc (SIGTERM to its PID, SIGKILL after ``timeout``); its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_orthanc(binary: str | None = None) -> Path:
    """The Orthanc executable: ``binary``, ``$ORTHANC_BINARY``, PATH, then /usr/sbin/Orthanc."""
    candidates: list[str | None] = [binary, os.environ.get("ORTHANC_BINARY"), shutil.which("Orthanc"),
                                       "/usr/sbin/Orthanc"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("Orthanc is not installed: install it (Debian: apt-get install orthanc), put it on "
                            "PATH, or give --orthanc-binary / $ORTHANC_BINARY")


def start_orthanc(scripts: str | Path | list[str | Path], workdir: Path,
                  config: Mapping[str, Any] | None = None, binary: str | None = None,
                  timeout: float = START_TIMEOUT) -> Orthanc:
    """Starts Orthanc with the plugin and ``scripts``; returns once it answers."""
    paths = [scripts] if isinstance(scripts, (str, Path)) else list(scripts)
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"the Orthanc script {path} does not exist (check orthanc_script)")
    workdir.mkdir(parents=True, exist_ok=True)
    storage = workdir / "storage"
    storage.mkdir(exist_ok=True)
    port, dicom_port = _free_port(), _free_port()
    plugin = os.environ.get("ORTHANC_PYTHON_PLUGIN")
    settings: dict[str, Any] = configuration(library=Path(plugin) if plugin else None)
    python = dict(settings.get("Python", {}))
    python.update((config or {}).get("Python", {}))
    settings.update({
        "Name": "orthanc-python-testing",
        "StorageDirectory": str(storage),
        "IndexDirectory": str(storage),
        "HttpPort": port,
        "DicomPort": dicom_port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "PythonScript": [str(Path(p).resolve()) for p in paths],
    })
    settings.update({k: v for k, v in (config or {}).items() if k != "Python"})
    if python:
        settings["Python"] = python
    config_path = workdir / "orthanc.json"
    config_path.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    log_path = workdir / "orthanc.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(find_orthanc(binary)), "--verbose", str(config_path)], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=str(workdir))
    server = Orthanc(process, port, dicom_port, workdir, log_path)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"Orthanc exited with code {process.returncode} during start-up; log tail:\n"
                               f"{_tail(server.log)}")
        try:
            # Orthanc handles SIGTERM only after logging that it has started;
            # stopping it before would kill it instead.
            if server.get("/system", timeout=2).status_code == 200 and "Orthanc has started" in server.log:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"Orthanc did not answer within {timeout} s; log tail:\n{_tail(server.log)}")
        time.sleep(0.1)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("orthanc", "Orthanc Python plugin (orthanc_python.testing)")
    group.addoption("--orthanc-binary", default=None, help="the Orthanc executable (default: PATH, /usr/sbin)")
    group.addoption("--orthanc-script", default=None, help="the script under test (overrides orthanc_script)")
    parser.addini("orthanc_script", "the script(s) under test, relative to the ini file", type="linelist")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "orthanc_script(*paths, config=None): the script(s) the orthanc fixture "
                                       "runs for this test, and extra orthanc.json settings")


def _scripts(request: pytest.FixtureRequest) -> tuple:
    marker = request.node.get_closest_marker("orthanc_script")
    base = Path(str(request.config.rootpath))
    inifile = request.config.inipath
    if inifile is not None:
        base = Path(inifile).parent
    if marker is not None and marker.args:
        return [base / p for p in marker.args], marker.kwargs.get("config")
    option = request.config.getoption("--orthanc-script")
    if option:
        return [Path(option)], marker.kwargs.get("config") if marker else None
    listed = request.config.getini("orthanc_script")
    if not listed:
        raise pytest.UsageError("the orthanc fixture needs a script: set orthanc_script in pytest.ini (or "
                                "--orthanc-script, or @pytest.mark.orthanc_script('script.py'))")
    return [base / p for p in listed], marker.kwargs.get("config") if marker else None


@pytest.fixture
def orthanc_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Orthanc]]:
    """Starts Orthanc servers (``factory(scripts, config=None)``); all stopped after the test."""
    started: list[Orthanc] = []

    def start(scripts: str | Path | list[str | Path], config: Mapping[str, Any] | None = None
              ) -> Orthanc:
        server = start_orthanc(scripts, tmp_path / f"orthanc{len(started) + 1}", config,
                               request.config.getoption("--orthanc-binary"))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def orthanc(request: pytest.FixtureRequest, orthanc_factory: Callable[..., Orthanc]) -> Orthanc:
    """Orthanc running the script under test (see the module's documentation)."""
    scripts, config = _scripts(request)
    return orthanc_factory(scripts, config)
