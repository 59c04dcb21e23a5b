"""The orthancteam/orthanc images' conventions as docker/orthanc_config.py and
docker/entrypoint.py implement them, outside Docker: aliases, secrets,
substitution, plugin enabling, start-up variables and their errors."""

from __future__ import annotations

import json
import subprocess
import types
from pathlib import Path

import pytest
from test_entrypoint import run_entrypoint


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    folder = tmp_path / "secrets"
    folder.mkdir()
    return folder


def gather(orthanc_config: types.ModuleType, env: dict[str, str], secrets: Path,
           paths: list[str] | None = None) -> tuple[dict, object]:
    return orthanc_config.gather(paths or [], env, str(secrets))


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("name, path", [
    ("ORTHANC__HTTPS_CA_CERTIFICATES", ["HttpsCACertificates"]),
    ("ORTHANC__CASE_SENSITIVE_PN", ["CaseSensitivePN"]),
    ("ORTHANC__STORE_MD5_FOR_ATTACHMENTS", ["StoreMD5ForAttachments"]),
    ("ORTHANC__POSTGRESQL", ["PostgreSQL"]),
    ("ORTHANC__POSTGRESQL__HOST", ["PostgreSQL", "Host"]),
    ("ORTHANC__POSTGRESQL__ENABLE_SSL", ["PostgreSQL", "EnableSsl"]),
    ("ORTHANC__MYSQL__SSL_CA_CERTIFICATES", ["MySQL", "SslCACertificates"]),
    ("ORTHANC__ORTHANC_EXPLORER_2__IS_DEFAULT_ORTHANC_UI", ["OrthancExplorer2", "IsDefaultOrthancUI"]),
])
def test_alias_table(orthanc_config: types.ModuleType, name: str, path: list[str]) -> None:
    assert orthanc_config.env_option_path(name) == path


# ---------------------------------------------------------------- files and secrets

def test_secret_json_files_come_after_etc_orthanc(orthanc_config: types.ModuleType, tmp_path: Path,
                                                  secrets: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "a.json").write_text('{"Name": "etc", "DicomAet": "ETC"}')
    (secrets / "users.json").write_text('{"RegisteredUsers": {"u": "p"}, /* c */ "Name": "secret"}')
    (secrets / "ORTHANC__DICOM_AET").write_text("FROMSECRET\n")
    config, origins = gather(orthanc_config, {}, secrets, [str(etc)])
    assert (config["Name"], config["RegisteredUsers"]) == ("secret", {"u": "p"})
    assert config["DicomAet"] == "FROMSECRET"  # a secret named like the variable
    assert any("Name set by" in w and "users.json" in w for w in origins.warnings)


def test_comments_in_orthanc_json(orthanc_config: types.ModuleType, secrets: Path) -> None:
    config, _ = gather(orthanc_config, {"ORTHANC_JSON": '{"Name": "x" // comment\n}'}, secrets)
    assert config["Name"] == "x"


def test_secret_variables_read_a_file(orthanc_config: types.ModuleType, tmp_path: Path,
                                      secrets: Path) -> None:
    (secrets / "pg-password").write_text("s3cret\n")
    absolute = tmp_path / "users.json"
    absolute.write_text('{"alice": "pw"}')
    config, _ = gather(orthanc_config, {
        "ORTHANC__POSTGRESQL__PASSWORD_SECRET": "pg-password",
        "ORTHANC__REGISTERED_USERS_SECRET": str(absolute),
        "CLIENT_SECRET": "a script's own variable, left alone",
    }, secrets)
    assert config["PostgreSQL"] == {"Password": "s3cret"}
    assert config["RegisteredUsers"] == {"alice": "pw"}


@pytest.mark.parametrize("env, message", [
    ({"ORTHANC__X_SECRET": "nope"}, "ORTHANC__X_SECRET names .*nope, which does not exist"),
    ({"ORTHANC__X_SECRET": ""}, "ORTHANC__X_SECRET is empty"),
    ({"ORTHANC__X_SECRET": "x", "ORTHANC__X": "1"}, "both ORTHANC__X and ORTHANC__X_SECRET are set"),
    ({"ORTHANC_PASSWORD": ""}, "ORTHANC_PASSWORD is empty"),
])
def test_secret_mistakes(orthanc_config: types.ModuleType, secrets: Path, env: dict[str, str],
                         message: str) -> None:
    (secrets / "x").write_text("1")
    with pytest.raises(orthanc_config.ConfigError, match=message):
        gather(orthanc_config, env, secrets)


def test_orthanc_password_adds_the_orthanc_user(orthanc_config: types.ModuleType, secrets: Path) -> None:
    config, _ = gather(orthanc_config, {"ORTHANC_PASSWORD": "change-me",
                                        "ORTHANC__REGISTERED_USERS": '{"bob": "b"}'}, secrets)
    assert config["RegisteredUsers"] == {"bob": "b", "orthanc": "change-me"}


# ---------------------------------------------------------------- ${VAR}

def test_substitution_in_files_and_orthanc_json(orthanc_config: types.ModuleType, tmp_path: Path,
                                                secrets: Path) -> None:
    (tmp_path / "a.json").write_text('{"PostgreSQL": {"Host": "${PG_HOST}", "Port": ${PG_PORT:-5432}},'
                                     ' "Name": "$NOT_SUBSTITUTED"}')
    env = {"PG_HOST": "db", "ORTHANC_JSON": '{"DicomAet": "${AET:-DEFAULTAET}"}'}
    config, _ = gather(orthanc_config, env, secrets, [str(tmp_path / "a.json")])
    assert config["PostgreSQL"] == {"Host": "db", "Port": 5432}
    assert config["Name"] == "$NOT_SUBSTITUTED"
    assert config["DicomAet"] == "DEFAULTAET"


@pytest.mark.parametrize("text, message", [
    ('{"Host": "${PG_HOST}"}', r"uses \$\{PG_HOST\}, but PG_HOST is not set"),
    ('{"Host": "${PG HOST}"}', "is not a \\$\\{VAR\\}"),
    ('{"Host": "${PG_HOST"}', "is not a \\$\\{VAR\\}"),
])
def test_substitution_mistakes(orthanc_config: types.ModuleType, tmp_path: Path, secrets: Path,
                               text: str, message: str) -> None:
    (tmp_path / "a.json").write_text(text)
    with pytest.raises(orthanc_config.ConfigError, match=message):
        gather(orthanc_config, {}, secrets, [str(tmp_path / "a.json")])


# ---------------------------------------------------------------- plugins

@pytest.fixture
def available(tmp_path: Path) -> Path:
    folder = tmp_path / "available"
    folder.mkdir()
    for rule in ("libOrthancPython.so", "libOrthancPostgreSQLIndex.so",
                 "libOrthancPostgreSQLStorage.so", "libServeFolders.so"):
        (folder / rule).write_text("")
    return folder


def plugins(orthanc_config: types.ModuleType, config: dict, env: dict[str, str],
            available: Path) -> tuple[dict, list[str]]:
    # Empty folders stand for the image's (this machine may have plugins in its own).
    folders = [str(available.parent / "run-plugins"), str(available.parent / "share-plugins")]
    config = {"Plugins": folders, **config}
    notes = orthanc_config.apply_plugins(config, orthanc_config.Origins(), env, str(available))
    return config, notes


@pytest.mark.parametrize("config, env, loaded", [
    ({}, {}, []),
    ({"PythonScript": "/s.py"}, {}, ["libOrthancPython.so"]),
    ({"Python": {"AllowThreads": True}}, {}, ["libOrthancPython.so"]),
    ({}, {"PYTHON_PLUGIN_ENABLED": "true"}, ["libOrthancPython.so"]),
    ({"PythonScript": "/s.py"}, {"PYTHON_PLUGIN_ENABLED": "false"}, []),
    ({"PostgreSQL": {"Host": "db"}}, {}, ["libOrthancPostgreSQLIndex.so", "libOrthancPostgreSQLStorage.so"]),
    ({"PostgreSQL": {"Host": "db"}}, {"POSTGRESQL_PLUGIN_ENABLED": "false"}, []),
    ({"ServeFolders": {}}, {}, ["libServeFolders.so"]),
])
def test_plugins_enabled_by_section_or_variable(orthanc_config: types.ModuleType, available: Path,
                                                config: dict, env: dict[str, str],
                                                loaded: list[str]) -> None:
    result, _ = plugins(orthanc_config, config, env, available)
    assert result["Plugins"][2:] == [str(available / n) for n in loaded]


def test_postgresql_defaults_allow_several_nodes(orthanc_config: types.ModuleType,
                                                 available: Path) -> None:
    config, notes = plugins(orthanc_config, {"PostgreSQL": {"Host": "db", "Port": 5433}}, {}, available)
    assert config["PostgreSQL"] == {"Host": "db", "Port": 5433, "EnableIndex": True,
                                    "EnableStorage": False, "Database": "postgres",
                                    "Username": "postgres", "Lock": False}
    assert notes == ["PostgreSQL plugin enabled by the PostgreSQL section"]


def test_a_plugins_list_that_reaches_the_plugin_is_not_doubled(orthanc_config: types.ModuleType,
                                                               available: Path) -> None:
    config, _ = plugins(orthanc_config, {"Plugins": [str(available)], "PythonScript": "/s.py"}, {},
                        available)
    assert config["Plugins"] == [str(available)]


@pytest.mark.parametrize("env, message", [
    ({"PYTHON_PLUGIN_ENABLED": "yes please"}, "PYTHON_PLUGIN_ENABLED must be true or false"),
    ({"POSTGRESQL_PLUGIN_ENABLED": "maybe"}, "POSTGRESQL_PLUGIN_ENABLED must be true or false"),
])
def test_bad_switches(orthanc_config: types.ModuleType, available: Path, env: dict[str, str],
                      message: str) -> None:
    with pytest.raises(orthanc_config.ConfigError, match=message):
        plugins(orthanc_config, {}, env, available)


def test_a_plugin_missing_from_the_image(orthanc_config: types.ModuleType, tmp_path: Path) -> None:
    with pytest.raises(orthanc_config.ConfigError, match="Worklists plugin is enabled .* has no"):
        plugins(orthanc_config, {}, {"WORKLISTS_PLUGIN_ENABLED": "true"}, tmp_path)


def test_masked_configuration(orthanc_config: types.ModuleType) -> None:
    shown = orthanc_config.masked({"RegisteredUsers": {"a": "pw"}, "PostgreSQL": {"Password": "x",
                                   "Host": "db"}, "Name": "n"})
    assert shown == {"RegisteredUsers": {"a": "***"}, "PostgreSQL": {"Password": "***", "Host": "db"},
                     "Name": "n"}


# ---------------------------------------------------------------- start-up variables

@pytest.mark.parametrize("env, options", [
    ({}, []),
    ({"VERBOSE_ENABLED": "true"}, ["--verbose"]),
    ({"VERBOSE_ENABLED": "true", "TRACE_ENABLED": "true"}, ["--trace"]),
    ({"VERBOSE_ENABLED": "false", "NO_JOBS": "true"}, ["--no-jobs"]),
    ({"LOGDIR": "/tmp"}, ["--logdir=/tmp"]),
    ({"LOGFILE": "/tmp/orthanc.log"}, ["--logfile=/tmp/orthanc.log"]),
])
def test_orthanc_options(entrypoint: types.ModuleType, env: dict[str, str], options: list[str]) -> None:
    assert entrypoint.orthanc_options(env)[0] == options


@pytest.mark.parametrize("env, message", [
    ({"VERBOSE_ENABLED": "on"}, "VERBOSE_ENABLED must be true or false"),
    ({"LOGDIR": "{blocker}/logs"}, "LOGDIR .*/logs is not writable"),
    ({"LOGFILE": "{blocker}/orthanc.log"}, "LOGFILE .*/orthanc.log: its folder is not writable"),
])
def test_bad_orthanc_options(entrypoint: types.ModuleType, tmp_path: Path, env: dict[str, str],
                             message: str) -> None:
    blocker = tmp_path / "a-file"  # not a folder: nothing can be made below it, even as root
    blocker.write_text("")
    env = {k: v.replace("{blocker}", str(blocker)) for k, v in env.items()}
    with pytest.raises(entrypoint.ConfigError, match=message):
        entrypoint.orthanc_options(env)


def test_program_with_the_conventions(tmp_path: Path) -> None:
    marker = tmp_path / "before.txt"
    hook = tmp_path / "before.sh"
    hook.write_text(f"#!/bin/sh\necho ran > {marker}\n")
    hook.chmod(0o755)
    done = run_entrypoint(tmp_path, [str(tmp_path)], {
        "VERBOSE_ENABLED": "true", "VERBOSE_STARTUP": "true",
        "BEFORE_ORTHANC_STARTUP_SCRIPT": str(hook),
        "ORTHANC__POSTGRESQL__HOST": "db", "ORTHANC__POSTGRESQL__PASSWORD": "hidden",
        "ORTHANC__NAME": "a", "ORTHANC_JSON": '{"Name": "b"}',
    })
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "ran\n"
    assert '"--verbose"' in done.stdout
    assert "warning: Name set by ORTHANC_JSON is overridden by ORTHANC__NAME" in done.stderr
    assert "PostgreSQL plugin enabled by the PostgreSQL section" in done.stderr
    assert '"Password": "***"' in done.stderr and "hidden" not in done.stderr
    written = json.loads((tmp_path / "out" / "orthanc.json").read_text())
    assert written["PostgreSQL"]["Password"] == "hidden"
    assert written["Plugins"][-1].endswith("libOrthancPostgreSQLStorage.so")


@pytest.mark.parametrize("env, message", [
    ({"BEFORE_ORTHANC_STARTUP_SCRIPT": "/bin/false"}, "BEFORE_ORTHANC_STARTUP_SCRIPT (/bin/false) failed with exit code 1"),
    ({"BEFORE_ORTHANC_STARTUP_SCRIPT": "/nowhere.sh"}, "BEFORE_ORTHANC_STARTUP_SCRIPT: /nowhere.sh does not exist"),
    ({"ORTHANC__POSTGRESQL__PORT": "5432"}, "PostgreSQL.Host is not set"),
    ({"PYTHON_REQUIREMENTS_AT_STARTUP": "true"}, "PYTHON_REQUIREMENTS_AT_STARTUP=true, but no Python script"),
    ({"PYTHON_REQUIREMENTS_AT_STARTUP": "/nowhere/requirements.txt"}, "/nowhere/requirements.txt does not exist"),
    ({"PYTHON_REQUIREMENTS_AT_STARTUP": "sometimes"}, "PYTHON_REQUIREMENTS_AT_STARTUP must be true or false"),
    ({"VERBOSE_STARTUP": "loud"}, "VERBOSE_STARTUP must be true or false"),
    ({"ORTHANC_JSON": '{"Name": "${UNSET_VARIABLE_X}"}'}, "ORTHANC_JSON uses ${UNSET_VARIABLE_X}"),
    ({"ORTHANC__NAME_SECRET": "missing"}, "ORTHANC__NAME_SECRET names"),
    ({"PYTHON_PLUGIN_ENABLED": "1x"}, "PYTHON_PLUGIN_ENABLED must be true or false"),
])
def test_new_mistakes_are_one_line_and_code_78(tmp_path: Path, env: dict[str, str], message: str) -> None:
    done = run_entrypoint(tmp_path, [str(tmp_path)], env)
    assert done.returncode == 78, done.stderr
    assert done.stdout == ""
    errors = [ln for ln in done.stderr.splitlines() if "error" in ln]
    assert len(errors) == 1 and errors[0].startswith("orthanc-python: error: "), done.stderr
    assert message in errors[0]


def test_requirements_installed_at_startup_and_reused(tmp_path: Path) -> None:
    """A requirements.txt with no requirement: the venv is made, then reused."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "main.py").write_text("print(1)\n")
    (scripts / "requirements.txt").write_text("# nothing to install\n")
    env = {"PYTHON_REQUIREMENTS_AT_STARTUP": "true", "PIP_NO_INDEX": "1"}
    first = run_entrypoint(tmp_path, [str(tmp_path / "scripts")], env)
    assert first.returncode == 0, first.stderr
    venv = json.loads((tmp_path / "out" / "orthanc.json").read_text())["Python"]["VirtualEnv"]
    assert venv.startswith(str(tmp_path / "cache" / "venv-py"))
    assert (Path(venv) / "pyvenv.cfg").exists()
    second = run_entrypoint(tmp_path, [str(tmp_path / "scripts")], env)
    assert "already installed" in second.stderr
    assert subprocess.run([str(Path(venv) / "bin" / "python"), "-c", "import sys"],
                          check=False).returncode == 0


def test_orthanc_version_from_dpkg(entrypoint: types.ModuleType, tmp_path: Path) -> None:
    status = tmp_path / "status"
    status.write_text("Package: orthanc-dev\nVersion: 9.9\n\nPackage: orthanc\nStatus: install ok\n"
                      "Version: 1.13.0+dfsg-2\n\n")
    assert entrypoint.orthanc_version(str(status)) == (1, 13, 0)
    assert entrypoint.orthanc_version(str(tmp_path / "none")) == ()


@pytest.mark.parametrize("config, version, fails", [
    ({"RemoteAccessAllowed": True}, (1, 13, 0), True),
    ({"RemoteAccessAllowed": True}, (1, 12, 7), False),
    ({"RemoteAccessAllowed": True, "RegisteredUsers": {"a": "b"}}, (1, 13, 0), False),
    ({"RemoteAccessAllowed": True, "AuthenticationEnabled": False}, (1, 13, 0), False),
    ({"RemoteAccessAllowed": False}, (1, 13, 0), False),
])
def test_orthanc_1_13_needs_a_user(entrypoint: types.ModuleType, config: dict, version: tuple,
                                   fails: bool) -> None:
    if fails:
        with pytest.raises(entrypoint.ConfigError, match="set ORTHANC_PASSWORD"):
            entrypoint.check_users(config, version)
    else:
        entrypoint.check_users(config, version)
