"""Start and stop a real Orthanc server that loads the Python plugin under test.

Each server gets its own folder (storage, index, script, configuration, log)
and free loopback ports (written by orthanc_packaging.orthanc_setup, which
the benchmarks share).  Which plugin and which Orthanc: run_settings.py.
Nothing here is specific to pytest: see conftest.py for the fixtures that
wrap it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Protocol

import requests
from orthanc_packaging.orthanc_setup import ORTHANC_BINARY, STARTED_LINE, OrthancFiles, tail
from run_settings import EMBEDDED_PYTHONPATH_VAR, MISSING_PLUGIN_MESSAGE, plugin_path

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"

# Seconds Orthanc has to answer after start; under valgrind on a busy
# two-core machine start-up alone can take longer (tests/reliability raises it).
START_TIMEOUT = float(os.environ.get("ORTHANC_TEST_START_TIMEOUT", "30"))
STOP_TIMEOUT = 20.0


def process_alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (Linux /proc)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def live_children(pid: int) -> set[int]:
    """The live (not zombie) direct children of a process (Linux /proc)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except FileNotFoundError:
            pass
    return {child for child in found if process_alive(child)}


class OrthancStartError(RuntimeError):
    """Orthanc did not come up; the message ends with the tail of its log."""


def load_script(name: str, replacements: Mapping[str, str] | None = None) -> str:
    """Text of tests/scripts/<name>, with literal substrings replaced.

    The samples keep the paths and addresses of the Orthanc Book (such as
    /tmp/sample.dcm or http://localhost:8042); a test swaps them for its own.
    """
    text = (SCRIPTS_DIR / name).read_text(encoding="utf-8")
    for old, new in (replacements or {}).items():
        if old not in text:
            raise ValueError(f"{old!r} does not occur in {name}")
        text = text.replace(old, new)
    return text


def _orthanc_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # Users' print() output must reach the Orthanc log while Orthanc runs,
    # without help from the environment (the samples rely on it).
    env.pop("PYTHONUNBUFFERED", None)
    # The plugin honours VIRTUAL_ENV: the runner's own venv (nox's) must not leak
    # into the embedded Python. Tests of that feature pass it explicitly (extra).
    env.pop("VIRTUAL_ENV", None)
    extra_path = os.environ.get(EMBEDDED_PYTHONPATH_VAR)
    if extra_path:
        current = env.get("PYTHONPATH")
        env["PYTHONPATH"] = extra_path if not current else extra_path + os.pathsep + current
    env.update(extra)
    return env


class OrthancSetup(OrthancFiles):
    """Folder, script and configuration of one Orthanc run that loads the
    plugin under test, started with --verbose."""

    @classmethod
    def create(
        cls,
        workdir: Path,
        script: str | Path,
        extra_config: Mapping[str, Any] | None = None,
        script_name: str = "script.py",
        aet: str = "ORTHANCTEST",
    ) -> OrthancSetup:
        return cls.write(workdir, script, [plugin_path()], extra_config, script_name, aet)

    def command(self) -> list[str]:
        return [str(ORTHANC_BINARY), "--verbose", str(self.config_path)]


@dataclass
class OrthancServer:
    """A running Orthanc; talk to it with .get/.post/... (paths relative to .url)."""

    setup: OrthancSetup
    process: subprocess.Popen[bytes]
    session: requests.Session = field(default_factory=requests.Session)
    _stop_requested: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.setup.http_port}"

    @property
    def dicom_port(self) -> int:
        return self.setup.dicom_port

    @property
    def aet(self) -> str:
        return self.setup.aet

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def log_text(self) -> str:
        try:
            return self.setup.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern: str, timeout: float = 10.0, count: int = 1) -> str:
        """Wait until the regex `pattern` occurs `count` times in the log; return the log."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()
            if len(re.findall(pattern, text)) >= count:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{pattern!r} not seen {count} time(s) in the Orthanc log within "
                    f"{timeout} s; log tail:\n{tail(text)}"
                )
            time.sleep(0.1)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def upload(self, dicom: bytes) -> dict[str, Any]:
        """POST /instances; return Orthanc's JSON answer (raises on HTTP error)."""
        r = self.post("/instances", data=dicom)
        r.raise_for_status()
        answer: dict[str, Any] = r.json()
        return answer

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def terminate(self) -> None:
        """Send SIGTERM (once) without waiting."""
        self._stop_requested = True
        self.session.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, wait, SIGKILL if needed; return the exit code."""
        if not self._stop_requested:
            self.terminate()
        if self.process.poll() is None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                self.setup.release_ports()
                raise AssertionError(
                    f"Orthanc ({self.setup.workdir}) did not stop within {timeout} s after SIGTERM; "
                    f"log tail:\n{tail(self.log_text())}"
                ) from None
        self.setup.release_ports()
        return int(self.process.returncode)


def _spawn(setup: OrthancSetup, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    if not plugin_path().is_file():
        raise OrthancStartError(MISSING_PLUGIN_MESSAGE)
    with open(setup.log_path, "wb") as log:
        return subprocess.Popen(
            setup.command(),
            cwd=setup.workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_orthanc_env(env),
        )


def _abandon(server: OrthancServer, problem: str) -> NoReturn:
    """Kill a server that failed to start, free its ports, raise with its log."""
    server.process.kill()
    server.process.wait(10)
    server.setup.release_ports()
    raise OrthancStartError(f"{problem}; log tail:\n{tail(server.log_text())}")


def start(setup: OrthancSetup, env: Mapping[str, str] | None = None,
          timeout: float = START_TIMEOUT) -> OrthancServer:
    """Start Orthanc and wait until GET /system answers."""
    server = OrthancServer(setup=setup, process=_spawn(setup, env or {}))
    deadline = time.monotonic() + timeout
    probe = requests.Session()
    try:
        while True:
            if server.returncode is not None:
                setup.release_ports()
                raise OrthancStartError(
                    f"Orthanc exited with code {server.returncode} before answering; "
                    f"log tail:\n{tail(server.log_text())}"
                )
            try:
                # Any HTTP answer (even 401 when authentication is on) means "up".
                probe.get(server.url + "/system", timeout=2)
            except requests.ConnectionError:
                pass
            else:
                log = server.log_text()
                # Orthanc installs its SIGTERM handler only after logging this; a
                # SIGTERM before it kills the process (exit -15) instead of stopping it.
                if STARTED_LINE in log:
                    # Orthanc starts even when it cannot load a plugin: make sure it did.
                    if "Registering plugin 'python'" not in log:
                        _abandon(server, f"Orthanc answers but did not load the plugin {plugin_path()}")
                    return server
            if time.monotonic() > deadline:
                _abandon(server, f"Orthanc did not answer within {timeout} s")
            time.sleep(0.05)
    finally:
        probe.close()


@dataclass
class FailedStart:
    """Outcome of a run that was expected not to start."""

    returncode: int
    log: str


def start_expecting_failure(setup: OrthancSetup, env: Mapping[str, str] | None = None,
                            timeout: float = START_TIMEOUT) -> FailedStart:
    """Run Orthanc and wait for it to exit by itself.

    Raises AssertionError (after killing it) if its HTTP server answers, which
    means it did start, or if it is still running after `timeout` seconds.
    """
    process = _spawn(setup, env or {})
    url = f"http://127.0.0.1:{setup.http_port}/system"
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        problem = ""
        if time.monotonic() > deadline:
            problem = f"still ran after {timeout} s"
        else:
            try:
                requests.get(url, timeout=1)
                problem = "its HTTP server answered"
            except requests.RequestException:
                pass
        if problem:
            process.kill()
            process.wait(10)
            setup.release_ports()
            log = setup.log_path.read_text(encoding="utf-8", errors="replace")
            raise AssertionError(
                f"Orthanc was expected to fail to start, but {problem}; log tail:\n{tail(log)}"
            )
        time.sleep(0.1)
    setup.release_ports()
    log = setup.log_path.read_text(encoding="utf-8", errors="replace")
    return FailedStart(returncode=int(process.returncode), log=log)


class Reaper:
    """Stops servers in background threads.

    Orthanc 1.10 takes about 3.5 s to shut down (its HTTP and DICOM servers
    poll); waiting for that after every test would make the suite slow, so a
    test's servers are sent SIGTERM at teardown and waited for here.  Each
    problem names the test (`owner`) that started the server, since it is
    only seen after that test ended.
    """

    def __init__(self, timeout: float = STOP_TIMEOUT) -> None:
        self._timeout = timeout
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.problems: list[str] = []

    def add(self, server: OrthancServer, owner: str = "") -> None:
        server.terminate()
        thread = threading.Thread(target=self._wait, args=(server, owner), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _wait(self, server: OrthancServer, owner: str) -> None:
        try:
            code = server.stop(self._timeout)
        except AssertionError as error:
            problem = str(error)
        else:
            if code == 0:
                return
            problem = (f"Orthanc ({server.setup.workdir}) exited with code {code} after "
                       f"SIGTERM; log tail:\n{tail(server.log_text())}")
        with self._lock:
            self.problems.append(f"server of {owner}: {problem}" if owner else problem)

    def join(self) -> list[str]:
        """Wait for every server handed over; return the problems seen."""
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        return list(self.problems)


# Types of the fixtures of conftest.py, for annotating tests.
class StartOrthanc(Protocol):
    def __call__(
        self,
        script: str | Path,
        extra_config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        script_name: str = "script.py",
    ) -> OrthancServer: ...


class StartFailingOrthanc(Protocol):
    def __call__(
        self,
        script: str | Path,
        extra_config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        script_name: str = "script.py",
    ) -> FailedStart: ...
