"""One docker build: what it is made of (BuildSpec), running it with the
context on stdin, and timing a rebuild after a change of one script."""

from __future__ import annotations

import dataclasses
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..report import Reporter
from .context import ContextEntry, context_files, snapshot_context, write_context_tar
from .engine import Docker, DockerSetupError


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

