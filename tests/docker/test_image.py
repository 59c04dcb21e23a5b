"""The image, run as the Orthanc Book shows and as users of the official images expect: real
containers of ORTHANC_DOCKER_IMAGE (built by `nox -s docker`)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import containers
import pytest
from containers import RunContainer
from orthanc_packaging.dicom_factory import make_dataset, to_bytes

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"  # the Orthanc Book samples
# The seed's /tmp/orthanc.json, as printed there.
SEED_CONFIG = """{
  "StorageDirectory" : "/var/lib/orthanc/db",
  "RemoteAccessAllowed" : true,
  "Plugins" : [
    "/usr/local/share/orthanc/plugins"
  ],
  "PythonScript" : "/etc/orthanc/hello.py"
}
"""
EXIT_CONFIG = 78
STOP_LIMIT_SECONDS = 8.0  # Docker kills after 10 s (exit 137); Orthanc alone takes ~3 s

# Reports what the plugin's process sees, for the environment tests.
INSPECT_SCRIPT = """\
import json
import os
import orthanc

def Inspect(output, uri, **request):
    config = json.loads(orthanc.GetConfiguration())
    output.AnswerBuffer(json.dumps({
        'uid': os.getuid(), 'euid': os.geteuid(),
        'Python': config.get('Python'), 'RegisteredUsers': config.get('RegisteredUsers'),
        'StorageDirectory': config.get('StorageDirectory'),
    }), 'application/json')

orthanc.RegisterRestCallback('/inspect', Inspect)
print('inspect script loaded')
"""

CHANGES_SCRIPT = """\
import orthanc

def OnChange(changeType, level, resource):
    if changeType == orthanc.ChangeType.NEW_INSTANCE:
        print('change event: new instance %s' % resource)
    elif changeType == orthanc.ChangeType.ORTHANC_STOPPED:
        print('change event: Orthanc stopped')

orthanc.RegisterOnChangeCallback(OnChange)
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    path.chmod(0o644)
    return path


def seed_files(folder: Path, script: str, config: str = SEED_CONFIG) -> dict[str, str]:
    """The seed's two -v mounts: orthanc.json and hello.py in /etc/orthanc."""
    return {"/etc/orthanc/orthanc.json": str(write(folder, "orthanc.json", config)),
            "/etc/orthanc/hello.py": str(write(folder, "hello.py", script))}


# ------------------------------------------------------------- the seed

@pytest.mark.smoke
def test_seed_hello_world(image: str, run_container: RunContainer, shared_dir: Path) -> None:
    c = run_container(image, files=seed_files(shared_dir, (SCRIPTS / "hello_world.py").read_text()))
    logs = c.wait_for_log("Hello world!")
    assert "Registering plugin 'python'" in logs
    answer = c.request("/plugins/python")
    assert answer.status == 200
    assert answer.json()["Version"] == os.environ.get("ORTHANC_DOCKER_PLUGIN_VERSION",
                                                      answer.json()["Version"])
    # The seed's configuration leaves authentication to Orthanc: locked.
    assert c.request("/system", auth=None).status == 401


def test_seed_rest_callbacks(image: str, run_container: RunContainer, shared_dir: Path) -> None:
    c = run_container(image, files=seed_files(shared_dir, (SCRIPTS / "rest_callbacks.py").read_text()))
    for route in ("/tata", "/toto"):
        answer = c.request(route)
        assert (answer.status, answer.text) == (200, "ok\n")
    c.wait_for_log("Accessing uri: /tata")
    assert c.request("/titi").status == 404


@pytest.mark.smoke
def test_upload_triggers_on_stored_instance(image: str, run_container: RunContainer,
                                            shared_dir: Path) -> None:
    c = run_container(image, files=seed_files(shared_dir, (SCRIPTS / "stored_instance.py").read_text()))
    instance = c.upload(to_bytes(make_dataset(patient_id="DOCKERPATIENT")))
    logs = c.wait_for_log(f"Received instance {instance} of size ")
    assert "This instance was received through the REST API" in logs
    assert "'PatientID': 'DOCKERPATIENT'" in logs


# ------------------------------------------------------------- environment

@pytest.mark.smoke
def test_environment_configuration(image: str, run_container: RunContainer, shared_dir: Path) -> None:
    write(shared_dir, "inspect_config.py", INSPECT_SCRIPT)
    write(shared_dir, "other.py", "raise SystemExit('not this one')\n")
    c = run_container(image, files={"/scripts": str(shared_dir)}, env={
        # Two .py in /scripts: the variable chooses.
        "ORTHANC__PYTHON_SCRIPT": "/scripts/inspect_config.py",
        "ORTHANC__REGISTERED_USERS": '{"alice": "wonder land"}',
        "ORTHANC__AUTHENTICATION_ENABLED": "true",
        "ORTHANC__PYTHON__ALLOW_THREADS": "false",
        "ORTHANC__NAME": "configured by env",
        "ORTHANC__DICOM_AET": "ENVAET",
    })
    c.wait_for_log("inspect script loaded")
    alice = ("alice", "wonder land")
    assert c.request("/system", auth=None).status == 401
    assert c.request("/system", auth=containers.DEFAULT_AUTH).status == 401
    system = c.request("/system", auth=alice).json()
    assert (system["Name"], system["DicomAet"]) == ("configured by env", "ENVAET")
    seen = c.request("/inspect", auth=alice).json()
    assert seen["RegisteredUsers"] == {"alice": "wonder land"}  # JSON, not a string
    assert seen["Python"] == {"AllowThreads": False}
    assert seen["StorageDirectory"] == "/var/lib/orthanc/db"


def test_single_script_in_scripts_folder_runs(image: str, run_container: RunContainer,
                                              shared_dir: Path) -> None:
    write(shared_dir, "only.py", "print('the only script of /scripts runs')\n")
    write(shared_dir, "notes.txt", "not a script\n")
    c = run_container(image, files={"/scripts": str(shared_dir)})
    logs = c.wait_for_log("the only script of /scripts runs")
    assert "PythonScript is /scripts/only.py" in logs


def test_orthanc_does_not_run_as_root(image: str, run_container: RunContainer,
                                      shared_dir: Path) -> None:
    c = run_container(image, files=seed_files(shared_dir, INSPECT_SCRIPT))
    seen = c.request("/inspect").json()
    assert seen["uid"] != 0 and seen["euid"] != 0
    # Every process of the container (tini, Orthanc) has the same non-root uid.
    status = containers.docker("exec", c.id, "sh", "-c", "cat /proc/[0-9]*/status").stdout
    uids = {line.split()[1] for line in status.splitlines() if line.startswith("Uid:")}
    assert uids and "0" not in uids


def test_healthcheck_reports_healthy(image: str, run_container: RunContainer) -> None:
    c = run_container(image, options=["--health-interval", "1s", "--health-start-period", "1s"])
    deadline = time.monotonic() + 30
    while (health := c.inspect()["State"]["Health"])["Status"] != "healthy":
        assert time.monotonic() < deadline, f"not healthy after 30 s: {health}"
        time.sleep(0.5)
    assert health["Log"][-1]["ExitCode"] == 0
    assert "answers" in health["Log"][-1]["Output"]


@pytest.mark.smoke
def test_docker_stop_is_clean_and_quick(image: str, run_container: RunContainer,
                                        shared_dir: Path) -> None:
    c = run_container(image, files=seed_files(shared_dir, CHANGES_SCRIPT))
    instance = c.upload(to_bytes(make_dataset()))
    seconds = c.stop()  # SIGTERM right after the upload: the change is still queued
    state = c.inspect()["State"]
    logs = c.logs()
    assert seconds < STOP_LIMIT_SECONDS, f"docker stop took {seconds:.1f}s"
    assert (state["ExitCode"], state["OOMKilled"]) == (0, False)
    assert f"change event: new instance {instance}" in logs
    assert "change event: Orthanc stopped" in logs
    assert "Orthanc has stopped" in logs


@pytest.fixture
def named_volume() -> Iterator[str]:
    name = containers.unique_name("orthanc-python-test-db")
    containers.docker("volume", "create", name)
    yield name
    # Containers still using it first (they are the test's own).
    users = containers.docker("ps", "-aq", "--filter", f"volume={name}").stdout.split()
    if users:
        containers.docker("rm", "-f", *users, check=False)
    containers.docker("volume", "rm", "-f", name, check=False)


def test_database_is_kept_in_the_volume(image: str, run_container: RunContainer,
                                        named_volume: str) -> None:
    volumes = json.loads(containers.docker("image", "inspect", image).stdout)[0]["Config"]["Volumes"]
    assert "/var/lib/orthanc/db" in volumes
    first = run_container(image, options=["-v", f"{named_volume}:/var/lib/orthanc/db"])
    instance = first.upload(to_bytes(make_dataset()))
    first.stop()
    first.remove()
    second = run_container(image, options=["-v", f"{named_volume}:/var/lib/orthanc/db"])
    assert second.request("/instances").json() == [instance]


# ------------------------------------------------------------- bad input

def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("orthanc-python: error:")]


def assert_one_clear_error(done: object, *expected: str) -> str:
    assert isinstance(done, containers.subprocess.CompletedProcess)
    output = done.stdout + done.stderr
    assert done.returncode == EXIT_CONFIG, f"exit code {done.returncode}:\n{output}"
    errors = error_lines(output)
    assert len(errors) == 1, output
    for text in expected:
        assert text in errors[0], errors[0]
    assert "Traceback" not in output
    assert "Orthanc version" not in output  # stopped before Orthanc started
    return errors[0]


@pytest.mark.smoke
def test_missing_script_is_one_clear_error(image: str) -> None:
    done = containers.run_to_exit(image, env={"ORTHANC__PYTHON_SCRIPT": "/scripts/missing.py"})
    assert_one_clear_error(done, "/scripts/missing.py does not exist", "ORTHANC__PYTHON_SCRIPT")


def test_invalid_json_in_environment_is_one_clear_error(image: str) -> None:
    done = containers.run_to_exit(image, env={"ORTHANC__REGISTERED_USERS": '{"alice": '})
    assert_one_clear_error(done, "ORTHANC__REGISTERED_USERS is not valid JSON")


def test_missing_host_config_file_is_one_clear_error(image: str, shared_dir: Path) -> None:
    # -v of a host file that does not exist: Docker mounts a new empty folder.
    done = containers.run_to_exit(
        image, files={"/etc/orthanc/orthanc.json": str(shared_dir / "no-such-file.json")})
    assert_one_clear_error(done, "/etc/orthanc/orthanc.json is a folder", "does not exist")


def test_missing_config_argument_is_one_clear_error(image: str) -> None:
    done = containers.run_to_exit(image, args=["/etc/orthanc/custom.json"])
    assert_one_clear_error(done, "configuration file /etc/orthanc/custom.json does not exist")


@pytest.mark.parametrize("config, expected", [
    ('{"HttpPort": 8042,, }', "/etc/orthanc/orthanc.json is not valid JSON"),
    ('{"PythonScript": "/etc/orthanc/hello.py"} // hello.py is not mounted',
     "/etc/orthanc/hello.py does not exist"),
])
def test_bad_config_file_is_one_clear_error(image: str, shared_dir: Path, config: str,
                                            expected: str) -> None:
    files = {"/etc/orthanc/orthanc.json": str(write(shared_dir, "orthanc.json", config))}
    assert_one_clear_error(containers.run_to_exit(image, files=files), expected)


@pytest.mark.smoke
def test_tag_and_label_carry_the_plugin_version(image: str) -> None:
    version = os.environ.get("ORTHANC_DOCKER_PLUGIN_VERSION")
    if not version:
        pytest.skip("ORTHANC_DOCKER_PLUGIN_VERSION is not set (nox -s docker sets it)")
    labels = json.loads(containers.docker("image", "inspect", image).stdout)[0]["Config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == version
    python, suite = os.environ.get("ORTHANC_DOCKER_PYTHON"), os.environ.get("ORTHANC_DOCKER_SUITE")
    assert image.endswith(f":{version}-py{python}-{suite}")
