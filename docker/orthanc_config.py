"""The Orthanc configuration of the orthanc-python image, from files,
environment variables and Docker secrets, with the conventions of the
orthancteam/orthanc images (see docker/README.md for the table).

Sources, later ones win (objects are merged key by key, other values are
replaced, and replacing a value that a file or variable set logs a warning):

1. the image defaults (``DEFAULTS``);
2. the configuration files: ``/etc/orthanc/*.json`` (or the arguments that
   name files or folders), then ``/run/secrets/*.json``; comments allowed,
   ``${VAR}`` and ``${VAR:-default}`` replaced by the environment;
3. ``ORTHANC_JSON`` (same rules as a file);
4. ``ORTHANC__*`` variables and the alias table for irregular names; a
   variable ``<NAME>_SECRET`` gives the file (absolute, or in /run/secrets)
   holding the value of ``<NAME>``; a file ``/run/secrets/ORTHANC__X``
   counts as the variable ``ORTHANC__X``;
5. ``ORTHANC_PASSWORD``: the password of the user ``orthanc``.

Then the plugins of /usr/share/orthanc/plugins-available are enabled by
their section or their ``<NAME>_PLUGIN_ENABLED`` variable.

Every mistake raises ConfigError with the one line the user sees.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_DIR = "/etc/orthanc"
SECRETS_DIR = "/run/secrets"
PLUGINS_AVAILABLE = "/usr/share/orthanc/plugins-available"
# Folders whose plugins are always loaded: the user's own .so files.
PLUGIN_FOLDERS = ("/run/orthanc/plugins", "/usr/share/orthanc/plugins")
ENV_PREFIX = "ORTHANC__"
ENV_JSON = "ORTHANC_JSON"
ENV_PASSWORD = "ORTHANC_PASSWORD"
SECRET_SUFFIX = "_SECRET"

DEFAULTS: dict[str, Any] = {
    "Name": "orthanc-python",
    "StorageDirectory": "/var/lib/orthanc/db",
    "IndexDirectory": "/var/lib/orthanc/db",
    "RemoteAccessAllowed": True,
    "Plugins": list(PLUGIN_FOLDERS),
    "HttpsCACertificates": "/etc/ssl/certs/ca-certificates.crt",
}

# Option names that the SNAKE_CASE -> PascalCase rule cannot spell, as the
# orthancteam images spell them (variable -> dotted option path).
ALIASES: dict[str, str] = {
    "ORTHANC__CASE_SENSITIVE_PN": "CaseSensitivePN",
    "ORTHANC__HTTPS_CA_CERTIFICATES": "HttpsCACertificates",
    "ORTHANC__STORE_MD5_FOR_ATTACHMENTS": "StoreMD5ForAttachments",
    "ORTHANC__ORTHANC_EXPLORER_2__IS_DEFAULT_ORTHANC_UI": "OrthancExplorer2.IsDefaultOrthancUI",
    "ORTHANC__ORTHANC_EXPLORER_2__ENABLE_LINK_TO_LEGACY_UI": "OrthancExplorer2.EnableLinkToLegacyUi",
    "ORTHANC__POSTGRESQL": "PostgreSQL",
    "ORTHANC__MYSQL": "MySQL",
    "ORTHANC__MYSQL__SSL_CA_CERTIFICATES": "MySQL.SslCACertificates",
    "ORTHANC__OHIF": "OHIF",
}
# Sections whose name is irregular, for the variables below them
# (ORTHANC__POSTGRESQL__HOST -> PostgreSQL.Host).
SECTION_ALIASES: dict[str, str] = {"POSTGRESQL": "PostgreSQL", "MYSQL": "MySQL", "OHIF": "OHIF"}


@dataclass(frozen=True)
class PluginRule:
    """When a plugin of plugins-available is loaded."""

    name: str
    libraries: tuple[str, ...]
    section: str
    root_option: str | None = None  # an option outside the section that enables it
    defaults: Mapping[str, Any] = field(default_factory=dict)  # added to its section when enabled
    prefix: str = ""  # of <PREFIX>_PLUGIN_ENABLED, when not the name in capitals

    @property
    def variable(self) -> str:
        return f"{self.prefix or self.name.upper()}_PLUGIN_ENABLED"


# The plugins this image ships (its own, the suite's PostgreSQL plugin and
# Debian's sample plugins), with the enabling rules of the orthancteam images.
PLUGIN_RULES: tuple[PluginRule, ...] = (
    PluginRule("Python", ("libOrthancPython.so",), "Python", root_option="PythonScript"),
    PluginRule(
        "PostgreSQL",
        ("libOrthancPostgreSQLIndex.so", "libOrthancPostgreSQLStorage.so"),
        "PostgreSQL",
        # Lock false: several Orthanc may share one database.
        defaults={"EnableIndex": True, "EnableStorage": False, "Port": 5432,
                  "Database": "postgres", "Username": "postgres", "Lock": False},
    ),
    PluginRule("ServeFolders", ("libServeFolders.so",), "ServeFolders", prefix="SERVE_FOLDERS"),
    PluginRule("Worklists", ("libModalityWorklists.so",), "Worklists", defaults={"Enable": True}),
    PluginRule("Housekeeper", ("libHousekeeper.so",), "Housekeeper", defaults={"Enable": True}),
    PluginRule("DelayedDeletion", ("libDelayedDeletion.so",), "DelayedDeletion",
               defaults={"Enable": True}, prefix="DELAYED_DELETION"),
    PluginRule("MultitenantDicom", ("libMultitenantDicom.so",), "MultitenantDicom",
               prefix="MULTITENANT_DICOM"),
)

# Options holding paths.  Orthanc reads relative ones from the folder of the
# configuration file; the generated file lives elsewhere, so they are made
# absolute from the folder of the file that sets them (/etc/orthanc for the
# environment).
PATH_OPTIONS: tuple[tuple[str, ...], ...] = (
    ("StorageDirectory",), ("IndexDirectory",), ("PythonScript",), ("Python", "Path"),
    ("Python", "VirtualEnv"))
PATH_LIST_OPTIONS: tuple[str, ...] = ("Plugins", "LuaScripts")
# Values never printed (VERBOSE_STARTUP): keys that name a secret.
SECRET_KEY_RE = re.compile(r"password|secret|token|key$|credentials", re.IGNORECASE)

Config = dict[str, Any]


class ConfigError(Exception):
    """A configuration mistake; the message is the one line the user sees."""


def abbreviate(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def flag(environ: Mapping[str, str], name: str, empty: bool = False) -> bool:
    """A true/false variable; unset is false, `empty` is what "" means."""
    raw = environ.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value == "":
        return empty
    if value == "true":
        return True
    if value == "false":
        return False
    raise ConfigError(f"{name} must be true or false, not {abbreviate(raw)!r}")


# ---------------------------------------------------------------- JSON text

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


_SUBST_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
_BAD_SUBST_RE = re.compile(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\})[^}]*\}?")


def substitute(text: str, environ: Mapping[str, str], source: str) -> str:
    """${VAR} and ${VAR:-default} from the environment. A bare $VAR is kept
    (it is common in passwords and regular expressions)."""
    bad = _BAD_SUBST_RE.search(text)
    if bad:
        raise ConfigError(f"{source}: {abbreviate(bad.group(0), 30)!r} is not a ${{VAR}} "
                          "or ${VAR:-default} substitution")

    def value(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ and (environ[name] or default is None):
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{source} uses ${{{name}}}, but {name} is not set "
                          f"(set it, or write ${{{name}:-default}})")

    return _SUBST_RE.sub(value, text)


def parse_json_object(text: str, source: str, environ: Mapping[str, str]) -> Config:
    try:
        value = json.loads(strip_comments(substitute(text, environ, source)))
    except ValueError as exc:
        raise ConfigError(f"{source} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{source} must hold a JSON object, not {type(value).__name__}")
    return value


def read_text(path: Path, what: str = "") -> str:
    label = f"{path}{what}"
    try:
        return path.read_text(encoding="utf-8-sig")
    except PermissionError:
        raise ConfigError(f"cannot read {label}: permission denied for uid {os.getuid()} "
                          "(make it readable by all, e.g. chmod a+r)") from None
    except IsADirectoryError:
        raise ConfigError(f"{label} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{label} is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {label}: {exc.strerror}") from None


def load_file(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    return parse_json_object(read_text(path), str(path), os.environ if environ is None else environ)


_MISSING_HOST_FILE = ("is a folder, not a file: the host file mounted there does not exist "
                      "(Docker then creates a folder)")


def config_files(paths: Sequence[str], secrets_dir: str = SECRETS_DIR) -> list[Path]:
    """The files named by `paths` (a folder means its *.json, sorted), then
    the *.json of the secrets folder."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir() and path.suffix == ".json":
            # What Docker makes of `-v /host/missing.json:/etc/orthanc/x.json`.
            raise ConfigError(f"{path} {_MISSING_HOST_FILE}")
        if path.is_dir():
            files += _json_files(path)
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"configuration file {path} does not exist")
    if os.path.isdir(secrets_dir):
        files += _json_files(Path(secrets_dir))
    return files


def _json_files(folder: Path) -> list[Path]:
    found = []
    for child in sorted(folder.glob("*.json")):
        if child.is_dir():
            raise ConfigError(f"{child} {_MISSING_HOST_FILE}")
        found.append(child)
    return found


# ---------------------------------------------------------------- environment

def pascal_case(part: str) -> str:
    """PYTHON_SCRIPT -> PythonScript; parts with lowercase stay as written."""
    if any(c.islower() for c in part):
        return part
    return "".join(word[:1] + word[1:].lower() for word in part.split("_"))


def env_option_path(name: str) -> list[str]:
    """ORTHANC__PYTHON__ALLOW_THREADS -> ["Python", "AllowThreads"], with the
    alias table for the names the rule cannot spell."""
    if name in ALIASES:
        return ALIASES[name].split(".")
    parts = name[len(ENV_PREFIX):].split("__")
    if not all(parts) or any(p.startswith("_") or p.endswith("_") for p in parts):
        raise ConfigError(f"{name}: cannot read an option name from it (parts are "
                          "separated by exactly two underscores)")
    keys = [pascal_case(p) for p in parts]
    if parts[0] in SECTION_ALIASES:
        keys[0] = SECTION_ALIASES[parts[0]]
    return keys


def parse_env_value(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:
        if raw.lstrip()[:1] in ("{", "[", '"'):
            raise ConfigError(f"{name} is not valid JSON ({exc}): {abbreviate(raw)}") from None
        return raw


def read_secret(name: str, file_name: str, secrets_dir: str) -> str:
    """The value of `name` from the file `<name>_SECRET` names."""
    variable = name + SECRET_SUFFIX
    if not file_name.strip():
        raise ConfigError(f"{variable} is empty: it must name a file (in {secrets_dir}, or absolute)")
    path = Path(file_name) if os.path.isabs(file_name) else Path(secrets_dir) / file_name
    if not path.exists():
        raise ConfigError(f"{variable} names {path}, which does not exist "
                          f"(docker secrets appear in {secrets_dir})")
    return read_text(path, f" (named by {variable})").rstrip("\r\n")


def configuration_variables(environ: Mapping[str, str], secrets_dir: str) -> dict[str, str]:
    """ORTHANC_JSON, ORTHANC__* and ORTHANC_PASSWORD with their values, those
    of <NAME>_SECRET files and of /run/secrets/ORTHANC__* files included."""
    def ours(name: str) -> bool:
        return name.startswith(ENV_PREFIX) or name in (ENV_JSON, ENV_PASSWORD)

    values: dict[str, str] = {}
    origins: dict[str, str] = {}
    if os.path.isdir(secrets_dir):
        for path in sorted(Path(secrets_dir).iterdir()):
            if path.is_file() and ours(path.name) and not path.name.endswith(SECRET_SUFFIX):
                values[path.name] = read_text(path).rstrip("\r\n")
                origins[path.name] = str(path)
    for name, raw in environ.items():
        if name.endswith(SECRET_SUFFIX) and ours(name[:-len(SECRET_SUFFIX)]):
            target = name[:-len(SECRET_SUFFIX)]
            if target in environ:
                raise ConfigError(f"both {target} and {name} are set: keep one")
            values[target] = read_secret(target, raw, secrets_dir)
            origins[target] = name
        elif ours(name):
            if name in origins:
                raise ConfigError(f"{name} is set both as a variable and as the secret "
                                  f"{origins[name]}: keep one")
            values[name] = raw
    return values


def env_layers(environ: Mapping[str, str], secrets_dir: str = SECRETS_DIR) -> list[tuple[str, Config]]:
    """(source, partial configuration) from ORTHANC_JSON, ORTHANC__* and
    ORTHANC_PASSWORD; shallower names first, so ORTHANC__PYTHON__X refines
    ORTHANC__PYTHON."""
    variables = configuration_variables(environ, secrets_dir)
    layers: list[tuple[str, Config]] = []
    if variables.get(ENV_JSON, "").strip():
        layers.append((ENV_JSON, parse_json_object(variables[ENV_JSON], ENV_JSON, environ)))
    names = [n for n in variables if n.startswith(ENV_PREFIX)]
    for name in sorted(names, key=lambda n: (len(env_option_path(n)), n)):
        value: Any = parse_env_value(name, variables[name])
        for key in reversed(env_option_path(name)):
            value = {key: value}
        layers.append((name, value))
    if ENV_PASSWORD in variables:
        if not variables[ENV_PASSWORD]:
            raise ConfigError(f"{ENV_PASSWORD} is empty")
        layers.append((ENV_PASSWORD, {"RegisteredUsers": {"orthanc": variables[ENV_PASSWORD]}}))
    return layers


# ---------------------------------------------------------------- merging

@dataclass
class Origins:
    """Which source set each option (dotted path), for messages and warnings."""

    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def of(self, path: str) -> str:
        """The source of an option or of the closest enclosing one."""
        while path:
            if path in self.sources:
                return self.sources[path]
            path = path.rpartition(".")[0]
        return "?"

    def values(self) -> set[str]:
        return set(self.sources.values())


DEFAULT_SOURCE = "the image defaults"


def merge(base: Config, override: Config, source: str, origins: Origins, prefix: str = "") -> None:
    """Merge `override` into `base`; objects key by key, the rest replaced.
    Replacing a value that a file or a variable set is worth a warning."""
    for key, value in override.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value, source, origins, path + ".")
            continue
        if key in base:
            before = origins.of(path)
            if before not in (DEFAULT_SOURCE, source, "?") and base[key] != value:
                origins.warnings.append(f"{path} set by {before} is overridden by {source}")
        base[key] = value
        for old in [p for p in origins.sources if p.startswith(path + ".")]:
            del origins.sources[old]
        origins.sources[path] = source


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


def gather(paths: Sequence[str], environ: Mapping[str, str],
           secrets_dir: str = SECRETS_DIR) -> tuple[Config, Origins]:
    config: Config = json.loads(json.dumps(DEFAULTS))
    origins = Origins({key: DEFAULT_SOURCE for key in config})
    for path in config_files(paths, secrets_dir):
        merge(config, absolute_paths(load_file(path, environ), path.parent), str(path), origins)
    for source, layer in env_layers(environ, secrets_dir):
        merge(config, absolute_paths(layer, Path(CONFIG_DIR)), source, origins)
    return config, origins


# ---------------------------------------------------------------- plugins

def plugin_switches(environ: Mapping[str, str]) -> dict[str, bool]:
    """The <NAME>_PLUGIN_ENABLED variables that are set, by plugin name."""
    return {rule.name: flag(environ, rule.variable) for rule in PLUGIN_RULES
            if rule.variable in environ}


def enabled_plugins(config: Config, environ: Mapping[str, str]) -> list[tuple[PluginRule, str]]:
    """(rule, why) of each plugin to load: its variable says true, or its
    section (or root option) is configured, and its variable does not say false."""
    switches = plugin_switches(environ)
    enabled = []
    for rule in PLUGIN_RULES:
        if switches.get(rule.name) is False:
            continue
        if switches.get(rule.name):
            enabled.append((rule, f"{rule.variable}=true"))
        elif rule.section in config:
            enabled.append((rule, f"the {rule.section} section"))
        elif rule.root_option and config.get(rule.root_option):
            enabled.append((rule, rule.root_option))
    return enabled


def reaches(plugins: Iterable[Any], library: str) -> bool:
    """Whether a Plugins list already loads a library of that name (a file
    entry, or a folder holding it): loading it twice fails."""
    for entry in plugins:
        if not isinstance(entry, str):
            continue
        path = Path(entry)
        if path.name == library or (path.is_dir() and (path / library).exists()):
            return True
    return False


def apply_plugins(config: Config, origins: Origins, environ: Mapping[str, str],
                  available: str = PLUGINS_AVAILABLE) -> list[str]:
    """Add the enabled plugins to Plugins and their defaults to their section;
    returns a note per plugin for the log."""
    plugins = config.get("Plugins")
    if not isinstance(plugins, list):
        raise ConfigError(f"Plugins must be a list of files and folders (set by {origins.of('Plugins')})")
    notes = []
    for rule, why in enabled_plugins(config, environ):
        for library in rule.libraries:
            path = Path(available) / library
            if not path.exists():
                raise ConfigError(f"the {rule.name} plugin is enabled ({why}) but this image has no "
                                  f"{path}")
            if not reaches(plugins, library):
                plugins.append(str(path))
        if rule.defaults:
            section = config.setdefault(rule.section, {})
            if not isinstance(section, dict):
                raise ConfigError(f"{rule.section} must be a JSON object (set by "
                                  f"{origins.of(rule.section)})")
            for key, value in rule.defaults.items():
                section.setdefault(key, value)
        notes.append(f"{rule.name} plugin enabled by {why}")
    return notes


def masked(config: Any, key: str = "") -> Any:
    """The configuration with passwords and other secrets replaced, to print."""
    if isinstance(config, dict):
        if key == "RegisteredUsers":
            return {user: "***" for user in config}
        return {k: masked(v, k) for k, v in config.items()}
    if isinstance(config, list):
        return [masked(v, key) for v in config]
    if isinstance(config, str) and SECRET_KEY_RE.search(key):
        return "***"
    return config
