"""Debian roots of other suites (debootstrap), to build and run against their Orthanc and Python.

Debian 12 ships Orthanc 1.10.1, Debian 13 (trixie) 1.12.7 with Python 3.13 and
Debian testing (forky) 1.13.0 with Python 3.14. Each suite gets one root,
made once with `debootstrap --variant=minbase` and kept in a cache folder
(ORTHANC_ROOTS_DIR, default ~/.cache/orthanc-python/roots); packages are
installed into it on demand and remembered in a stamp file.

Commands run in a root through `unshare --mount`: the bind mounts (/proc,
/dev, the project's folder, /tmp) live in a private mount namespace that
disappears with the process, so nothing is left mounted on the host, and
the command keeps the PID of the caller (unshare and chroot exec), so a
server started this way is stopped by its PID like any other.
"""

from __future__ import annotations

import contextlib

try:
    import fcntl
except ImportError:  # Windows: no roots there anyway
    fcntl = None  # type: ignore[assignment]
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import system
from .discovery import PROBE_SCRIPT, Candidate, FoundPython, found_python_from_probe
from .report import Reporter

DEFAULT_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# where _prepare_new_root puts the host's bundle inside a root (PIP_CERT)
HOST_CA_INSIDE = "/etc/ssl/certs/host-ca-bundle.crt"
STAMP = ".orthanc-python-packages"


@dataclass(frozen=True)
class Suite:
    """A Debian suite as this project uses it."""

    name: str
    orthanc: str  # the Orthanc release it packages
    sdk: str  # the version of its OrthancCPlugin.h
    python: str  # its default python3 (X.Y)
    script: str  # debootstrap's script for it (forky: sid's, older debootstraps lack forky)
    # testing's Release file outlives its Valid-Until date on a fixed clock
    check_valid_until: bool = True

    @property
    def python_packages(self) -> tuple[str, ...]:
        return (f"python{self.python}", f"libpython{self.python}-dev", f"python{self.python}-venv")


SUITES: dict[str, Suite] = {
    "bookworm": Suite("bookworm", orthanc="1.10.1", sdk="1.10.1", python="3.11", script="bookworm"),
    "trixie": Suite("trixie", orthanc="1.12.7", sdk="1.12.6", python="3.13", script="trixie"),
    "forky": Suite(
        "forky", orthanc="1.13.0", sdk="1.13.0", python="3.14", script="sid", check_valid_until=False
    ),
}

# What building and testing the plugin in a root needs: Orthanc and its SDK,
# the compiler, and the generator's libclang and Jinja2 from Debian.
BUILD_PACKAGES = (
    "orthanc", "orthanc-dev", "cmake", "g++", "make", "ccache", "ca-certificates", "python3-clang",
    "python3-jinja2",
)

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


class RootError(RuntimeError):
    """A root could not be made or used; the message says what to do."""


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


def suite(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise RootError(f"unknown Debian suite {name!r}; known: {', '.join(SUITES)}") from None


def roots_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("ORTHANC_ROOTS_DIR"):
        return Path(env["ORTHANC_ROOTS_DIR"])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orthanc-python" / "roots"


def mirror(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("ORTHANC_DEBIAN_MIRROR") or DEFAULT_MIRROR


def apt_options(target: Suite) -> list[str]:
    return [] if target.check_valid_until else ["-o", "Acquire::Check-Valid-Until=false"]


def host_binds(project_root: Path) -> list[Path]:
    """Host folders seen at the same path inside a root: the project (sources,
    build trees, test folders) and /tmp (pytest's and Orthanc's temporary files)."""
    return [project_root.resolve(), Path("/tmp")]


# Inside the root: back to the caller's folder when the root has it (the
# project and /tmp are bound at the same paths), then the command, with the
# caller's environment but not its PATH or venv (those name host programs).
ROOT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INNER_SCRIPT = f'cd "$1" 2>/dev/null || cd /; shift; exec env -u VIRTUAL_ENV -u PYTHONHOME {ROOT_PATH} "$@"'
# A wrapper's (Orthanc's) environment is its caller's, VIRTUAL_ENV included:
# the test harness sets it on purpose.
WRAPPER_INNER_SCRIPT = f'cd "$1" 2>/dev/null || cd /; shift; exec env {ROOT_PATH} "$@"'



def mount_steps(root: Path, binds: Sequence[Path] = ()) -> list[str]:
    """Shell lines mounting /proc, /dev and `binds` (same paths) into `root`."""
    r = shlex.quote(str(root))
    steps = [f"mount -t proc proc {r}/proc", f"mount --rbind /dev {r}/dev"]
    for path in binds:
        inside = shlex.quote(f"{root}{path}")
        steps.append(f"mkdir -p {inside} && mount --rbind {shlex.quote(str(path))} {inside}")
    return steps


def enter_script(root: Path, binds: Sequence[Path], command_words: str, inner: str = INNER_SCRIPT) -> str:
    """The `sh -c` script of enter_command; `command_words` is shell text
    (quoted words, or "$@" for a wrapper's arguments)."""
    steps = mount_steps(root, binds)
    steps.append(
        f"exec chroot {shlex.quote(str(root))} /bin/sh -c {shlex.quote(inner)} sh \"$PWD\" {command_words}"
    )
    return " && ".join(steps)


def enter_command(root: Path, command: Sequence[str], binds: Sequence[Path] = ()) -> list[str]:
    """The host command that runs `command` inside `root`, with /proc, /dev and
    `binds` mounted in a private mount namespace (gone when the command ends).
    Every step execs the next one: the command keeps the caller's PID."""
    words = " ".join(shlex.quote(c) for c in command)
    # --propagation private: our mounts never reach the host's namespace.
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            enter_script(root, binds, words)]


def overlay_command(pristine: Path, scratch: Path, command: Sequence[str], binds: Sequence[Path] = ()) -> list[str]:
    """Like enter_command, but the root is an overlay: `pristine` read-only
    below, every write kept in `scratch` (upper/, work/; mounted at root/).
    A run starts from the pristine root however many packages earlier runs
    installed, and costs no copy; running again with the same `scratch`
    sees what the previous run wrote."""
    merged, upper, work = (scratch / name for name in ("root", "upper", "work"))
    for folder in (merged, upper, work):
        folder.mkdir(parents=True, exist_ok=True)
    inner = enter_command(merged, command, binds)
    options = f"lowerdir={pristine},upperdir={upper},workdir={work}"
    mount = f"mount -t overlay overlay -o {shlex.quote(options)} {shlex.quote(str(merged))}"
    return [*inner[:-1], f"{mount} && {inner[-1]}"]


@dataclass(frozen=True)
class Root:
    """One suite's root on this machine."""

    suite: Suite
    path: Path
    project_root: Path

    def command(self, command: Sequence[str]) -> list[str]:
        return enter_command(self.path, command, host_binds(self.project_root))

    def run(self, command: Sequence[str], run: Run = _run) -> subprocess.CompletedProcess[str]:
        return run(self.command(command))

    def runner(self, env: Mapping[str, str] | None = None) -> Callable[..., subprocess.CompletedProcess[str]]:
        """A subprocess.run look-alike whose commands run inside the root
        (for code written for the host, e.g. testing.ensure_target_venv);
        `env` is added to the caller's environment."""

        def run_inside(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
            if env:
                kwargs["env"] = {**(kwargs.get("env") or os.environ), **env}
            check = kwargs.pop("check", False)
            return subprocess.run(self.command(command), check=check, **kwargs)

        return run_inside

    def probe_python(self, executable: str, run: Run = _run) -> FoundPython:
        """Discovery's probe, run inside the root: paths as seen inside (the
        same as seen from the host for the bound folders)."""
        result = self.run([executable, "-c", PROBE_SCRIPT], run)
        if result.returncode != 0:
            raise RootError(f"{self.suite.name} root: {executable} does not run: {result.stderr.strip()[-300:]}")
        try:
            info = json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise RootError(f"{self.suite.name} root: {executable} printed no JSON") from None
        found = found_python_from_probe(info, Candidate(executable, f"{self.suite.name}-root"),
                                        lambda inside: self.has(inside))
        return found

    def host_path(self, inside: str | Path) -> Path:
        """Where a path of the root (say /usr/include/orthanc) is seen from the host."""
        return self.path / str(inside).lstrip("/")

    def wrapper(self, program: str, name: str | None = None) -> Path:
        """An executable on the host that runs `program` inside the root with
        its arguments, keeping its PID (e.g. as ORTHANC_BINARY for the test
        harness). It lives in the project's build tree: it binds this
        project's folder, and several checkouts may share one root."""
        bin_dir = self.project_root / "build" / "roots" / self.suite.name / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        target = bin_dir / (name or Path(program).name)
        script = enter_script(self.path, host_binds(self.project_root), f'{shlex.quote(program)} "$@"',
                              WRAPPER_INNER_SCRIPT)
        text = f"#!/bin/sh\n# {program} inside the Debian {self.suite.name} root ({self.path})\n"
        text += f"exec unshare --mount --propagation private -- sh -c {shlex.quote(script)} sh \"$@\"\n"
        if not target.exists() or target.read_text() != text:
            tmp = target.with_name(f".{target.name}.{os.getpid()}")
            tmp.write_text(text)
            tmp.chmod(0o755)
            tmp.replace(target)  # atomic: a test may be running the old one
        return target

    def has(self, inside: str) -> bool:
        return self.host_path(inside).exists()

    def exists_inside(self, path: Path) -> bool:
        """Does `path` (of a folder bound at the same path) exist as the root
        sees it? A venv's bin/python there links to the root's /usr/bin/python3.X,
        a dangling link on the host."""
        for _ in range(20):  # symbolic links followed by hand, absolute ones into the root
            if not path.is_symlink():
                return path.exists() or self.has(str(path))
            target = Path(os.readlink(path))
            if not target.is_absolute():
                path = path.parent / target
            elif any(b == target or b in target.parents for b in host_binds(self.project_root)):
                path = target
            else:
                path = self.host_path(target)
        return False

    def installed(self) -> set[str]:
        stamp = self.path / STAMP
        return set(stamp.read_text().split()) if stamp.exists() else set()

    def ensure_packages(self, packages: Sequence[str], reporter: Reporter | None = None, run: Run = _run) -> None:
        """apt-get install what the stamp does not list yet."""
        missing = sorted(set(packages) - self.installed())
        if not missing:
            return
        if reporter:
            reporter.line(f"{self.suite.name} root: installing {' '.join(missing)}")
        opts = apt_options(self.suite)
        for cmd in (
            ["apt-get", *opts, "update", "-qq"],
            ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", *opts, "install", "-y", "-qq",
             "--no-install-recommends", *missing],
        ):
            result = self.run(cmd, run)
            if result.returncode != 0:
                raise RootError(
                    f"{self.suite.name} root: '{' '.join(cmd)}' failed: {(result.stderr or result.stdout).strip()[-400:]}"
                )
        (self.path / STAMP).write_text("\n".join(sorted(self.installed() | set(missing))) + "\n")


def _prepare_new_root(path: Path, target: Suite) -> None:
    """Make a fresh root usable: no services started by packages, host DNS and CAs."""
    policy = path / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copy("/etc/resolv.conf", path / "etc/resolv.conf")
    if HOST_CA_BUNDLE.exists():
        # pip inside the root trusts what the host trusts
        (path / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
        shutil.copy(HOST_CA_BUNDLE, path / HOST_CA_INSIDE.lstrip("/"))
    if not target.check_valid_until:
        (path / "etc/apt/apt.conf.d/99no-check-valid-until").write_text('Acquire::Check-Valid-Until "false";\n')


def _debootstrap_available(reporter: Reporter | None) -> None:
    """debootstrap (and unshare, chroot) on the host, installed when missing."""
    try:
        system.ensure_packages(("debootstrap",), reporter=reporter)
    except system.SystemSetupError as error:
        raise RootError(str(error)) from None
    for tool in ("debootstrap", "unshare", "chroot"):
        if shutil.which(tool) is None:
            raise RootError(f"{tool} is missing: apt-get install -y debootstrap util-linux coreutils")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """One process at a time makes a root or runs apt-get in it (two sessions
    of the project may start at once)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def ensure_root(
    name: str,
    project_root: Path,
    packages: Sequence[str] = (),
    reporter: Reporter | None = None,
    base: Path | None = None,
    run: Run = _run,
    is_root: bool | None = None,
    ensure_tools: Callable[[Reporter | None], None] = _debootstrap_available,
    clock: Callable[[], float] = time.monotonic,
) -> Root:
    """The root of suite `name`, made with debootstrap when absent, with `packages` installed."""
    target = suite(name)
    is_root = os.geteuid() == 0 if is_root is None else is_root
    path = (base or roots_dir()) / target.name
    made = Root(target, path, Path(project_root))
    if (path / STAMP).exists() and not set(packages) - made.installed():
        return made  # the usual case: nothing to do, no lock
    if not is_root:
        raise RootError(f"making or updating the Debian {name} root needs root (debootstrap, chroot, apt-get); run as root")
    with _locked(path.parent / f".{target.name}.lock"):
        if not (path / STAMP).exists():
            _make_root(path, target, reporter, run, ensure_tools, clock)
        made.ensure_packages(packages, reporter, run)
    return made


def _make_root(
    path: Path,
    target: Suite,
    reporter: Reporter | None,
    run: Run,
    ensure_tools: Callable[[Reporter | None], None],
    clock: Callable[[], float],
) -> None:
    ensure_tools(reporter)
    started = clock()
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=path.parent))
    if reporter:
        reporter.line(f"{target.name} root: debootstrap --variant=minbase {target.name} (once, ~1 min) into {path}")
    cmd = ["debootstrap", "--variant=minbase", target.name, str(work), mirror(), target.script]
    result = run(cmd)
    if result.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        tail = (result.stderr or result.stdout).strip()[-400:]
        raise RootError(f"debootstrap {target.name} failed: {tail}; check the mirror ({mirror()}, ORTHANC_DEBIAN_MIRROR)")
    _prepare_new_root(work, target)
    (work / STAMP).write_text("")
    if path.exists():
        shutil.rmtree(path)
    work.rename(path)
    if reporter:
        reporter.line(f"{target.name} root: made in {clock() - started:.0f}s")
