"""Fixtures of tests/docker.

Unit tests (entrypoint, health check, packaging/orthanc_packaging/docker/)
run anywhere.
The image tests start real containers of the image that `nox -s docker`
built and names in ORTHANC_DOCKER_IMAGE; run alone, they skip without it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from collections.abc import Generator
from pathlib import Path

import containers
import pytest

ROOT = Path(__file__).resolve().parents[2]
ORTHANC_1_13 = tuple(int(n) for n in os.environ.get("ORTHANC_DOCKER_ORTHANC", "0").split(".")) >= (1, 13)
_CONTAINERS_KEY = pytest.StashKey[list[containers.Container]]()


def load_module(name: str, path: Path) -> types.ModuleType:
    """Import a script that is not in a package (docker/*.py: the image runs
    them as plain files)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def orthanc_config() -> types.ModuleType:
    # Under its own name: the entrypoint imports it so.
    return load_module("orthanc_config", ROOT / "docker" / "orthanc_config.py")


@pytest.fixture(scope="session")
def entrypoint(orthanc_config: types.ModuleType) -> types.ModuleType:
    return load_module("orthanc_docker_entrypoint", ROOT / "docker" / "entrypoint.py")


@pytest.fixture(scope="session")
def healthcheck() -> types.ModuleType:
    return load_module("orthanc_docker_healthcheck", ROOT / "docker" / "healthcheck.py")


@pytest.fixture(scope="session")
def docker_tools() -> types.ModuleType:
    from orthanc_packaging import docker

    return docker


def _image_from_env(variable: str) -> str:
    image = os.environ.get(variable, "")
    if not image:
        pytest.skip(f"{variable} is not set: `nox -s docker` builds the image and sets it")
    if not containers.daemon_answers():
        pytest.fail("no Docker daemon answers (`nox -s docker` starts one)", pytrace=False)
    return image


@pytest.fixture(scope="session")
def image() -> str:
    return _image_from_env("ORTHANC_DOCKER_IMAGE")


@pytest.fixture(scope="session")
def example_image() -> str:
    return _image_from_env("ORTHANC_DOCKER_EXAMPLE_IMAGE")


@pytest.fixture
def run_container(request: pytest.FixtureRequest) -> Generator[containers.RunContainer, None, None]:
    """Factory: `docker run -d` with a loopback port for 8042; every container
    is removed at the end of the test, its log shown when the test failed."""
    started = request.node.stash.setdefault(_CONTAINERS_KEY, [])

    def run(image: str, **kwargs: object) -> containers.Container:
        env = dict(kwargs.pop("env", None) or {})  # type: ignore[call-overload]
        if ORTHANC_1_13 and "ORTHANC__REGISTERED_USERS" not in env:
            # Orthanc 1.13 has no default user: the one older ones made.
            env["ORTHANC_PASSWORD"] = containers.DEFAULT_AUTH[1]
        container = containers.start(image, env=env, **kwargs)  # type: ignore[arg-type]
        started.append(container)
        return container

    yield run
    for container in started:
        container.remove()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "smoke: the subset of the image tests also run on the non-default tags (nox -s docker)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and report.when == "call":
        for container in item.stash.get(_CONTAINERS_KEY, []):
            report.sections.append((f"docker logs {container.name}", container.logs()[-8000:]))
    return report


@pytest.fixture
def shared_dir(tmp_path: Path) -> Path:
    """A folder the container's unprivileged user can read (tmp_path is 0700)."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    return folder
