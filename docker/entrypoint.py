"""Entrypoint of the orthanc-python image: one Orthanc configuration from
files and environment variables, checked, then ``exec`` of Orthanc.

Sources, later ones win (objects are merged key by key, anything else is
replaced):

1. the image defaults (``DEFAULTS`` below);
2. the configuration files: the arguments that name a file or a folder
   (default ``/etc/orthanc``; a folder means its ``*.json``, sorted by name).
   Orthanc's comments (``//`` and ``/* */``) are allowed;
3. ``ORTHANC_JSON``: one JSON object;
4. ``ORTHANC__*`` variables, the convention of the orthancteam/orthanc
   images: ``__`` nests, each SNAKE_CASE part becomes PascalCase, e.g.
   ``ORTHANC__PYTHON__ALLOW_THREADS=true`` -> ``{"Python": {"AllowThreads": true}}``.
   A part with a lowercase letter is kept as written (``ORTHANC__HttpsCACertificates``).
   A value that parses as JSON is that JSON, others are strings; a value
   that starts with ``{``, ``[`` or ``"`` must be valid JSON.

Then, when neither ``PythonScript`` nor ``Python.Path`` names a script and
``/scripts`` holds exactly one ``*.py``, that file is the script.

Every mistake found here ends the container with one line on stderr that
starts with ``orthanc-python: error:`` and exit code 78 (EX_CONFIG).

Arguments starting with ``-`` go to Orthanc (``--verbose``); a first
argument that is a command on PATH (``bash``) is run instead of Orthanc.

Runs with the Python of the image, and with any Python >= 3.9 for tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CONFIG_DIR = "/etc/orthanc"
SCRIPTS_DIR = "/scripts"
PLUGIN_DIR = "/usr/local/share/orthanc/plugins"
ORTHANC = "/usr/sbin/Orthanc"
# Outside /etc/orthanc (read-only mounts) and readable by its user only: it
# can hold the RegisteredUsers passwords.  The health check reads it too.
GENERATED = "/tmp/orthanc-python/orthanc.json"
ENV_PREFIX = "ORTHANC__"
ENV_JSON = "ORTHANC_JSON"
EXIT_CONFIG = 78
PROG = "orthanc-python"

DEFAULTS: dict[str, Any] = {
    "Name": "orthanc-python",
    "StorageDirectory": "/var/lib/orthanc/db",
    "IndexDirectory": "/var/lib/orthanc/db",
    "RemoteAccessAllowed": True,
    "Plugins": [PLUGIN_DIR],
    "HttpsCACertificates": "/etc/ssl/certs/ca-certificates.crt",
}

# Options holding paths.  Orthanc reads relative ones from the folder of the
# configuration file; the generated file lives elsewhere, so they are made
# absolute from the folder of the file that sets them (/etc/orthanc for the
# environment).
PATH_OPTIONS: tuple[tuple[str, ...], ...] = (
    ("StorageDirectory",), ("IndexDirectory",), ("PythonScript",), ("Python", "Path"))
PATH_LIST_OPTIONS: tuple[str, ...] = ("Plugins", "LuaScripts")

Config = dict[str, Any]


class ConfigError(Exception):
    """A configuration mistake; the message is the one line the user sees."""


# ---------------------------------------------------------------- JSON files

def strip_comments(text: str) -> str:
    """Remove // and /* */ comments outside JSON strings (Orthanc allows them).

    Comments become spaces and newlines are kept, so that json's error
    positions still point at the right line and column.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ValueError("a /* comment is not closed")
            out.append(re.sub(r"[^\n]", " ", text[i:j + 2]))
            i = j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def load_file(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except PermissionError:
        raise ConfigError(f"cannot read {path}: permission denied for uid {os.getuid()} "
                          "(make it readable by all, e.g. chmod a+r)") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        value = json.loads(strip_comments(text))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{path} must hold a JSON object, not {type(value).__name__}")
    return value


def config_files(paths: Sequence[str]) -> list[Path]:
    """The files named by `paths` (a folder means its *.json, sorted)."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir() and path.suffix == ".json":
            # What Docker makes of `-v /host/missing.json:/etc/orthanc/x.json`.
            raise ConfigError(f"{path} is a folder, not a file: the host file mounted there "
                              "does not exist (Docker then creates a folder)")
        if path.is_dir():
            for child in sorted(path.glob("*.json")):
                if child.is_dir():
                    raise ConfigError(f"{child} is a folder, not a file: the host file mounted "
                                      "there does not exist (Docker then creates a folder)")
                files.append(child)
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"configuration file {path} does not exist")
    return files


# ---------------------------------------------------------------- environment

def pascal_case(part: str) -> str:
    """PYTHON_SCRIPT -> PythonScript; parts with lowercase stay as written."""
    if any(c.islower() for c in part):
        return part
    return "".join(word[:1] + word[1:].lower() for word in part.split("_"))


def env_option_path(name: str) -> list[str]:
    """ORTHANC__PYTHON__ALLOW_THREADS -> ["Python", "AllowThreads"]."""
    parts = name[len(ENV_PREFIX):].split("__")
    if not all(parts) or any(p.startswith("_") or p.endswith("_") for p in parts):
        raise ConfigError(f"{name}: cannot read an option name from it (parts are "
                          "separated by exactly two underscores)")
    return [pascal_case(p) for p in parts]


def parse_env_value(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        if raw.lstrip()[:1] in ("{", "[", '"'):
            raise ConfigError(f"{name} is not valid JSON ({exc}): {abbreviate(raw)}") from None
        return raw


def abbreviate(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def env_layers(environ: Mapping[str, str]) -> list[tuple[str, Config]]:
    """(source, partial configuration) from ORTHANC_JSON and ORTHANC__*;
    shallower names first, so ORTHANC__PYTHON__X refines ORTHANC__PYTHON."""
    layers: list[tuple[str, Config]] = []
    if environ.get(ENV_JSON, "").strip():
        whole = parse_env_value(ENV_JSON, environ[ENV_JSON])
        if not isinstance(whole, dict):
            raise ConfigError(f"{ENV_JSON} must be a JSON object")
        layers.append((ENV_JSON, whole))
    names = [n for n in environ if n.startswith(ENV_PREFIX)]
    for name in sorted(names, key=lambda n: (n.count("__"), n)):
        keys = env_option_path(name)
        value: Any = parse_env_value(name, environ[name])
        for key in reversed(keys):
            value = {key: value}
        layers.append((name, value))
    return layers


# ---------------------------------------------------------------- merging

def merge(base: Config, override: Config, source: str, origins: dict[str, str]) -> None:
    """Merge `override` into `base`; objects key by key, the rest replaced.

    `origins` records, per top-level option, the last source that set it,
    for the error messages.
    """
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value, source, {})
        else:
            base[key] = value
        origins[key] = source


def absolute_paths(config: Config, folder: Path) -> Config:
    """A copy of `config` with its relative path options made absolute."""
    config = json.loads(json.dumps(config))
    for keys in PATH_OPTIONS:
        parent = config
        for key in keys[:-1]:
            child = parent.get(key)
            parent = child if isinstance(child, dict) else {}
        value = parent.get(keys[-1])
        if isinstance(value, str) and value and not os.path.isabs(value):
            parent[keys[-1]] = str(folder / value)
    for key in PATH_LIST_OPTIONS:
        if isinstance(config.get(key), list):
            config[key] = [str(folder / v) if isinstance(v, str) and v and not os.path.isabs(v)
                           else v for v in config[key]]
    return config


def gather(paths: Sequence[str], environ: Mapping[str, str]) -> tuple[Config, dict[str, str]]:
    config: Config = json.loads(json.dumps(DEFAULTS))
    origins = {key: "the image defaults" for key in config}
    for path in config_files(paths):
        merge(config, absolute_paths(load_file(path), path.parent), str(path), origins)
    for source, layer in env_layers(environ):
        merge(config, absolute_paths(layer, Path(CONFIG_DIR)), source, origins)
    return config, origins


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


def choose_script(config: Config, origins: dict[str, str], scripts_dir: str) -> str | None:
    """Apply the /scripts convention; returns a note for the log."""
    script, _ = script_option(config)
    if script is not None or not os.path.isdir(scripts_dir):
        return None
    found = sorted(p for p in Path(scripts_dir).glob("*.py") if not p.name.startswith("."))
    if len(found) == 1:
        config["PythonScript"] = str(found[0])
        origins["PythonScript"] = f"the {scripts_dir} convention"
        return f"PythonScript is {found[0]} (the only *.py in {scripts_dir})"
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ConfigError(f"{scripts_dir} holds several scripts ({names}) and none is "
                          f"configured: set ORTHANC__PYTHON_SCRIPT={found[0]} (or PythonScript)")
    return None


def check(config: Config, origins: dict[str, str]) -> None:
    script, option = script_option(config)
    if script is not None:
        source = origins.get(option.split(".")[0], "?")
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
                              f"{origins.get(option, '?')}): use a named volume, or chown the "
                              "host folder to that uid")


def writable(folder: str) -> bool:
    """Whether Orthanc (this uid) can write `folder` or create it."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


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
            orthanc: str = ORTHANC, scripts_dir: str = SCRIPTS_DIR) -> list[str]:
    """Everything but the exec: returns Orthanc's command line."""
    options, paths = split_arguments(argv)
    config, origins = gather(paths, environ)
    note = choose_script(config, origins, scripts_dir)
    check(config, origins)
    write_config(config, generated)
    sources = sorted(set(origins.values()) - {"the image defaults"})
    log(f"configuration from {', '.join(sources) or 'the image defaults only'} -> {generated}")
    if note:
        log(note)
    return [orthanc, *options, generated]


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
                          orthanc, environ.get("ORTHANC_PYTHON_SCRIPTS_DIR", SCRIPTS_DIR))
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
