"""The image matrix and its names: which Debian suites get an image, the tags,
the Dockerfile's build arguments and the paths of what is built."""

from __future__ import annotations

import re
from pathlib import Path

from ..roots import Suite

IMAGE_REPOSITORY = "orthanc-python"
EXAMPLE_REPOSITORY = "orthanc-python-pydicom-example"
POSTGRESQL_REPOSITORY = "orthanc-python-test-postgresql"
DOCKERFILE = Path("docker") / "Dockerfile"
EXAMPLE_DIR = Path("docker") / "examples" / "pydicom"
POSTGRESQL_DIR = Path("tests") / "docker" / "postgresql"
# docker/Dockerfile.dockerignore is an allow-list of what the Dockerfile
# copies (see context.py).
DOCKERIGNORE = Path("docker") / "Dockerfile.dockerignore"
# The "script layer": the image's own Python scripts, copied last.
SCRIPT_LAYER_FILE = "docker/entrypoint.py"
EXAMPLE_SCRIPT_FILE = "decode.py"

BUILD_JOBS = "2"  # compile jobs in the builder stage: these machines are shared

# The image matrix: the first is the default tag (also :latest), tested in
# full; the others get the smoke subset (pytest -m smoke).
IMAGE_SUITES: tuple[str, ...] = ("trixie", "forky", "bookworm")
# The PostgreSQL server of the two-node test: the default suite's postgresql.
POSTGRESQL_SUITE = IMAGE_SUITES[0]


def image_tag(
    version: str, python_minor: str, suite: str, repository: str = IMAGE_REPOSITORY
) -> str:
    """orthanc-python:<plugin version>-py<X.Y>-<Debian suite>."""
    return f"{repository}:{version}-py{python_minor}-{suite}"


def base_image(suite: Suite) -> str:
    return f"debian:{suite.name}-slim"


def build_args(suite: Suite, version: str) -> dict[str, str]:
    """What the Dockerfile needs to build for `suite`."""
    return {
        "BASE_IMAGE": base_image(suite),
        "PYTHON_VERSION": suite.python,
        "PLUGIN_VERSION": version,
        "BUILD_JOBS": BUILD_JOBS,
    }


_ARG_RE = re.compile(r"^\s*ARG\s+(\w+)=(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_FROM_RE = re.compile(r"^\s*FROM\s+(\S+)", re.IGNORECASE | re.MULTILINE)


def dockerfile_base_image(text: str) -> str:
    """The image the first FROM names, with ${ARG} defaults filled in (the
    base image a plain `docker build` of the Dockerfile uses)."""
    defaults = dict(_ARG_RE.findall(text))
    match = _FROM_RE.search(text)
    if match is None:
        raise ValueError("the Dockerfile has no FROM line")

    def fill(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name not in defaults:
            raise ValueError(f"FROM uses ${{{name}}}, which has no ARG default")
        return defaults[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", fill, match.group(1))

