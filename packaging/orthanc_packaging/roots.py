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

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .report import Reporter

DEFAULT_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
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
    "orthanc", "orthanc-dev", "cmake", "g++", "make", "ca-certificates", "python3-clang", "python3-jinja2",
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


def enter_command(root: Path, command: Sequence[str], binds: Sequence[Path] = ()) -> list[str]:
    """The host command that runs `command` inside `root`, with /proc, /dev and
    `binds` mounted in a private mount namespace (gone when the command ends)."""
    r = shlex.quote(str(root))
    steps = [
        f"mount -t proc proc {r}/proc",
        f"mount --rbind /dev {r}/dev",
    ]
    for path in binds:
        inside = shlex.quote(f"{root}{path}")
        steps.append(f"mkdir -p {inside} && mount --rbind {shlex.quote(str(path))} {inside}")
    # The caller's environment goes in (PYTHONPATH, ORTHANC_* of the tests), but
    # not its PATH or venv: those name host programs.
    env = "env -u VIRTUAL_ENV -u PYTHONHOME PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    steps.append(f"exec chroot {r} {env} " + " ".join(shlex.quote(c) for c in command))
    # --propagation private: our mounts never reach the host's namespace.
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", " && ".join(steps)]


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


@dataclass
class Root:
    """One suite's root on this machine."""

    suite: Suite
    path: Path
    project_root: Path

    def command(self, command: Sequence[str]) -> list[str]:
        return enter_command(self.path, command, host_binds(self.project_root))

    def run(self, command: Sequence[str], run: Run = _run) -> subprocess.CompletedProcess[str]:
        return run(self.command(command))

    def host_path(self, inside: str | Path) -> Path:
        """Where a path of the root (say /usr/include/orthanc) is seen from the host."""
        return self.path / str(inside).lstrip("/")

    def wrapper(self, program: str) -> Path:
        """An executable on the host that runs `program` inside the root with
        its arguments (e.g. as ORTHANC_BINARY for the test harness)."""
        # In the project's build tree: the wrapper binds this project's folder,
        # and several checkouts may share one root.
        bin_dir = self.project_root / "build" / "roots" / self.suite.name / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        target = bin_dir / Path(program).name
        inner = enter_command(self.path, [program], host_binds(self.project_root))
        # the last word is sh -c's script: its own "$@" takes the wrapper's arguments
        script = inner[-1] + ' "$@"'
        words = " ".join(shlex.quote(c) for c in inner[:-1])
        text = f"#!/bin/sh\n# {program} inside the Debian {self.suite.name} root ({self.path})\n"
        text += f"exec {words} {shlex.quote(script)} sh \"$@\"\n"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            target.chmod(0o755)
        return target

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
        shutil.copy(HOST_CA_BUNDLE, path / "etc/ssl/certs/host-ca-bundle.crt")
    if not target.check_valid_until:
        (path / "etc/apt/apt.conf.d/99no-check-valid-until").write_text('Acquire::Check-Valid-Until "false";\n')


def ensure_root(
    name: str,
    project_root: Path,
    packages: Sequence[str] = (),
    reporter: Reporter | None = None,
    base: Path | None = None,
    run: Run = _run,
    is_root: bool | None = None,
) -> Root:
    """The root of suite `name`, made with debootstrap when absent, with `packages` installed."""
    target = suite(name)
    is_root = os.geteuid() == 0 if is_root is None else is_root
    path = (base or roots_dir()) / target.name
    if not (path / STAMP).exists():
        if not is_root:
            raise RootError(f"making the Debian {name} root needs root (debootstrap, chroot); run as root")
        for tool in ("debootstrap", "unshare", "chroot"):
            if shutil.which(tool) is None:
                raise RootError(f"{tool} is missing: apt-get install -y debootstrap util-linux coreutils")
        path.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=path.parent))
        if reporter:
            reporter.line(f"{name} root: debootstrap --variant=minbase {target.name} (once, ~1 min) into {path}")
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
    made = Root(target, path, project_root)
    made.ensure_packages(packages, reporter, run)
    return made
