"""Build, test and release sessions for the Orthanc Python plugin.

Wiring only: each session installs the pinned tools and the release library
(packaging/, with the code generator, codegen/) into its venv and runs
``python -m orthanc_packaging <session>``; the code is in
packaging/orthanc_packaging/ (sessions.py: what each session does).
`nox -l` lists the sessions; plain `nox` runs lint, unit and tests.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
REQUIREMENTS = ROOT / "packaging" / "requirements"

nox.options.sessions = ["lint", "unit", "tests"]
nox.options.reuse_venv = "yes"  # the venvs only hold pinned tools and editable installs
# virtualenv imports `packaging`, which from this folder would be ours.
nox.options.default_venv_backend = "venv"

# The Pythons of the per-Python sessions (build-3.X, test-3.X) and of the
# Windows cross builds; tests/packaging/test_noxfile.py checks that they are
# the release library's (discovery.SUPPORTED_MINORS, windows.WINDOWS_MINORS:
# 3.14 has no embeddable Python here and builds on Windows runners only).
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
WINDOWS_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")


def _library(session: nox.Session, name: str, *args: str, requirements: tuple[Path, ...] = ()) -> None:
    """Run session `name` of the release library in this session's venv."""
    session.install("-r", str(REQUIREMENTS / "tools.txt"),
                    *(a for r in requirements for a in ("-r", str(r))))
    session.install("--no-build-isolation", "-e", str(ROOT / "packaging"), "-e", str(ROOT / "codegen"))
    with tempfile.TemporaryDirectory() as tmp:
        skip_file = Path(tmp) / "skipped"
        session.run("python", "-m", "orthanc_packaging", name, *args,
                    env={"ORTHANC_PACKAGING_SKIP_FILE": str(skip_file)})
        if skip_file.is_file():
            session.skip(skip_file.read_text(encoding="utf-8"))


def _register(name: str, doc: str, default: bool = False, requirements: tuple[Path, ...] = ()) -> None:
    def body(session: nox.Session) -> None:
        _library(session, name, *session.posargs, requirements=requirements)

    body.__doc__ = doc
    nox.session(name=name, default=default)(body)


_register("tests", (
    "CI entry: unit tests; tests/integration against this host's Orthanc (Python 3.11, and a second "
    "Python built with the newest SDK header) and against Debian trixie's and forky's Orthanc in their "
    "roots; reliability tests."), default=True)
_register("unit", "Unit tests (tests/packaging, tests/codegen, tests/macos): no Orthanc, no build.", default=True)
_register("matrix", "Build and test the plugin for every Python 3.8-3.14 found (-- 3.X ... to choose).")
_register("release", (
    "Build and test every Python found, then assemble dist/<version>/ (SHA256SUMS, manifest.json); on "
    "Linux also windows-all: every Windows DLL, x64 and x86, and their bundles (-- 3.X ... to choose)."))
_register("stubs", "Build once and copy the generated orthanc.pyi to dist/.")
_register("docker", (
    "Build the Docker images (trixie default, forky, bookworm), the pydicom example and a PostgreSQL "
    "server; report sizes and script-layer rebuild time; test with real containers, in full on the "
    "default tag, a smoke subset on the others (-- pytest args)."))
_register("wheels", (
    "Wheels (pyproject.toml) for every pyenv Python 3.8-3.13 and a portable one for the system Python: "
    "auditwheel-checked, run in Orthanc from fresh venvs (-- 3.X ... to choose)."),
    requirements=(ROOT / "tests" / "wheels" / "requirements.txt",))
_register("conan", (
    "Conan 2 round trip: create orthanc-sdk and orthanc-python, upload to a loopback conan_server, "
    "remove, install back, load in Orthanc."), requirements=(REQUIREMENTS / "conan.txt",))
_register("speed", (
    "Time the clean matrix (HEAD in a temp dir) and the rebuild after a one-line C++ change against "
    "10 min / 60 s; writes build/speed/results.json (-- 3.X ... | --keep)."))
_register("bench", (
    "Benchmarks on Orthanc 1.13.0 in the Debian forky root: ours, upstream 7.1 (AllowThreads off/on), a "
    "native C plugin (the limit), ours on twin CPython 3.14 builds with and without the GIL (bench/run.py "
    "--forky --build); JSON in bench/results/. `-- --host`: Orthanc 1.10.1 / upstream 4.0 on this host instead."))
_register("nogil", (
    "The plugin on free-threaded CPython 3.14t (built once from Debian's source in the forky root): "
    "tests/integration against Orthanc 1.13.0 there, then tests/reliability (-- pytest args)."))
_register("from-source", (
    'README\'s "Building from source" verbatim, as root, in clean Debian 12 and 13 roots (overlays of '
    "cached debootstrap roots): Orthanc loads the plugin; the generated code equals the pinned libclang's."))
_register("loader", (
    "The loader plugin (src/loader) with the modules the other sessions built (else built here) for every "
    "Python found and Debian forky's 3.14, in the real Orthanc: each Python chosen by version, executable, "
    "venv and PATH (-- pytest args)."))
_register("orthanc-releases", (
    "tests/integration against three Orthanc releases: this host's, Debian trixie's (1.12.7, Python "
    "3.13) and forky's (1.13.0, Python 3.14) in roots made once (-- pytest args)."))
for _minor in PYTHONS:
    _register(f"build-{_minor}", f"Build the plugin for Python {_minor} into build/py{_minor}-release.")
    _register(f"test-{_minor}", f"Build, then run tests/integration against the Python {_minor} plugin (-- pytest args).")
for _minor in WINDOWS_PYTHONS:
    _register(f"windows-{_minor}", (
        f"Windows x64 DLL for Python {_minor} into dist/: MinGW cross build + Wine smoke test on Linux, "
        "MSVC on Windows (-- --config Debug | --python PATH | --no-test)."))
    _register(f"windows-{_minor}-x86", (
        f"Windows x86 DLL for Python {_minor} into dist/: MinGW i686 cross build, static checks and the "
        "32-bit loader under 32-bit Wine (no 32-bit Python to run it with here); MSVC on Windows."))
_register("windows-all", (
    "Every windows-3.X and windows-3.X-x86 session, then the DLLs with their sizes and the "
    "windows-x64 / windows-x86 bundles (-- 3.X ... x64|x86 to choose, --no-test)."))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on packaging/, codegen/, tests/, bench/ and noxfile.py; mypy on packaging/orthanc_packaging/, codegen/ and bench/."""
    session.install("-r", str(REQUIREMENTS / "lint.txt"))
    # The release tools keep ruff's default rules and the syntax of the
    # oldest Python they build for.
    session.run("ruff", "check", "--target-version", "py38", "packaging", "tests/packaging", "noxfile.py")
    # tests/scripts are Orthanc Book samples kept verbatim.
    session.run("ruff", "check", "--select", "E4,E7,E9,F", "--extend-exclude", "tests/scripts", "codegen", "tests", "bench")
    session.run("mypy", "--python-version", "3.10", "packaging/orthanc_packaging")
    # The generator: its libclang binding has no types.
    session.run("mypy", "--python-version", "3.10", "--ignore-missing-imports", "codegen")
    # The benchmarks: the release library they import is not installed here.
    session.run("mypy", "--python-version", "3.10", "--ignore-missing-imports", "bench/orthanc_bench")
