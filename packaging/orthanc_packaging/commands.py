"""The one way the release library runs a command.

Every module takes a ``Runner`` parameter defaulting to ``run``, so that
unit tests pass a fake instead of patching module globals.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Mapping, Sequence, Union

Arg = Union[str, "os.PathLike[str]"]
Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def run(
    command: Sequence[Arg],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    capture_output: bool = False,
    check: bool = False,
    timeout: float | None = None,
    input: str | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """subprocess.run with text I/O; the exit code is the caller's to judge
    unless ``check``."""
    return subprocess.run(
        [os.fspath(a) for a in command],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=capture_output,
        check=check,
        timeout=timeout,
        input=input,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )


def output_of(command: Sequence[Arg], run: Runner = run, timeout: float = 30) -> str | None:
    """The standard output of a command that succeeded; None when it failed or
    could not start (a probe, not a build step)."""
    try:
        done = run(command, capture_output=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
