"""Build and test the Docker image of the plugin (behind ``nox -s docker``).

The image is built from ``docker/Dockerfile`` by a real dockerd, then tested
with real containers (``tests/docker``).  This module makes that work on a
bare Debian machine with no container registry:

* it installs Debian's ``docker.io`` and ``debootstrap`` when they are missing
  (as root only) and starts ``dockerd`` in the background when none answers;
* it makes the base image (``FROM`` of the Dockerfile, ``debian:bookworm-slim``)
  with debootstrap when the daemon does not have it, so the Dockerfile itself
  stays the one that builds unchanged where Docker Hub is reachable;
* pip inside the build reaches PyPI through a local wheel mirror: containers
  here cannot verify the TLS certificates of the egress proxy, the host can.

Then it measures what the issue asks for (image size, rebuild time after a
change of the script layer) and runs pytest on ``tests/docker``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import html
import http.server
import io
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Mapping, Sequence

from .report import Reporter, format_duration
from .version import PROJECT_ROOT, read_version

IMAGE_REPOSITORY = "orthanc-python"
EXAMPLE_REPOSITORY = "orthanc-python-pydicom-example"
PYTHON_MINOR = "3.11"  # the Python of Debian bookworm, embedded in the image
DOCKERFILE = Path("docker") / "Dockerfile"
EXAMPLE_DIR = Path("docker") / "examples" / "pydicom"
# docker/Dockerfile.dockerignore is an allow-list of what the Dockerfile
# copies: BuildKit reads it next to the Dockerfile; the builds here send a
# context filtered by the same rules, so build/, .nox/, dist/ and .git/ never
# reach the daemon with either builder.
DOCKERIGNORE = Path("docker") / "Dockerfile.dockerignore"
# The "script layer": the image's own Python scripts, copied last.
SCRIPT_LAYER_FILE = "docker/entrypoint.py"
EXAMPLE_SCRIPT_FILE = "decode.py"

DEBIAN_MIRROR = "http://deb.debian.org/debian"
MAX_IMAGE_BYTES = 300 * 1000 * 1000  # "300 MB" as `docker images` counts
MAX_SCRIPT_REBUILD_SECONDS = 30.0
# Fixed so that the PIP_INDEX_URL build argument, part of the build cache
# key, stays the same from one run to the next.
DEFAULT_INDEX_PORT = 38141
DAEMON_START_SECONDS = 60.0
APT_LOCK_TIMEOUT = "600"  # seconds apt waits for another apt/dpkg to finish

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


class DockerSetupError(RuntimeError):
    """Docker cannot be made to work here; the message says what to do."""


# --------------------------------------------------------------------------
# Names


def image_tag(
    version: str, python_minor: str, suite: str, repository: str = IMAGE_REPOSITORY
) -> str:
    """orthanc-python:<plugin version>-py<X.Y>-<Debian suite>."""
    return f"{repository}:{version}-py{python_minor}-{suite}"


_ARG_RE = re.compile(r"^\s*ARG\s+(\w+)=(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_FROM_RE = re.compile(r"^\s*FROM\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def dockerfile_base_image(text: str) -> str:
    """The image the first FROM names, with ${ARG} defaults filled in.

    The base image must be present before the build; reading it from the
    Dockerfile keeps one place that names it.
    """
    defaults = dict(_ARG_RE.findall(text))
    match = _FROM_RE.search(text)
    if match is None:
        raise ValueError("the Dockerfile has no FROM line")

    def fill(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in defaults:
            raise ValueError(f"FROM uses ${{{name}}}, which has no ARG default")
        return defaults[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", fill, match.group(1))


def debian_suite(base_image: str) -> str:
    """debian:bookworm-slim -> bookworm (the suite debootstrap installs)."""
    name, _, tag = base_image.partition(":")
    if not name.endswith("debian") or not tag:
        raise ValueError(f"{base_image} is not a debian:<suite>[-slim] image")
    return tag.split("-", 1)[0]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: `*` and `?` stay in one path
    component, `**/` spans folders, and a match on a folder covers all that
    it holds."""
    pattern = pattern.strip("/")
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + "(?:/.*)?")


def context_filter(ignore_text: str) -> Callable[[str], bool]:
    """Whether a relative path (with /) is sent, by .dockerignore rules:
    the last matching line decides, `!` lines let paths back in."""
    rules: list[tuple[re.Pattern[str], bool]] = []
    for line in ignore_text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        rules.append((_pattern_regex(line[1:].strip() if keep else line), keep))

    def included(path: str) -> bool:
        verdict = True
        for regex, keep in rules:
            if regex.fullmatch(path):
                verdict = keep
        return verdict

    return included


def context_files(root: Path, ignore_text: str | None = None) -> list[str]:
    """Relative paths of the files a build of `root` sends, sorted."""
    included = context_filter(ignore_text or "")
    # The literal start of each `!` pattern (up to its first wildcard).
    reentries = [
        re.split(r"[*?\[]", line.strip()[1:].strip("/"))[0]
        for line in (ignore_text or "").splitlines()
        if line.strip().startswith("!")
    ]
    files = []
    for folder, dirs, names in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        # Folders that are out, and that no `!` line reaches into, stay unvisited.
        dirs[:] = sorted(
            d
            for d in dirs
            if included(prefix + d)
            or any(r.startswith(prefix + d + "/") or not r for r in reentries)
        )
        files += [prefix + n for n in sorted(names) if included(prefix + n)]
    return sorted(files)


@dataclass(frozen=True)
class ContextEntry:
    info: tarfile.TarInfo
    data: bytes | None  # the content of a regular file


def snapshot_context(root: Path, files: Sequence[str]) -> tuple[ContextEntry, ...]:
    """The build context read once, in memory (a few hundred KiB).

    The builds that must see the same sources (the image, then the
    script-layer probe) take the same snapshot, even while others edit the
    tree. Modes and times come from the files; owners are root, as
    `docker build .` sends them, so the same files hit the same build cache.
    """
    entries = []
    with tarfile.open(fileobj=io.BytesIO(), mode="w") as scratch:
        for name in files:
            info = scratch.gettarinfo(str(root / name), arcname=name)
            info.uid = info.gid = 0
            info.mtime = int(info.mtime)
            info.uname = info.gname = ""
            data = (root / name).read_bytes() if info.isfile() else None
            entries.append(ContextEntry(info, data))
    return tuple(entries)


def write_context_tar(
    snapshot: Sequence[ContextEntry],
    target: BinaryIO,
    changes: Mapping[str, bytes] | None = None,
) -> None:
    """The build context as a tar, with `changes` replacing file contents."""
    changes = changes or {}
    # Plain ustar/GNU headers: the docker CLI only recognizes stdin as an
    # archive (not a Dockerfile) when its first header is a file's.
    with tarfile.open(fileobj=target, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for entry in snapshot:
            info = copy.copy(entry.info)
            data = changes.get(info.name, entry.data)
            if data is None:
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


# --------------------------------------------------------------------------
# Docker and dockerd


def _docker_env() -> dict[str, str]:
    env = dict(os.environ)
    # The classic builder: it is in every Docker (Debian's 20.10 daemon and any
    # newer client), while BuildKit needs the buildx plugin with new clients.
    # The Dockerfile uses nothing BuildKit-only, so both build it the same.
    env["DOCKER_BUILDKIT"] = "0"
    return env


@dataclass
class Docker:
    """The docker CLI, with the environment the builds need."""

    executable: str = "docker"
    run: Runner = subprocess.run
    env: dict[str, str] = field(default_factory=_docker_env)

    def __call__(
        self,
        *args: str,
        check: bool = True,
        capture: bool = True,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return self.run(
            [self.executable, *args],
            capture_output=capture,
            text=True,
            check=check,
            env=self.env,
            timeout=timeout,
        )

    def answers(self) -> bool:
        try:
            return (
                self(
                    "version",
                    "--format",
                    "{{.Server.Version}}",
                    check=False,
                    timeout=20,
                ).returncode
                == 0
            )
        except (OSError, subprocess.TimeoutExpired):
            return False

    def has_image(self, name: str) -> bool:
        return self("image", "inspect", name, check=False).returncode == 0

    def image_size(self, name: str) -> int:
        return int(
            self("image", "inspect", "--format", "{{.Size}}", name).stdout.strip()
        )


def missing_packages(
    which: Callable[[str], str | None] = shutil.which,
    need_daemon: bool = True,
    need_debootstrap: bool = True,
) -> list[str]:
    """Debian packages to install for what is missing."""
    packages = []
    if which("docker") is None or (need_daemon and which("dockerd") is None):
        packages.append("docker.io")
    if need_debootstrap and which("debootstrap") is None:
        packages.append("debootstrap")
    return packages


def apt_install(
    packages: Sequence[str], reporter: Reporter, run: Runner = subprocess.run
) -> None:
    if os.geteuid() != 0:
        raise DockerSetupError(
            f"missing {', '.join(packages)}: run this as root (it installs them with "
            f"apt-get) or install them yourself: apt-get install -y {' '.join(packages)}"
        )
    reporter.line(f"installing {', '.join(packages)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}"]
    for cmd in (
        ["apt-get", *lock, "update", "-qq"],
        ["apt-get", *lock, "install", "-y", "-qq", *packages],
    ):
        done = run(cmd, capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            raise DockerSetupError(
                f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
            )


def start_daemon(
    docker: Docker,
    log_path: Path,
    reporter: Reporter,
    timeout: float = DAEMON_START_SECONDS,
) -> int:
    """Start dockerd in the background (own session: it outlives nox, so the
    next run finds it and its build cache); returns its PID."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            ["dockerd"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    reporter.line(f"started dockerd (PID {proc.pid}, log {log_path})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if docker.answers():
            return proc.pid
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise DockerSetupError(
        f"dockerd did not come up (exit code {proc.poll()}); its log ends with:\n{tail}"
    )


def ensure_docker(root: Path, reporter: Reporter) -> Docker:
    docker = Docker()
    if shutil.which("docker") is not None and docker.answers():
        return docker
    missing = missing_packages(need_debootstrap=False)
    if missing:
        apt_install(missing, reporter)
    if docker.answers():
        return docker
    if os.geteuid() != 0:
        raise DockerSetupError(
            "no Docker daemon answers and dockerd needs root here: "
            "start it (sudo dockerd &) or set DOCKER_HOST"
        )
    start_daemon(docker, root / "build" / "docker" / "dockerd.log", reporter)
    return docker


# --------------------------------------------------------------------------
# Base image (debootstrap), for machines without a registry

POLICY_RC_D = "#!/bin/sh\n# No service starts while images are built.\nexit 101\n"
# Files image users never read; left out as the Docker official slim images do.
DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
"""
APT_CLEAN = """\
// Downloaded .deb files and the binary caches are dead weight in a layer.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
"""


def debian_sources(suite: str, mirror: str = DEBIAN_MIRROR) -> str:
    """deb822 sources with updates and security, like the official images."""
    text = (
        f"Types: deb\nURIs: {mirror}\nSuites: {suite} {suite}-updates\n"
        "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    )
    if mirror.rstrip("/").endswith("/debian"):
        security = mirror.rstrip("/") + "-security"
        text += (
            f"\nTypes: deb\nURIs: {security}\nSuites: {suite}-security\n"
            "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        )
    return text


def slim_rootfs(rootfs: Path, suite: str, mirror: str = DEBIAN_MIRROR) -> None:
    """Turn a debootstrap minbase tree into a container base."""
    (rootfs / "usr/sbin/policy-rc.d").write_text(POLICY_RC_D)
    (rootfs / "usr/sbin/policy-rc.d").chmod(0o755)
    (rootfs / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/dpkg/dpkg.cfg.d/docker-slim").write_text(DPKG_EXCLUDES)
    (rootfs / "etc/apt/apt.conf.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/apt/apt.conf.d/docker-clean").write_text(APT_CLEAN)
    (rootfs / "etc/apt/sources.list.d").mkdir(parents=True, exist_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
        debian_sources(suite, mirror)
    )
    with contextlib.suppress(FileNotFoundError):
        (rootfs / "etc/apt/sources.list").unlink()
    # What dpkg installed before the excludes existed.
    doc = rootfs / "usr/share/doc"
    if doc.is_dir():
        for path in sorted(doc.rglob("*"), reverse=True):
            if path.name == "copyright" or path.is_dir() and any(path.iterdir()):
                continue
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()
    for folder in (
        "usr/share/man",
        "usr/share/info",
        "usr/share/locale",
        "usr/share/groff",
        "usr/share/lintian",
        "var/lib/apt/lists",
        "var/cache/apt",
        "var/log",
    ):
        target = rootfs / folder
        if target.is_dir():
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    # The daemon writes the container's own resolv.conf, hosts and hostname.
    for name in ("etc/resolv.conf", "etc/hostname"):
        with contextlib.suppress(FileNotFoundError):
            (rootfs / name).write_text("")


def make_base_image(
    docker: Docker,
    name: str,
    workdir: Path,
    reporter: Reporter,
    mirror: str = DEBIAN_MIRROR,
) -> None:
    """debootstrap --variant=minbase <suite>, slimmed, imported as `name`."""
    suite = debian_suite(name)
    if shutil.which("debootstrap") is None:
        apt_install(["debootstrap"], reporter)
    if os.geteuid() != 0:
        raise DockerSetupError(
            f"{name} is missing and debootstrap needs root to make it"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    rootfs = Path(tempfile.mkdtemp(prefix="rootfs-", dir=workdir))
    try:
        reporter.line(
            f"{name} is missing: debootstrap --variant=minbase {suite} (one time, a few minutes)"
        )
        done = subprocess.run(
            ["debootstrap", "--variant=minbase", suite, str(rootfs), mirror],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise DockerSetupError(
                f"debootstrap failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
            )
        slim_rootfs(rootfs, suite, mirror)
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
            stdout=subprocess.PIPE,
        )
        imported = subprocess.run(
            [
                docker.executable,
                "import",
                "--change",
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--change",
                'CMD ["bash"]',
                "-",
                name,
            ],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            check=False,
            env=docker.env,
        )
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            raise DockerSetupError(
                f"docker import of {name} failed: {imported.stderr.strip()}"
            )
        reporter.line(f"imported {name} ({docker.image_size(name) / 1e6:.0f} MB)")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


# --------------------------------------------------------------------------
# Local wheel mirror for pip in the builds


def manylinux_platforms(machine: str, glibc_minor: int = 36) -> list[str]:
    """pip download --platform values a glibc 2.<minor> system accepts
    (pip does not widen one manylinux tag into the older ones by itself)."""
    tags = [f"manylinux_2_{m}_{machine}" for m in range(glibc_minor, 4, -1)]
    return tags + [
        f"manylinux2014_{machine}",
        f"manylinux2010_{machine}",
        f"manylinux1_{machine}",
    ]


_WHEEL_NAME_RE = re.compile(r"^(?P<name>[^-]+)-")


def normalized_project(filename: str) -> str:
    """PEP 503 project name of a wheel or sdist file name."""
    match = _WHEEL_NAME_RE.match(filename)
    if match is None:
        raise ValueError(f"not a distribution file name: {filename}")
    return re.sub(r"[-_.]+", "-", match.group("name")).lower()


def write_simple_index(wheelhouse: Path) -> Path:
    """A PEP 503 "simple" index of the files in `wheelhouse`, in simple/."""
    simple = wheelhouse / "simple"
    if simple.exists():
        shutil.rmtree(simple)
    projects: dict[str, list[Path]] = {}
    for path in sorted(wheelhouse.iterdir()):
        if path.is_file() and path.suffix in (".whl", ".gz", ".zip"):
            projects.setdefault(normalized_project(path.name), []).append(path)
    for project, files in projects.items():
        links = []
        for path in files:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            href = html.escape(f"../../{path.name}#sha256={digest}")
            links.append(f'<a href="{href}">{html.escape(path.name)}</a><br>')
        page = simple / project / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(
            "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
        )
    root_links = "".join(f'<a href="{p}/">{p}</a><br>\n' for p in sorted(projects))
    (simple / "index.html").write_text(
        f"<!DOCTYPE html><html><body>\n{root_links}</body></html>\n"
    )
    return simple


def download_wheels(
    python: str,
    requirements: Sequence[Path],
    wheelhouse: Path,
    python_minor: str,
    reporter: Reporter,
) -> None:
    wheelhouse.mkdir(parents=True, exist_ok=True)
    cmd = [
        python,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--python-version",
        python_minor,
        "--implementation",
        "cp",
        "--dest",
        str(wheelhouse),
    ]
    for tag in manylinux_platforms(platform.machine()):
        cmd += ["--platform", tag]
    for req in requirements:
        cmd += ["-r", str(req)]
    reporter.line(f"wheel mirror for the builds: {wheelhouse}")
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DockerSetupError(
            f"pip download failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise DockerSetupError("no free local port for the wheel mirror")


@contextlib.contextmanager
def serve_directory(folder: Path, port: int = DEFAULT_INDEX_PORT) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (builds use --network host); yields the URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port(port)), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------
# Builds and measurements


@dataclass(frozen=True)
class BuildSpec:
    context: Path
    dockerfile: str  # relative to the context
    tag: str
    build_args: Mapping[str, str] = field(default_factory=dict)
    extra_tags: tuple[str, ...] = ()
    ignore_file: str | None = None  # .dockerignore rules, relative to the context
    snapshot: tuple[ContextEntry, ...] = ()  # filled by with_snapshot()

    def with_snapshot(self) -> BuildSpec:
        """This spec with its context read now (see snapshot_context)."""
        ignore = (
            (self.context / self.ignore_file).read_text() if self.ignore_file else None
        )
        files = context_files(self.context, ignore)
        return dataclasses.replace(self, snapshot=snapshot_context(self.context, files))

    def command(self) -> list[str]:
        # The context comes on stdin as a tar (see write_context_tar);
        # --network host: the wheel mirror listens on the host's loopback.
        cmd = ["build", "--network", "host", "-f", self.dockerfile, "-t", self.tag]
        for extra in self.extra_tags:
            cmd += ["-t", extra]
        for key, value in sorted(self.build_args.items()):
            cmd += ["--build-arg", f"{key}={value}"]
        return cmd + ["-"]


def build_image(
    docker: Docker,
    spec: BuildSpec,
    log_path: Path,
    reporter: Reporter,
    changes: Mapping[str, bytes] | None = None,
) -> float:
    """Run one docker build, its output to `log_path`; returns the seconds
    (the making of the context included, as `docker build .` would)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    reporter.line(f"docker build {spec.tag} (log {log_path})")
    start = time.monotonic()
    with tempfile.TemporaryFile() as context, open(log_path, "w") as log:
        write_context_tar(
            spec.snapshot or spec.with_snapshot().snapshot, context, changes
        )
        context.seek(0)
        code = subprocess.run(
            [docker.executable, *spec.command()],
            stdin=context,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=docker.env,
            check=False,
        ).returncode
    seconds = time.monotonic() - start
    if code != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        raise DockerSetupError(
            f"docker build {spec.tag} failed (exit {code}); log ends with:\n{tail}"
        )
    return seconds


def timed_script_rebuild(
    docker: Docker, spec: BuildSpec, script: str, log_path: Path, reporter: Reporter
) -> float:
    """Seconds to rebuild `spec` after a change of `script` only.

    The change is made in the snapshot of the context that `spec` was built
    from, not in the tree (others work there): the build cache must serve
    every earlier layer from that build. The probe image is removed afterwards.
    """
    if not spec.snapshot:
        spec = spec.with_snapshot()
    probe_tag = spec.tag.split(":", 1)[0] + ":script-rebuild-probe"
    probe = dataclasses.replace(spec, tag=probe_tag, extra_tags=())
    original = next(e.data for e in spec.snapshot if e.info.name == script)
    assert original is not None, f"{script} is not a file of the context"
    changed = original + f"\n# rebuild probe {time.time()}\n".encode()
    try:
        return build_image(docker, probe, log_path, reporter, {script: changed})
    finally:
        docker("rmi", probe_tag, check=False)


# --------------------------------------------------------------------------
# The session


@dataclass
class Measurements:
    tag: str = ""
    size: int | None = None
    build_seconds: float | None = None
    rebuild_seconds: float | None = None
    example_rebuild_seconds: float | None = None
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        size = "-" if self.size is None else f"{self.size / 1e6:.0f} MB"
        return [
            f"image                 {self.tag}",
            f"image size            {size} (limit {MAX_IMAGE_BYTES / 1e6:.0f} MB)",
            f"build                 {format_duration(self.build_seconds)}",
            (
                f"script-layer rebuild  {format_duration(self.rebuild_seconds)} image, "
                f"{format_duration(self.example_rebuild_seconds)} derived pydicom example "
                f"(limit {MAX_SCRIPT_REBUILD_SECONDS:.0f}s)"
            ),
        ]


def check_limits(m: Measurements) -> list[str]:
    problems = []
    if m.size is not None and m.size > MAX_IMAGE_BYTES:
        problems.append(
            f"the image is {m.size / 1e6:.0f} MB, over {MAX_IMAGE_BYTES / 1e6:.0f} MB"
        )
    for what, seconds in (
        ("image", m.rebuild_seconds),
        ("example", m.example_rebuild_seconds),
    ):
        if seconds is not None and seconds > MAX_SCRIPT_REBUILD_SECONDS:
            problems.append(
                f"the script-layer rebuild of the {what} took {seconds:.0f}s, "
                f"over {MAX_SCRIPT_REBUILD_SECONDS:.0f}s"
            )
    return problems


def run_docker(
    root: Path = PROJECT_ROOT,
    tools_python: str = sys.executable,
    reporter: Reporter | None = None,
    pytest_args: Sequence[str] = (),
) -> int:
    """Build the image and the derived example, measure, run tests/docker."""
    reporter = reporter or Reporter(prefix="docker")
    root = Path(root)
    work = root / "build" / "docker"
    m = Measurements()
    try:
        base = dockerfile_base_image((root / DOCKERFILE).read_text())
        version = read_version(root)
        suite = debian_suite(base)
        m.tag = image_tag(version, PYTHON_MINOR, suite)
        docker = ensure_docker(root, reporter)
        if not docker.has_image(base):
            make_base_image(docker, base, work, reporter)
        wheelhouse = work / "wheelhouse"
        download_wheels(
            tools_python,
            [
                root / "codegen" / "requirements.txt",
                root / EXAMPLE_DIR / "requirements.txt",
            ],
            wheelhouse,
            PYTHON_MINOR,
            reporter,
        )
        write_simple_index(wheelhouse)
        example_tag = image_tag(version, PYTHON_MINOR, suite, EXAMPLE_REPOSITORY)
        with serve_directory(wheelhouse) as url:
            args = {"PIP_INDEX_URL": f"{url}/simple/", "PLUGIN_VERSION": version}
            spec = BuildSpec(
                root,
                DOCKERFILE.as_posix(),
                m.tag,
                args,
                extra_tags=(f"{IMAGE_REPOSITORY}:latest",),
                ignore_file=DOCKERIGNORE.as_posix(),
            ).with_snapshot()
            m.build_seconds = build_image(
                docker, spec, work / "build-image.log", reporter
            )
            m.size = docker.image_size(m.tag)
            reporter.line(
                f"built {m.tag} in {format_duration(m.build_seconds)}, {m.size / 1e6:.0f} MB"
            )
            example = BuildSpec(
                root / EXAMPLE_DIR,
                "Dockerfile",
                example_tag,
                {"PIP_INDEX_URL": f"{url}/simple/", "ORTHANC_PYTHON_IMAGE": m.tag},
            ).with_snapshot()
            build_image(docker, example, work / "build-example.log", reporter)
            m.rebuild_seconds = timed_script_rebuild(
                docker, spec, SCRIPT_LAYER_FILE, work / "rebuild-image.log", reporter
            )
            m.example_rebuild_seconds = timed_script_rebuild(
                docker,
                example,
                EXAMPLE_SCRIPT_FILE,
                work / "rebuild-example.log",
                reporter,
            )
        m.problems += check_limits(m)
        reporter.line("tests/docker against real containers")
        env = dict(
            os.environ,
            ORTHANC_DOCKER_IMAGE=m.tag,
            ORTHANC_DOCKER_EXAMPLE_IMAGE=example_tag,
            ORTHANC_DOCKER_PLUGIN_VERSION=version,
            DOCKER_BUILDKIT="0",
        )
        code = subprocess.run(
            [tools_python, "-m", "pytest", "tests/docker", "-q", *pytest_args],
            cwd=root,
            env=env,
            check=False,
        ).returncode
        if code != 0:
            m.problems.append(f"tests/docker failed (pytest exit code {code})")
    except (DockerSetupError, ValueError, OSError) as exc:
        m.problems.append(str(exc))
    reporter.block("docker summary:", m.lines() + [f"PROBLEM: {p}" for p in m.problems])
    return 1 if m.problems else 0
