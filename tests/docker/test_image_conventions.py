"""The orthancteam/orthanc images' conventions, in real containers of
ORTHANC_DOCKER_IMAGE: plugin enabling, secrets, start-up variables, the
fixed user, pip and the requirements installed at start-up."""

from __future__ import annotations

import json
import os
from pathlib import Path

import containers
import pytest
from containers import RunContainer
from test_image import assert_one_clear_error, write

USERS = '{"orthanc": "orthanc"}'  # Orthanc 1.13 has no default user any more


def plugins_loaded(c: containers.Container) -> list[str]:
    return list(c.request("/plugins").json())


@pytest.mark.smoke
def test_python_plugin_enabled_by_a_script_or_the_variable(image: str, run_container: RunContainer,
                                                           shared_dir: Path) -> None:
    idle = run_container(image, env={"ORTHANC__REGISTERED_USERS": USERS})
    assert "python" not in plugins_loaded(idle)  # no script, no variable: as the official images
    enabled = run_container(image, env={"ORTHANC__REGISTERED_USERS": USERS,
                                        "PYTHON_PLUGIN_ENABLED": "true"})
    assert "python" in plugins_loaded(enabled)
    write(shared_dir, "only.py", "print('script of /scripts')\n")
    disabled = run_container(image, files={"/scripts": str(shared_dir)},
                             env={"ORTHANC__REGISTERED_USERS": USERS, "PYTHON_PLUGIN_ENABLED": "false"})
    assert "python" not in plugins_loaded(disabled)


def test_secrets_verbosity_and_final_configuration(image: str, run_container: RunContainer,
                                                   shared_dir: Path) -> None:
    write(shared_dir, "name", "from a secret\n")
    write(shared_dir, "users.json", '{"RegisteredUsers": {"orthanc": "orthanc", "eve": "s3cr3t"}}')
    c = run_container(image, files={"/run/secrets": str(shared_dir)}, env={
        "ORTHANC__NAME_SECRET": "name", "VERBOSE_ENABLED": "true", "VERBOSE_STARTUP": "true",
        "ORTHANC_JSON": '{"DicomAet": "${AET:-SUBSTAET}"} // a comment',
    })
    assert c.request("/system").json()["Name"] == "from a secret"
    assert c.request("/system").json()["DicomAet"] == "SUBSTAET"
    assert c.request("/system", auth=("eve", "s3cr3t")).status == 200
    logs = c.logs()
    assert "--verbose" in logs and "final configuration (secrets masked)" in logs
    assert "s3cr3t" not in logs


def test_fixed_user_pip_and_utf8(image: str) -> None:
    done = containers.run_to_exit(image, args=["sh", "-c", "id; pip --version; echo $LANG $PYTHONUTF8"])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("uid=1000(orthanc) gid=1000(orthanc)")
    assert "/opt/orthanc-python/venv/" in lines[1]
    assert lines[2] == "C.UTF-8 1"


def test_orthanc_plugin_folders(image: str, run_container: RunContainer) -> None:
    c = run_container(image, env={"ORTHANC__REGISTERED_USERS": USERS, "VERBOSE_STARTUP": "true"})
    config = json.loads(c.logs().split("final configuration (secrets masked):\n", 1)[1].split("\n}\n")[0] + "\n}")
    assert config["Plugins"][:2] == ["/run/orthanc/plugins", "/usr/share/orthanc/plugins"]
    listing = containers.run_to_exit(image, args=["ls", "/usr/share/orthanc/plugins-available"]).stdout
    for library in ("libOrthancPython.so", "libOrthancPostgreSQLIndex.so", "libServeFolders.so"):
        assert library in listing


@pytest.mark.smoke
def test_new_variables_fail_in_one_line(image: str) -> None:
    for env, text in (({"PYTHON_PLUGIN_ENABLED": "yes"}, "PYTHON_PLUGIN_ENABLED must be true or false"),
                      ({"ORTHANC__NAME_SECRET": "missing"}, "ORTHANC__NAME_SECRET names /run/secrets/missing"),
                      ({"ORTHANC__POSTGRESQL__PORT": "5432"}, "PostgreSQL.Host is not set")):
        assert_one_clear_error(containers.run_to_exit(image, env=env), text)


PYDICOM_SCRIPT = """\
import orthanc, pydicom
print('pydicom %s from %s' % (pydicom.__version__, pydicom.__file__))
"""


def test_requirements_installed_at_startup(image: str, run_container: RunContainer,
                                           shared_dir: Path) -> None:
    wheelhouse = os.environ.get("ORTHANC_DOCKER_WHEELHOUSE", "")
    if not wheelhouse:
        pytest.skip("ORTHANC_DOCKER_WHEELHOUSE is not set (nox -s docker fills it with pydicom)")
    write(shared_dir, "decode.py", PYDICOM_SCRIPT)
    write(shared_dir, "requirements.txt", "pydicom==3.0.2\n")
    volume = containers.unique_name("orthanc-python-test-cache")
    env = {"ORTHANC__REGISTERED_USERS": USERS, "PYTHON_REQUIREMENTS_AT_STARTUP": "true",
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheels"}
    options = ["-v", f"{volume}:/var/cache/orthanc-python"]
    files = {"/scripts": str(shared_dir), "/wheels": wheelhouse}
    try:
        first = run_container(image, files=files, env=env, options=options)
        first.wait_for_log("pydicom 3.0.2 from /var/cache/orthanc-python/venv-py", 60)
        first.remove()
        again = run_container(image, files=files, env=env, options=options)
        logs = again.wait_for_log("pydicom 3.0.2 from /var/cache/orthanc-python/venv-py", 60)
        assert "already installed" in logs
    finally:
        containers.docker("rm", "-f", *[c for c in containers.docker(
            "ps", "-aq", "--filter", f"volume={volume}").stdout.split()], check=False)
        containers.docker("volume", "rm", "-f", volume, check=False)
