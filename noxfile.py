"""Build, test and release sessions for the Orthanc Python plugin.

Thin wiring only: the logic lives in packaging/orthanc_packaging/ (see
release.py there).
`nox -l` lists the sessions; plain `nox` runs lint, unit and tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
REQUIREMENTS = ROOT / "packaging" / "requirements"

# The release library is packaging/orthanc_packaging (packaging/ itself is not
# a package, so PyPA's `packaging`, which nox imports, is never shadowed).
sys.path.insert(0, str(ROOT / "packaging"))

from orthanc_packaging import (
    bench_root,
    discovery,
    release,
    report,
    roots,
    system,
    windows,
)
from orthanc_packaging import docker as docker_tools
from orthanc_packaging import nogil as nogil_tools
from orthanc_packaging import speed as speed_tools
from orthanc_packaging import wheels as wheel_tools

SUPPORTED_MINORS: tuple[str, ...] = discovery.SUPPORTED_MINORS
Reporter = report.Reporter

nox.options.sessions = ["lint", "unit", "tests"]
nox.options.reuse_venv = "yes"  # the venvs only hold pinned tools
# virtualenv imports `packaging`, which from this folder would be ours.
nox.options.default_venv_backend = "venv"


def _tools(session: nox.Session) -> str:
    """Install the pinned tools into the session venv; return its python."""
    session.install("-r", str(REQUIREMENTS / "tools.txt"))
    exe = "python.exe" if sys.platform.startswith("win") else "python"
    return str(Path(session.bin) / exe)


def _system_packages(
    session: nox.Session, packages: tuple[str, ...] = system.BUILD_AND_TEST_PACKAGES
) -> None:
    """Install the Debian packages the build and tests need (or say which are missing)."""
    try:
        system.ensure_packages(packages, reporter=Reporter(prefix=session.name))
    except system.SystemSetupError as error:
        session.error(str(error))


def _matrix(
    session: nox.Session,
    versions: list[str] | None,
    test: bool,
    dist: bool = False,
    pytest_args: tuple[str, ...] | list[str] = (),
) -> None:
    _system_packages(session)
    python = _tools(session)
    reporter = Reporter(prefix=session.name)
    found = release.find_pythons(reporter)
    if versions is not None and len(versions) == 1:
        reason = release.skip_reason(found.pythons, versions[0])
        if reason:
            session.skip(reason)
    code = release.run_matrix(
        root=ROOT,
        versions=versions,
        tools_python=python,
        reporter=reporter,
        test=test,
        dist=dist,
        found=found,
        pytest_args=pytest_args,
    )
    if code:
        session.error(f"{session.name} failed (see the table above)")


def _register_per_python_sessions() -> None:
    for minor in SUPPORTED_MINORS:

        def build(session: nox.Session, minor: str = minor) -> None:
            _matrix(session, [minor], test=False)

        def test(session: nox.Session, minor: str = minor) -> None:
            _matrix(session, [minor], test=True, pytest_args=session.posargs)

        build.__doc__ = (
            f"Build the plugin for Python {minor} into build/py{minor}-release."
        )
        test.__doc__ = f"Build, then run tests/integration against the Python {minor} plugin (-- pytest args)."
        nox.session(name=f"build-{minor}", default=False)(build)
        nox.session(name=f"test-{minor}", default=False)(test)


_register_per_python_sessions()


def _register_windows_sessions() -> None:
    for minor in windows.EMBEDDABLE_MINORS:

        def build_windows(session: nox.Session, minor: str = minor) -> None:
            python = _tools(session)
            reporter = Reporter(prefix=session.name)
            if windows.run_session(ROOT, minor, python, session.posargs, reporter):
                session.error(f"{session.name} failed (see above)")

        build_windows.__doc__ = (
            f"Windows DLL for Python {minor} into dist/: MinGW cross build + Wine smoke test "
            "on Linux, MSVC on Windows (-- --config Debug | --python PATH | --no-test)."
        )
        nox.session(name=f"windows-{minor}", default=False)(build_windows)


_register_windows_sessions()


@nox.session(default=False)
def docker(session: nox.Session) -> None:
    """Build the Docker images (trixie default, forky, bookworm), the pydicom example and a PostgreSQL server; report sizes and script-layer rebuild time; test with real containers, in full on the default tag, a smoke subset on the others (-- pytest args)."""
    python = _tools(session)
    if docker_tools.run_docker(ROOT, python, Reporter(prefix=session.name), session.posargs):
        session.error("docker failed (see the summary above)")


@nox.session(default=False)
def matrix(session: nox.Session) -> None:
    """Build and test the plugin for every Python 3.8-3.13 found (-- 3.X ... to choose)."""
    _matrix(session, list(session.posargs) or None, test=True)


@nox.session(default=False)
def stubs(session: nox.Session) -> None:
    """Build once and copy the generated orthanc.pyi to dist/."""
    _system_packages(session)
    python = _tools(session)
    code = release.build_stubs(
        ROOT,
        python,
        Reporter(prefix=session.name),
        os.environ.get("ORTHANC_TEST_PYTHON"),
    )
    if code:
        session.error("stubs failed")


@nox.session(default=False)
def wheels(session: nox.Session) -> None:
    """Wheels (pyproject.toml) for every pyenv Python 3.8-3.13 and a portable one for the system Python: auditwheel-checked, run in Orthanc from fresh venvs (-- 3.X ... to choose)."""
    python = _tools(session)
    session.install("-r", str(ROOT / "tests" / "wheels" / "requirements.txt"))
    if wheel_tools.build_all(ROOT, list(session.posargs) or None, python):
        session.error("wheels failed (see above)")


@nox.session(default=False)
def conan(session: nox.Session) -> None:
    """Conan 2 round trip: create orthanc-sdk and orthanc-python, upload to a loopback conan_server, remove, install back, load in Orthanc."""
    python = _tools(session)  # also the code generator's python (libclang, Jinja2)
    session.install("-r", str(REQUIREMENTS / "conan.txt"))
    session.run(python, "-m", "pytest", "tests/conan", "-q", *session.posargs,
                env={"ORTHANC_CONAN_ROUND_TRIP": "1"})


@nox.session(default=False)
def speed(session: nox.Session) -> None:
    """Time the clean matrix (HEAD in a temp dir) and the rebuild after a one-line C++ change against 10 min / 60 s; writes build/speed/results.json (-- 3.X ... | --keep)."""
    _system_packages(session)
    python = _tools(session)
    args = list(session.posargs)
    versions = [a for a in args if a != "--keep"] or None
    if speed_tools.run_speed_bench(ROOT, python, Reporter(prefix=session.name), versions, "--keep" in args):
        session.error("speed targets missed (see above)")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks on Orthanc 1.13.0 in the Debian forky root: ours, upstream 7.1 (AllowThreads off/on), a native C plugin (the limit), ours on twin CPython 3.14 builds with and without the GIL (bench/run.py --forky --build); JSON in bench/results/. `-- --host`: Orthanc 1.10.1 / upstream 4.0 on this host instead."""
    _system_packages(session, system.BENCH_PACKAGES)
    _tools(session)
    args = list(session.posargs)
    if "--host" in args:
        args.remove("--host")
        session.run("python", "bench/run.py", "--build", *args)
        return
    try:
        forky = bench_root.prepare(ROOT, Reporter(prefix=session.name))
    except roots.RootError as error:
        session.error(str(error))
    session.run("python", "bench/run.py", *forky, "--build", *args)


@nox.session(name="release", default=False)
def release_session(session: nox.Session) -> None:
    """Build and test every Python found, then assemble dist/<version>/ (SHA256SUMS, manifest.json)."""
    _matrix(session, list(session.posargs) or None, test=True, dist=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on packaging/, codegen/, tests/ and noxfile.py; mypy on packaging/orthanc_packaging/ and codegen/."""
    session.install("-r", str(REQUIREMENTS / "lint.txt"))
    # The release tools keep ruff's default rules and the syntax of the
    # oldest Python they build for.
    session.run(
        "ruff",
        "check",
        "--target-version",
        "py38",
        "packaging",
        "tests/packaging",
        "noxfile.py",
    )
    others = ["codegen", "tests"]
    if any(
        (ROOT / name).is_file() for name in ("ruff.toml", ".ruff.toml")
    ) or "[tool.ruff" in _text(ROOT / "pyproject.toml"):
        session.run("ruff", "check", *others)
    else:
        # No project ruff config yet: pyflakes and syntax errors only;
        # tests/scripts are Orthanc Book samples kept verbatim.
        session.run(
            "ruff",
            "check",
            "--select",
            "E4,E7,E9,F",
            "--extend-exclude",
            "tests/scripts",
            *others,
        )
    session.run("mypy", "--python-version", "3.10", "packaging/orthanc_packaging")
    # The generator: its libclang binding has no types.
    session.run("mypy", "--python-version", "3.10", "--ignore-missing-imports", "codegen")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@nox.session
def unit(session: nox.Session) -> None:
    """Unit tests (tests/packaging, tests/codegen): no Orthanc, no build."""
    _tools(session)
    dirs = [d for d in release.UNIT_TEST_DIRS if (ROOT / d).is_dir()]
    session.run("python", "-m", "pytest", *dirs, "-q", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """CI entry: unit tests; tests/integration against this host's Orthanc (Python 3.11, and a second Python built with the newest SDK header) and against Debian trixie's and forky's Orthanc in their roots; reliability tests."""
    _system_packages(session)
    python = _tools(session)
    reporter = Reporter(prefix=session.name)
    minor = os.environ.get("ORTHANC_TEST_PYTHON")
    if release.run_ci_tests(ROOT, python, reporter, minor, session.posargs):
        session.error("tests failed (see above)")


@nox.session(name="from-source", default=False)
def from_source(session: nox.Session) -> None:
    """README's "Building from source" verbatim, as root, in clean Debian 12 and 13 roots (overlays of cached debootstrap roots): Orthanc loads the plugin; the generated code equals the pinned libclang's."""
    _tools(session)  # pytest, and PyPI's pinned libclang for the reference
    session.run("python", "-m", "pytest", "tests/from_source", "-q", "-rA", *session.posargs)


@nox.session(default=False)
def nogil(session: nox.Session) -> None:
    """The plugin on free-threaded CPython 3.14t (built once from Debian's source in the forky root): tests/integration against Orthanc 1.13.0 there, then tests/reliability (-- pytest args)."""
    _system_packages(session)
    python = _tools(session)
    if nogil_tools.run_nogil(ROOT, python, Reporter(prefix=session.name), session.posargs):
        session.error("nogil failed (see above)")


@nox.session(name="orthanc-releases", default=False)
def orthanc_releases(session: nox.Session) -> None:
    """tests/integration against three Orthanc releases: this host's, Debian trixie's (1.12.7, Python 3.13) and forky's (1.13.0, Python 3.14) in roots made once (-- pytest args)."""
    _system_packages(session)
    python = _tools(session)
    minor = os.environ.get("ORTHANC_TEST_PYTHON")
    if release.run_orthanc_releases(ROOT, python, Reporter(prefix=session.name), minor, session.posargs):
        session.error("orthanc-releases failed (see the table above)")
