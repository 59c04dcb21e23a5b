"""Entrypoint of the orthanc-python image: one Orthanc configuration from
files, environment variables and secrets (orthanc_config.py), checked, the
script's requirements installed when asked, then ``exec`` of Orthanc.

When neither ``PythonScript`` nor ``Python.Path`` names a script and
``/scripts`` holds exactly one ``*.py``, that file is the script.

Start-up variables (as the orthancteam/orthanc images read them):
``VERBOSE_ENABLED``/``TRACE_ENABLED`` (Orthanc's --verbose/--trace),
``LOGDIR``/``LOGFILE``, ``NO_JOBS``, ``BEFORE_ORTHANC_STARTUP_SCRIPT`` (run
first), ``VERBOSE_STARTUP`` (print the final configuration, secrets
masked).  ``PYTHON_REQUIREMENTS_AT_STARTUP=true`` pip-installs the
requirements.txt beside the script into a venv of /var/cache/orthanc-python
(a volume keeps it), reused while the file is unchanged.

Every mistake found here ends the container with one line on stderr that
starts with ``orthanc-python: error:`` and exit code 78 (EX_CONFIG).

Arguments starting with ``-`` go to Orthanc (``--verbose``); a first
argument that is a command on PATH (``bash``) is run instead of Orthanc.

Runs with the Python of the image, and with any Python >= 3.9 for tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

# Run as `python -I`: the folder of this file is not on sys.path by itself.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from orthanc_config import (  # noqa: E402
    CONFIG_DIR, Config, ConfigError, Origins, abbreviate, apply_plugins, enabled_plugins, flag, gather,
    masked,
)

SCRIPTS_DIR = "/scripts"
ORTHANC = "/usr/sbin/Orthanc"
# Outside /etc/orthanc (read-only mounts) and readable by its user only: it
# can hold the RegisteredUsers passwords.  The health check reads it too.
GENERATED = "/tmp/orthanc-python/orthanc.json"
REQUIREMENTS_CACHE = "/var/cache/orthanc-python"
REQUIREMENTS_VARIABLE = "PYTHON_REQUIREMENTS_AT_STARTUP"
EXIT_CONFIG = 78
PROG = "orthanc-python"


# ---------------------------------------------------------------- checks

def script_option(config: Config) -> tuple[str | None, str]:
    """The script the plugin will run and the option naming it (the plugin
    reads PythonScript first, then Python.Path)."""
    if config.get("PythonScript"):
        return config["PythonScript"], "PythonScript"
    python = config.get("Python")
    if isinstance(python, dict) and python.get("Path"):
        return python["Path"], "Python.Path"
    return None, "PythonScript"


def choose_script(config: Config, origins: Origins, scripts_dir: str) -> str | None:
    """Apply the /scripts convention; returns a note for the log."""
    script, _ = script_option(config)
    if script is not None or not os.path.isdir(scripts_dir):
        return None
    found = sorted(p for p in Path(scripts_dir).glob("*.py") if not p.name.startswith("."))
    if len(found) == 1:
        config["PythonScript"] = str(found[0])
        origins.sources["PythonScript"] = f"the {scripts_dir} convention"
        return f"PythonScript is {found[0]} (the only *.py in {scripts_dir})"
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ConfigError(f"{scripts_dir} holds several scripts ({names}) and none is "
                          f"configured: set ORTHANC__PYTHON_SCRIPT={found[0]} (or PythonScript)")
    return None


def check(config: Config, origins: Origins) -> None:
    script, option = script_option(config)
    if script is not None:
        source = origins.of(option)
        if not isinstance(script, str):
            raise ConfigError(f"{option} must be a string (set by {source})")
        if not os.path.exists(script):
            raise ConfigError(f"the Python script {script} does not exist ({option}, set by "
                              f"{source}); mount it, e.g. -v $PWD/{os.path.basename(script)}:"
                              f"{script}:ro")
        if not os.path.isfile(script):
            raise ConfigError(f"the Python script {script} is not a file ({option}, set by {source})")
        if not os.access(script, os.R_OK):
            raise ConfigError(f"the Python script {script} cannot be read by uid {os.getuid()} "
                              f"({option}, set by {source})")
    for option in ("StorageDirectory", "IndexDirectory"):
        folder = config.get(option)
        if isinstance(folder, str) and folder and not writable(folder):
            raise ConfigError(f"{option} {folder} is not writable by uid {os.getuid()} (set by "
                              f"{origins.of(option)}): use a named volume, or chown the "
                              "host folder to that uid")

def check_postgresql(config: Config, environ: Mapping[str, str]) -> None:
    if not any(rule.name == "PostgreSQL" for rule, _ in enabled_plugins(config, environ)):
        return
    postgresql = config.get("PostgreSQL")
    if isinstance(postgresql, dict) and not (postgresql.get("Host") or postgresql.get("ConnectionUri")):
        raise ConfigError("PostgreSQL.Host is not set (the PostgreSQL plugin is enabled): set "
                          "ORTHANC__POSTGRESQL__HOST, or PostgreSQL.ConnectionUri")


def orthanc_version(status: str = "/var/lib/dpkg/status") -> tuple[int, ...]:
    """The version of Debian's orthanc package, () when unknown."""
    try:
        text = Path(status).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    for block in text.split("\n\n"):
        if "\nPackage: orthanc\n" in "\n" + block + "\n":
            for line in block.splitlines():
                if line.startswith("Version:"):
                    numbers = line.split()[1].split(":")[-1].split("+")[0].split("-")[0]
                    return tuple(int(n) for n in numbers.split(".") if n.isdigit())
    return ()


def check_users(config: Config, version: tuple[int, ...]) -> None:
    """Orthanc 1.13 refuses to start with remote access and authentication
    but no user (older ones made orthanc/orthanc): say so in one line."""
    if version < (1, 13) or not config.get("RemoteAccessAllowed", False):
        return
    if config.get("AuthenticationEnabled", True) is False or config.get("RegisteredUsers"):
        return
    raise ConfigError("no RegisteredUsers: Orthanc 1.13 does not start with remote access and "
                      "authentication but no user; set ORTHANC_PASSWORD (user orthanc), "
                      "ORTHANC__REGISTERED_USERS, or ORTHANC__AUTHENTICATION_ENABLED=false")


def writable(folder: str) -> bool:
    """Whether Orthanc (this uid) can write `folder` or create it."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


# ---------------------------------------------------------------- start-up variables

def orthanc_options(environ: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Orthanc's command-line options from the variables, and warnings."""
    options: list[str] = []
    warnings: list[str] = []
    if flag(environ, "TRACE_ENABLED"):
        options.append("--trace")
    elif flag(environ, "VERBOSE_ENABLED"):
        options.append("--verbose")
    logdir, logfile = environ.get("LOGDIR", ""), environ.get("LOGFILE", "")
    if logdir:
        if not writable(logdir):
            raise ConfigError(f"LOGDIR {logdir} is not writable by uid {os.getuid()}")
        options.append(f"--logdir={logdir}")
        if logfile:
            warnings.append(f"LOGFILE is ignored: LOGDIR is set ({logdir})")
    elif logfile:
        if not writable(os.path.dirname(os.path.abspath(logfile))):
            raise ConfigError(f"LOGFILE {logfile}: its folder is not writable by uid {os.getuid()}")
        options.append(f"--logfile={logfile}")
    if flag(environ, "NO_JOBS"):
        options.append("--no-jobs")
    return options, warnings


def run_before_startup(environ: Mapping[str, str]) -> None:
    """BEFORE_ORTHANC_STARTUP_SCRIPT: a command run before Orthanc (with its
    arguments, as a shell would split them); failing stops the start."""
    command = environ.get("BEFORE_ORTHANC_STARTUP_SCRIPT", "")
    if not command.strip():
        return
    name = "BEFORE_ORTHANC_STARTUP_SCRIPT"
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{name} cannot be split into a command: {exc}") from None
    program = argv[0] if "/" in argv[0] else shutil.which(argv[0])
    if program is None or not os.path.isfile(program):
        raise ConfigError(f"{name}: {argv[0]} does not exist")
    if not os.access(program, os.X_OK):
        raise ConfigError(f"{name}: {program} is not executable (chmod +x, or start the "
                          "value with sh)")
    log(f"running {name}: {abbreviate(command)}")
    code = subprocess.run(argv, check=False).returncode
    if code != 0:
        raise ConfigError(f"{name} ({abbreviate(command)}) failed with exit code {code}")


# ---------------------------------------------------------------- requirements

def requirements_file(config: Config, environ: Mapping[str, str]) -> Path | None:
    """The requirements.txt to install at start-up, if asked for."""
    raw = environ.get(REQUIREMENTS_VARIABLE, "")
    if raw.startswith("/"):
        path = Path(raw)
    elif not flag(environ, REQUIREMENTS_VARIABLE):
        return None
    else:
        script, _ = script_option(config)
        if not isinstance(script, str):
            raise ConfigError(f"{REQUIREMENTS_VARIABLE}=true, but no Python script is configured "
                              "(requirements.txt is looked for beside it)")
        path = Path(script).parent / "requirements.txt"
    if not path.is_file():
        raise ConfigError(f"{REQUIREMENTS_VARIABLE}: {path} does not exist")
    if not os.access(path, os.R_OK):
        raise ConfigError(f"{REQUIREMENTS_VARIABLE}: {path} cannot be read by uid {os.getuid()}")
    return path


def pip_interpreter(environ: Mapping[str, str]) -> str:
    """A Python that has pip: the image's venv (VIRTUAL_ENV), else this one."""
    venv = environ.get("VIRTUAL_ENV", "")
    candidate = os.path.join(venv, "bin", "python") if venv else ""
    return candidate if candidate and os.path.exists(candidate) else sys.executable


def install_requirements(path: Path, environ: Mapping[str, str], cache: str = REQUIREMENTS_CACHE,
                         python: str = sys.executable) -> str:
    """A venv in `cache` with `path` pip-installed; reused while the file
    and the Python are the same. Returns the venv's folder."""
    if not writable(cache):
        raise ConfigError(f"{REQUIREMENTS_VARIABLE}: {cache} is not writable by uid {os.getuid()} "
                          f"(mount a volume there: -v orthanc-python-cache:{cache})")
    text = path.read_bytes()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    digest = hashlib.sha256(text + version.encode()).hexdigest()[:16]
    venv = Path(cache) / f"venv-py{version}-{digest}"
    stamp = venv / ".installed"
    if stamp.exists():
        log(f"requirements of {path} already installed in {venv}")
        return str(venv)
    log(f"installing {path} into {venv} ({REQUIREMENTS_VARIABLE})")
    shutil.rmtree(venv, ignore_errors=True)
    # A venv without its own pip (seconds faster); the image's pip installs into it.
    steps = [
        [python, "-m", "venv", "--without-pip", str(venv)],
        [pip_interpreter(environ), "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--disable-pip-version-check", "--no-input", "--cache-dir", str(Path(cache) / "pip"),
         "-r", str(path)],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
            reason = lines[-1].strip() if lines else f"exit code {done.returncode}"
            raise ConfigError(f"{REQUIREMENTS_VARIABLE}: pip could not install {path}: "
                              f"{abbreviate(reason, 200)}")
        if done.stdout.strip() and step is steps[-1]:
            log(done.stdout.strip().splitlines()[-1])
    stamp.write_text(f"{path}\n")
    return str(venv)


# ---------------------------------------------------------------- main

def split_arguments(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    options = [a for a in argv if a.startswith("-")]
    paths = [a for a in argv if not a.startswith("-")]
    return options, paths or [CONFIG_DIR]


def write_config(config: Config, path: str) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
        handle.write("\n")
    os.replace(tmp, path)


def prepare(argv: Sequence[str], environ: Mapping[str, str], generated: str = GENERATED,
            orthanc: str = ORTHANC, scripts_dir: str = SCRIPTS_DIR,
            secrets_dir: str = "/run/secrets", plugins_available: str | None = None,
            cache: str = REQUIREMENTS_CACHE) -> list[str]:
    """Everything but the exec: returns Orthanc's command line."""
    options, paths = split_arguments(argv)
    config, origins = gather(paths, environ, secrets_dir)
    note = choose_script(config, origins, scripts_dir)
    check(config, origins)
    notes = apply_plugins(config, origins, environ,
                          *([plugins_available] if plugins_available else []))
    check_postgresql(config, environ)
    check_users(config, orthanc_version(environ.get("ORTHANC_PYTHON_DPKG_STATUS",
                                                    "/var/lib/dpkg/status")))
    variable_options, warnings = orthanc_options(environ)
    requirements = requirements_file(config, environ)
    verbose = flag(environ, "VERBOSE_STARTUP", empty=True)
    for warning in origins.warnings + warnings:
        log(f"warning: {warning}")
    run_before_startup(environ)
    if requirements is not None:
        python = config.setdefault("Python", {})
        if not isinstance(python, dict):
            raise ConfigError("Python must be a JSON object")
        python["VirtualEnv"] = install_requirements(requirements, environ, cache)
    write_config(config, generated)
    sources = sorted(origins.values() - {"the image defaults"})
    log(f"configuration from {', '.join(sources) or 'the image defaults only'} -> {generated}")
    for line in ([note] if note else []) + notes:
        log(line)
    if verbose:
        log("final configuration (secrets masked):\n"
            + json.dumps(masked(config), indent=2, sort_keys=True))
    command = [orthanc, *variable_options, *options, generated]
    log(f"starting {' '.join(command)}")
    return command


def log(message: str) -> None:
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if environ is None else environ
    if argv and not argv[0].startswith("-") and "/" not in argv[0] \
            and not argv[0].endswith(".json") and shutil.which(argv[0]):
        os.execvp(argv[0], argv)
    orthanc = environ.get("ORTHANC_PYTHON_ORTHANC", ORTHANC)  # tests run a stand-in
    try:
        command = prepare(argv, environ, environ.get("ORTHANC_PYTHON_GENERATED", GENERATED),
                          orthanc, environ.get("ORTHANC_PYTHON_SCRIPTS_DIR", SCRIPTS_DIR),
                          environ.get("ORTHANC_PYTHON_SECRETS_DIR", "/run/secrets"),
                          environ.get("ORTHANC_PYTHON_PLUGINS_AVAILABLE"),
                          environ.get("ORTHANC_PYTHON_CACHE", REQUIREMENTS_CACHE))
        # exec: Orthanc takes this process's place, so tini's SIGTERM reaches it.
        os.execv(command[0], command)
    except ConfigError as exc:
        log(f"error: {exc}")
        return EXIT_CONFIG
    except OSError as exc:
        log(f"error: cannot start Orthanc ({orthanc}): {exc.strerror}")
        return EXIT_CONFIG
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
