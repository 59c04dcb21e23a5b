"""Run tests/integration against one built plugin.

The plugin embeds the TARGET Python (say 3.8), so the third-party modules its
scripts import (pydicom, Pillow, requests, xlwt) must be built for that
Python. They go into a venv made from the target interpreter
(``build/venvs/py3.X``); the target installation itself stays untouched. The
test harness (tests/orthanc_server.py) hands ``ORTHANC_TESTS_PYTHONPATH`` to
Orthanc only, as its PYTHONPATH, so pytest itself can run from another
interpreter (the nox session's), which has pytest and what the tests import.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence, TextIO

from .discovery import FoundPython
from .report import Reporter
from .version import PROJECT_ROOT

TARGET_REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements" / "target.txt"
STAMP = ".orthanc-requirements.sha256"

# The contract with tests/orthanc_server.py.
ENV_PLUGIN = "ORTHANC_PYTHON_PLUGIN"  # path of the built shared library
ENV_EMBEDDED_PATH = "ORTHANC_TESTS_PYTHONPATH"  # target venv site-packages


class TestSetupError(RuntimeError):
    __test__ = False  # not a pytest test class despite the name


@dataclass(frozen=True)
class TestCounts:
    __test__ = False

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped

    def summary(self) -> str:
        parts = [f"{self.passed} passed"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.errors:
            parts.append(f"{self.errors} errors")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        return ", ".join(parts)


@dataclass
class TestResult:
    __test__ = False

    ok: bool
    counts: TestCounts = field(default_factory=TestCounts)
    exit_code: int | None = None
    seconds: float = 0.0
    junit: Path | None = None
    log: Path | None = None
    error: str | None = None


@dataclass(frozen=True)
class TargetEnv:
    python: str  # the venv's interpreter
    site_packages: list[str]


def venv_python(venv_dir: Path) -> Path:
    win = venv_dir / "Scripts" / "python.exe"
    return (
        win
        if win.exists() or sys.platform.startswith("win")
        else venv_dir / "bin" / "python"
    )


def _stamp_for(python: FoundPython, requirements: Path) -> str:
    h = hashlib.sha256()
    h.update(f"{python.version}|{python.prefix}\n".encode())
    h.update(requirements.read_bytes())
    return h.hexdigest()


def site_packages_of(
    python: str, run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run
) -> list[str]:
    code = "import sysconfig; p = sysconfig.get_paths(); print(p['purelib']); print(p['platlib'])"
    out = run([python, "-c", code], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise TestSetupError(
            f"cannot ask {python} for its site-packages: {out.stderr.strip()}"
        )
    return list(
        dict.fromkeys(line.strip() for line in out.stdout.splitlines() if line.strip())
    )


def ensure_target_venv(
    python: FoundPython,
    venv_dir: Path,
    reporter: Reporter,
    requirements: Path = TARGET_REQUIREMENTS,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
    exists: Callable[[Path], bool] = Path.exists,
) -> TargetEnv:
    """Create (or reuse, when the requirements did not change) the venv.
    ``run`` and ``exists`` see the venv as its interpreter does (a Debian
    root's python: roots.Root.runner and Root.exists_inside)."""
    stamp = _stamp_for(python, requirements)
    exe = venv_python(venv_dir)
    stamp_file = venv_dir / STAMP
    if not (
        exists(exe)
        and stamp_file.is_file()
        and stamp_file.read_text().strip() == stamp
    ):
        reporter.line(
            f"creating test venv {venv_dir} from Python {python.version} ({python.executable})"
        )
        steps = [
            [python.executable, "-m", "venv", "--clear", str(venv_dir)],
            [
                str(exe),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(requirements),
            ],
        ]
        venv_dir.parent.mkdir(parents=True, exist_ok=True)
        for cmd in steps:
            # From the venv's parent folder, not the project root.
            out = run(
                cmd,
                capture_output=True,
                text=True,
                check=False,
                cwd=str(venv_dir.parent),
            )
            if out.returncode != 0:
                lines = (out.stderr or out.stdout).strip().splitlines()
                # pip's own ERROR lines say what failed; its warnings are noise.
                tail = [ln for ln in lines if ln.startswith("ERROR")][-3:] or lines[-5:]
                raise TestSetupError(
                    f"`{' '.join(cmd[:4])} ...` failed: " + " | ".join(tail)
                )
        stamp_file.write_text(stamp + "\n")
    return TargetEnv(str(exe), site_packages_of(str(exe), run))


def plugin_test_env(
    base_env: Mapping[str, str], library: Path, site_packages: Sequence[str]
) -> dict[str, str]:
    env = dict(base_env)
    env[ENV_PLUGIN] = str(Path(library).resolve())
    env[ENV_EMBEDDED_PATH] = os.pathsep.join(site_packages)
    # Both would reach Orthanc too and point the embedded interpreter (maybe
    # 3.8) at another version's modules.
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env.pop("VIRTUAL_ENV", None)  # the plugin would put the nox venv on its sys.path
    return env


def pytest_command(
    python: str, paths: Sequence[Path | str], junit: Path, extra: Sequence[str] = ()
) -> list[str]:
    return [
        python, "-m", "pytest", *(str(p) for p in paths), "-q",
        f"--junitxml={junit}", "-p", "no:cacheprovider", *extra,
    ]  # fmt: skip


def parse_junit(path: Path) -> TestCounts:
    root = ET.parse(str(path)).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tests = failures = errors = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failures += int(suite.get("failures", 0))
        errors += int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return TestCounts(
        passed=max(tests - failures - errors - skipped, 0),
        failed=failures,
        errors=errors,
        skipped=skipped,
    )


def with_basetemp(args: Sequence[str], basetemp: Path) -> list[str]:
    """``args`` plus ``--basetemp=<basetemp>``, unless they choose one already.

    Each pytest run gets its own temporary folders: runs of several cells at
    once (release.py) never share or clean up each other's."""
    if any(a == "--basetemp" or a.startswith("--basetemp=") for a in args):
        return list(args)
    return [*args, f"--basetemp={Path(basetemp).resolve()}"]


SUMMARY_HEADING = "short test summary info"


def failure_excerpt(log: Path, lines: int = 40, max_summary: int = 80) -> list[str]:
    """What to show of a failed pytest run whose output was not echoed: its
    short test summary (one line per failed test) to the end, else the last
    ``lines`` lines."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return [f"(cannot read {log}: {exc.strerror or exc})"]
    starts = [i for i, line in enumerate(text) if SUMMARY_HEADING in line]
    if not starts:
        return text[-lines:]
    summary = text[starts[-1] :]
    if len(summary) > max_summary:
        hidden = len(summary) - max_summary
        summary = [summary[0], f"... {hidden} more lines in {log} ...", *summary[-(max_summary - 1) :]]
    return summary


def _run_teed(
    cmd: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    echo: TextIO | None,
) -> int:
    """Output goes to the log file and, line by line, to ``echo`` when given
    (CI logs then show the failing test's traceback without opening the log)."""
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            list(cmd),
            cwd=str(cwd),
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if echo is not None:
                echo.write(line)
                echo.flush()
        return proc.wait()


def run_pytest(
    python: str,
    paths: Sequence[Path | str],
    name: str,
    reporter: Reporter,
    root: Path = PROJECT_ROOT,
    env: Mapping[str, str] | None = None,
    extra_args: Sequence[str] = (),
    results_dir: Path | None = None,
    echo: bool = True,
) -> TestResult:
    """pytest in a subprocess, counts read back from its junit XML
    (``build/test-results/<name>.xml``, log next to it)."""
    results_dir = Path(results_dir or Path(root) / "build" / "test-results")
    results_dir.mkdir(parents=True, exist_ok=True)
    junit = results_dir / f"{name}.xml"
    log = results_dir / f"{name}.log"
    if junit.exists():
        junit.unlink()  # never read a previous run's counts
    cmd = pytest_command(python, paths, junit, extra_args)
    run_env = dict(os.environ if env is None else env)
    if not echo:
        # Only the log reads it: summary lines ("FAILED test - message") not
        # cut at 80 columns, for failure_excerpt.
        run_env.setdefault("COLUMNS", "200")
    started = time.monotonic()
    code = _run_teed(
        cmd, run_env, Path(root), log,
        reporter.stream if echo else None,
    )  # fmt: skip
    seconds = time.monotonic() - started
    result = TestResult(ok=False, exit_code=code, seconds=seconds, junit=junit, log=log)
    if junit.is_file():
        result.counts = parse_junit(junit)
    if code == 5 or (code == 0 and result.counts.total == 0):
        result.error = "no test ran"
    elif code != 0:
        result.error = (
            f"pytest exit code {code}: {result.counts.summary()} (log: {log})"
        )
    else:
        result.ok = True
    reporter.line(
        f"{name}: {result.counts.summary()} in {seconds:.0f}s"
        + (f" - {result.error}" if result.error else "")
    )
    return result


def run_integration_tests(
    library: Path,
    target: TargetEnv,
    test_python: str,
    reporter: Reporter,
    name: str,
    root: Path = PROJECT_ROOT,
    results_dir: Path | None = None,
    extra_args: Sequence[str] = (),
    base_env: Mapping[str, str] | None = None,
    echo: bool = True,
    suite: str = "integration",
) -> TestResult:
    """pytest tests/<suite> (integration, reliability) against `library`."""
    tests_dir = Path(root) / "tests" / suite
    if not tests_dir.is_dir():
        return TestResult(
            ok=False, error=f"no {suite} tests: {tests_dir} does not exist"
        )
    env = plugin_test_env(
        os.environ if base_env is None else base_env, library, target.site_packages
    )
    reporter.line(
        f"{name}: pytest {tests_dir.name} with {ENV_PLUGIN}={env[ENV_PLUGIN]} "
        f"{ENV_EMBEDDED_PATH}={env[ENV_EMBEDDED_PATH]}"
    )
    return run_pytest(
        test_python,
        [tests_dir],
        name,
        reporter,
        root,
        env,
        extra_args,
        results_dir,
        echo,
    )


def total_line(results: Sequence[TestResult]) -> str:
    """One closing line over several pytest runs, in pytest's own wording."""
    passed = sum(r.counts.passed for r in results)
    failed = sum(r.counts.failed + r.counts.errors for r in results)
    skipped = sum(r.counts.skipped for r in results)
    return f"total: {passed} passed, {failed} failed, {skipped} skipped"
