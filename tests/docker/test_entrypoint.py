"""docker/entrypoint.py and docker/orthanc_config.py outside Docker: configuration from files and
environment variables, the /scripts convention, and its errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import types
from pathlib import Path

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[2] / "docker" / "entrypoint.py"


@pytest.mark.parametrize("name, path", [
    ("ORTHANC__PYTHON_SCRIPT", ["PythonScript"]),
    ("ORTHANC__PYTHON__ALLOW_THREADS", ["Python", "AllowThreads"]),
    ("ORTHANC__REGISTERED_USERS", ["RegisteredUsers"]),
    ("ORTHANC__DICOM_WEB__ENABLE", ["DicomWeb", "Enable"]),
    ("ORTHANC__DICOM_AET", ["DicomAet"]),
    ("ORTHANC__HttpsCACertificates", ["HttpsCACertificates"]),  # kept as written
])
def test_variable_names_become_option_paths(orthanc_config: types.ModuleType, name: str,
                                            path: list[str]) -> None:
    assert orthanc_config.env_option_path(name) == path


@pytest.mark.parametrize("name", ["ORTHANC__", "ORTHANC__PYTHON___X", "ORTHANC__PYTHON__",
                                  "ORTHANC__A____B"])
def test_malformed_variable_names_are_refused(entrypoint: types.ModuleType, orthanc_config: types.ModuleType, name: str) -> None:
    with pytest.raises(entrypoint.ConfigError, match=name):
        orthanc_config.env_option_path(name)


@pytest.mark.parametrize("raw, value", [
    ("true", True), ("8042", 8042), ("null", None), ("1.5", 1.5),
    ('{"alice": "x"}', {"alice": "x"}), ("[1, 2]", [1, 2]), ('"0042"', "0042"),
    ("/scripts/x.py", "/scripts/x.py"), ("ORTHANC", "ORTHANC"), ("0042", "0042"), ("", ""),
])
def test_values_are_json_when_they_parse(orthanc_config: types.ModuleType, raw: str,
                                         value: object) -> None:
    assert orthanc_config.parse_env_value("ORTHANC__X", raw) == value


@pytest.mark.parametrize("raw", ['{"alice": ', "[1, 2", '"unterminated', "  {bad}"])
def test_values_that_look_like_json_must_be_json(entrypoint: types.ModuleType, orthanc_config: types.ModuleType, raw: str) -> None:
    with pytest.raises(entrypoint.ConfigError, match=r"ORTHANC__X is not valid JSON"):
        orthanc_config.parse_env_value("ORTHANC__X", raw)


def test_comments_are_stripped_outside_strings(orthanc_config: types.ModuleType) -> None:
    text = """{
      // a line comment
      "Url": "http://host//path", /* a block
      comment */ "Quote": "a \\" // not a comment",
      "Star": "/* kept */"
    }"""
    stripped = orthanc_config.strip_comments(text)
    assert json.loads(stripped) == {"Url": "http://host//path", "Quote": 'a " // not a comment',
                                    "Star": "/* kept */"}
    assert stripped.count("\n") == text.count("\n")  # error positions keep their line


def test_files_then_environment_win_and_objects_merge(orthanc_config: types.ModuleType,
                                                      tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"Name": "a", "Python": {"Verbose": true}, "HttpPort": 1}')
    (tmp_path / "b.json").write_text('{"Name": "b" /* later file wins */}')
    (tmp_path / "ignored.txt").write_text("not json")
    config, origins = orthanc_config.gather([str(tmp_path)], {
        "ORTHANC__PYTHON__ALLOW_THREADS": "false",
        "ORTHANC__HTTP_PORT": "8043",
        "ORTHANC_JSON": '{"HttpPort": 2, "DicomAet": "FROMJSON"}',
        "UNRELATED": "x",
    })
    assert config["Name"] == "b"
    assert config["Python"] == {"Verbose": True, "AllowThreads": False}
    assert config["HttpPort"] == 8043  # ORTHANC__ over ORTHANC_JSON over files
    assert config["DicomAet"] == "FROMJSON"
    assert config["StorageDirectory"] == "/var/lib/orthanc/db"  # image default
    assert origins.sources["Name"] == str(tmp_path / "b.json")
    assert origins.sources["HttpPort"] == "ORTHANC__HTTP_PORT"


def test_deeper_variables_refine_shallower_ones(orthanc_config: types.ModuleType) -> None:
    config, _ = orthanc_config.gather([], {"ORTHANC__PYTHON__VERBOSE": "true",
                                       "ORTHANC__PYTHON": '{"AllowThreads": false}'})
    assert config["Python"] == {"AllowThreads": False, "Verbose": True}


def test_relative_paths_start_from_the_file_that_sets_them(orthanc_config: types.ModuleType,
                                                           tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({
        "PythonScript": "hello.py", "Plugins": ["plugins", "/abs"], "Python": {"Path": "p.py"}}))
    config, _ = orthanc_config.gather([str(tmp_path / "c.json")], {"ORTHANC__STORAGE_DIRECTORY": "db"})
    assert config["PythonScript"] == str(tmp_path / "hello.py")
    assert config["Plugins"] == [str(tmp_path / "plugins"), "/abs"]
    assert config["Python"]["Path"] == str(tmp_path / "p.py")
    assert config["StorageDirectory"] == "/etc/orthanc/db"


def test_missing_config_file_is_an_error(entrypoint: types.ModuleType, orthanc_config: types.ModuleType, tmp_path: Path) -> None:
    with pytest.raises(entrypoint.ConfigError, match="missing.json does not exist"):
        orthanc_config.config_files([str(tmp_path / "missing.json")])


def test_folder_named_like_a_json_file_is_an_error(entrypoint: types.ModuleType, orthanc_config: types.ModuleType,
                                                   tmp_path: Path) -> None:
    (tmp_path / "orthanc.json").mkdir()  # what docker -v does with a missing host file
    for argument in (tmp_path, tmp_path / "orthanc.json"):
        with pytest.raises(entrypoint.ConfigError, match="is a folder, not a file"):
            orthanc_config.config_files([str(argument)])


def test_invalid_json_file_names_file_and_line(entrypoint: types.ModuleType, orthanc_config: types.ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "A": 1,\n  "B": ,\n}')
    with pytest.raises(entrypoint.ConfigError, match=r"bad.json is not valid JSON: .*line 3"):
        orthanc_config.load_file(path)
    path.write_text("[1, 2]")
    with pytest.raises(entrypoint.ConfigError, match="must hold a JSON object"):
        orthanc_config.load_file(path)


def _scripts(folder: Path, *names: str) -> str:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text("print('x')\n")
    return str(folder)


def test_the_only_script_of_the_folder_is_used(entrypoint: types.ModuleType, tmp_path: Path) -> None:
    folder = _scripts(tmp_path / "scripts", "main.py", "readme.txt", ".hidden.py")
    config: dict[str, object] = {}
    note = entrypoint.choose_script(config, entrypoint.Origins(), folder)
    assert config["PythonScript"] == str(tmp_path / "scripts" / "main.py")
    assert "the only *.py" in note


def test_several_scripts_need_a_choice(entrypoint: types.ModuleType, tmp_path: Path) -> None:
    folder = _scripts(tmp_path / "scripts", "a.py", "b.py")
    with pytest.raises(entrypoint.ConfigError, match=r"several scripts \(a.py, b.py\)"):
        entrypoint.choose_script({}, entrypoint.Origins(), folder)
    config = {"Python": {"Path": "/elsewhere/c.py"}}  # a configured script wins
    assert entrypoint.choose_script(config, entrypoint.Origins(), folder) is None
    assert "PythonScript" not in config


def test_no_script_at_all_is_fine(entrypoint: types.ModuleType, tmp_path: Path) -> None:
    config: dict[str, object] = {}
    assert entrypoint.choose_script(config, {}, _scripts(tmp_path / "empty")) is None
    entrypoint.check(config, entrypoint.Origins())
    assert config == {}


def test_missing_script_names_the_source(entrypoint: types.ModuleType, orthanc_config: types.ModuleType, tmp_path: Path) -> None:
    config, origins = orthanc_config.gather([], {"ORTHANC__PYTHON__PATH": str(tmp_path / "gone.py")})
    with pytest.raises(entrypoint.ConfigError,
                       match=r"gone.py does not exist \(Python.Path, set by ORTHANC__PYTHON__PATH\)"):
        entrypoint.check(config, origins)


def test_script_that_is_a_folder_is_an_error(entrypoint: types.ModuleType, tmp_path: Path) -> None:
    with pytest.raises(entrypoint.ConfigError, match="is not a file"):
        entrypoint.check({"PythonScript": str(tmp_path)}, entrypoint.Origins())


def test_storage_that_cannot_be_created_is_an_error(entrypoint: types.ModuleType,
                                                    tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(entrypoint.ConfigError, match="StorageDirectory .* is not writable"):
        entrypoint.check({"StorageDirectory": str(blocker / "db")}, entrypoint.Origins())
    entrypoint.check({"StorageDirectory": str(tmp_path / "new" / "db")}, entrypoint.Origins())  # can be created


# ---------------------------------------------------------------- as a program

FAKE_ORTHANC = """#!{python}
import json, sys
print("FAKE ORTHANC", json.dumps(sys.argv[1:]))
print("CONFIG", open(sys.argv[-1]).read().replace("\\n", " "))
"""


def run_entrypoint(tmp_path: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "Orthanc"
    fake.write_text(FAKE_ORTHANC.format(python=sys.executable))
    fake.chmod(0o755)
    scripts = tmp_path / "scripts"
    scripts.mkdir(exist_ok=True)
    available = tmp_path / "plugins-available"
    available.mkdir(exist_ok=True)
    for library in ("libOrthancPython.so", "libOrthancPostgreSQLIndex.so",
                    "libOrthancPostgreSQLStorage.so"):
        (available / library).write_text("")
    base = {"PATH": os.environ.get("PATH", ""), "ORTHANC_PYTHON_ORTHANC": str(fake),
            "ORTHANC_PYTHON_GENERATED": str(tmp_path / "out" / "orthanc.json"),
            "ORTHANC_PYTHON_SCRIPTS_DIR": str(scripts),
            "ORTHANC_PYTHON_SECRETS_DIR": str(tmp_path / "secrets"),
            "ORTHANC_PYTHON_PLUGINS_AVAILABLE": str(available),
            "ORTHANC_PYTHON_CACHE": str(tmp_path / "cache")}
    return subprocess.run([sys.executable, "-I", str(ENTRYPOINT), *args], env={**base, **env},
                          capture_output=True, text=True, timeout=30, check=False)


def test_program_execs_orthanc_with_the_generated_file(tmp_path: Path) -> None:
    config_dir = tmp_path / "etc"
    config_dir.mkdir()
    (config_dir / "orthanc.json").write_text('{"Name": "from file"}')
    done = run_entrypoint(tmp_path, ["--verbose", str(config_dir)],
                          {"ORTHANC__REGISTERED_USERS": '{"u": "p"}'})
    assert done.returncode == 0, done.stderr
    generated = tmp_path / "out" / "orthanc.json"
    assert f'FAKE ORTHANC ["--verbose", "{generated}"]' in done.stdout
    written = json.loads(generated.read_text())
    assert (written["Name"], written["RegisteredUsers"]) == ("from file", {"u": "p"})
    assert stat.S_IMODE(generated.stat().st_mode) == 0o600  # it holds passwords
    assert "orthanc-python: configuration from" in done.stderr


@pytest.mark.parametrize("args, env, message", [
    ([], {"ORTHANC__PYTHON_SCRIPT": "/nowhere/x.py"}, "the Python script /nowhere/x.py does not exist"),
    ([], {"ORTHANC__REGISTERED_USERS": "{oops"}, "ORTHANC__REGISTERED_USERS is not valid JSON"),
    (["/nowhere/orthanc.json"], {}, "configuration file /nowhere/orthanc.json does not exist"),
])
def test_program_errors_are_one_line_and_code_78(tmp_path: Path, args: list[str],
                                                 env: dict[str, str], message: str) -> None:
    done = run_entrypoint(tmp_path, args or [str(tmp_path)], env)
    assert done.returncode == 78
    assert done.stdout == ""  # Orthanc was not started
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("orthanc-python: error: ")
    assert message in lines[0]


def test_program_runs_a_command_instead_of_orthanc(tmp_path: Path) -> None:
    done = run_entrypoint(tmp_path, ["echo", "hello from a command"], {})
    assert (done.returncode, done.stdout) == (0, "hello from a command\n")
