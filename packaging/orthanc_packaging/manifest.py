"""Assemble ``dist/<version>/``: renamed binaries, stubs, SHA256SUMS, manifest.json."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .discovery import FoundPython
from .naming import PlatformTag, artifact_name
from .testing import TestCounts
from .version import PROJECT_ROOT

STUBS = "orthanc.pyi"
SUMS = "SHA256SUMS"
MANIFEST = "manifest.json"


class ManifestError(RuntimeError):
    pass


@dataclass(frozen=True)
class ArtifactInput:
    """One built and tested cell, as handed over by the release run."""

    name: str  # cell name, "py3.12-release"
    library: Path
    build_dir: Path
    generated_dir: Path
    python: FoundPython
    build_type: str
    platform: PlatformTag
    tests_passed: bool
    tests: TestCounts | None = None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_model(generated_dir: Path) -> dict[str, Any]:
    """SDK facts recorded by codegen in ``generated/model.json``."""
    path = Path(generated_dir) / "model.json"
    try:
        model = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"cannot read {path}: {exc}") from None
    return {
        "sdk_version": model.get("sdk_version"),
        "header_sha256": model.get("header_sha256"),
    }


def _cache_entries(text: str) -> dict[str, str]:
    entries = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Za-z0-9_]+):[A-Z]+=(.*)$", line)
        if m:
            entries[m.group(1)] = m.group(2)
    return entries


def read_compiler(build_dir: Path) -> dict[str, str | None]:
    """C++ compiler id/version of a build folder.

    CMakeCache.txt holds them only if the project caches them; otherwise they
    are in ``CMakeFiles/<cmake version>/CMakeCXXCompiler.cmake``.
    """
    build_dir = Path(build_dir)
    info: dict[str, str | None] = {"id": None, "version": None, "path": None}
    try:
        cache = _cache_entries(
            (build_dir / "CMakeCache.txt").read_text(encoding="utf-8", errors="replace")
        )
    except OSError:
        cache = {}
    info["id"] = cache.get("CMAKE_CXX_COMPILER_ID") or None
    info["version"] = cache.get("CMAKE_CXX_COMPILER_VERSION") or None
    info["path"] = cache.get("CMAKE_CXX_COMPILER") or None
    if info["id"] is None or info["version"] is None:
        for f in sorted(
            build_dir.glob("CMakeFiles/*/CMakeCXXCompiler.cmake"), reverse=True
        ):
            text = f.read_text(encoding="utf-8", errors="replace")
            for key, var in (
                ("id", "CMAKE_CXX_COMPILER_ID"),
                ("version", "CMAKE_CXX_COMPILER_VERSION"),
            ):
                m = re.search(rf'^set\({var} "([^"]*)"\)', text, re.MULTILINE)
                if m and info[key] is None:
                    info[key] = m.group(1) or None
            break
    return info


def git_commit(
    root: Path = PROJECT_ROOT, run: Callable[..., Any] = subprocess.run
) -> str:
    """HEAD's commit, with "-dirty" appended (as `git describe --dirty`) when
    tracked files differ from it: such binaries were not built from HEAD."""

    def git(*args: str) -> Any:
        return run(["git", *args], cwd=str(root), capture_output=True, text=True, check=False)

    try:
        out = git("rev-parse", "HEAD")
        if out.returncode != 0:
            return "unknown"
        status = git("status", "--porcelain", "--untracked-files=no")
    except OSError:
        return "unknown"
    commit = out.stdout.strip()
    if not re.match(r"^[0-9a-f]{40,64}$", commit):
        return "unknown"
    return commit + "-dirty" if status.returncode == 0 and status.stdout.strip() else commit


def write_sha256sums(directory: Path, names: Sequence[str]) -> Path:
    """Same format as ``sha256sum`` (``<hex>  <name>``), so ``sha256sum -c SHA256SUMS`` verifies it."""
    lines = [f"{sha256_file(Path(directory) / n)}  {n}\n" for n in sorted(names)]
    path = Path(directory) / SUMS
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)
    return path


def verify_sha256sums(directory: Path) -> list[str]:
    """Pure-Python ``sha256sum -c``: returns the names that do not match."""
    bad = []
    for line in (Path(directory) / SUMS).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = Path(directory) / name
        if not path.is_file() or sha256_file(path) != digest:
            bad.append(name)
    return bad


def _same(values: dict[str, Any], what: str) -> Any:
    distinct = {json.dumps(v, sort_keys=True) for v in values.values()}
    if len(distinct) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in values.items())
        raise ManifestError(
            f"builds disagree on {what} ({detail}); rebuild them from one tree"
        )
    return next(iter(values.values()))


@dataclass(frozen=True)
class Assembled:
    directory: Path
    manifest: dict[str, Any]
    files: list[str]


def assemble(
    dist_root: Path,
    version: str,
    artifacts: Sequence[ArtifactInput],
    root: Path = PROJECT_ROOT,
    commit: str | None = None,
    failed_cells: Sequence[str] = (),
    now: _dt.datetime | None = None,
) -> Assembled:
    """Copy the artifacts whose tests passed; ``failed_cells`` are listed in
    the manifest so that an incomplete release says so."""
    shipped = [a for a in artifacts if a.tests_passed]
    if not shipped:
        raise ManifestError("no tested binary to release")
    commit = git_commit(root) if commit is None else commit
    out = Path(dist_root) / version
    if out.exists():
        shutil.rmtree(out)  # a stale binary from an earlier run must not be released
    out.mkdir(parents=True)

    sdk = _same(
        {a.name: read_model(a.generated_dir) for a in shipped}, "the Orthanc SDK header"
    )
    stub_sums = {a.name: sha256_file(a.generated_dir / STUBS) for a in shipped}
    _same(stub_sums, STUBS)
    shutil.copyfile(shipped[0].generated_dir / STUBS, out / STUBS)

    entries: list[dict[str, Any]] = []
    names: list[str] = []
    for a in shipped:
        name = artifact_name(version, a.python.minor, a.platform)
        if (out / name).exists():
            raise ManifestError(
                f"two builds map to {name}; release one build type per Python"
            )
        shutil.copyfile(a.library, out / name)
        names.append(name)
        compiler = read_compiler(a.build_dir)
        entries.append(
            {
                "file": name,
                "cell": a.name,
                "python_version": a.python.version,
                "python_minor": a.python.minor,
                "python_abi": a.python.abi,
                "platform": str(a.platform),
                "compiler": {"id": compiler["id"], "version": compiler["version"]},
                "build_type": a.build_type,
                "size": (out / name).stat().st_size,
                "sha256": sha256_file(out / name),
                "git_commit": commit,
                "tests_passed": a.tests_passed,
                "tests": None
                if a.tests is None
                else {
                    "passed": a.tests.passed,
                    "failed": a.tests.failed,
                    "errors": a.tests.errors,
                    "skipped": a.tests.skipped,
                },
            }
        )

    manifest: dict[str, Any] = {
        "name": "OrthancPython",
        "version": version,
        "git_commit": commit,
        "created_utc": (now or _dt.datetime.now(_dt.timezone.utc)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "sdk_version": sdk["sdk_version"],
        "sdk_header_sha256": sdk["header_sha256"],
        "stubs": {"file": STUBS, "sha256": stub_sums[shipped[0].name]},
        "artifacts": entries,
        "complete": not failed_cells,
        "failed_cells": list(failed_cells),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    files = [*names, STUBS, MANIFEST]
    write_sha256sums(out, files)
    return Assembled(out, manifest, sorted(files) + [SUMS])
