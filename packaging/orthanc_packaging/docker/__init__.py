"""Build and test the Docker images of the plugin (behind ``nox -s docker``).

One image per Debian suite of roots.SUITES that the image matrix names
(trixie, the default tag; forky; bookworm), each built from
``docker/Dockerfile`` by a real dockerd with the suite's Orthanc, SDK and
Python, then tested with real containers (``tests/docker``): the whole
suite on the default tag, a smoke subset on the others. This package makes
that work on a bare Debian machine with no container registry:

* engine: installs Debian's ``docker.io`` when missing (as root only)
  and starts ``dockerd`` in the background when none answers;
* base: makes the base images (``debian:<suite>-slim``) with
  debootstrap when the daemon does not have them, so the Dockerfile stays
  the one that builds unchanged where Docker Hub is reachable;
* mirror: pip inside the builds reaches PyPI through a local wheel
  mirror (containers here cannot verify the proxy's TLS certificates);
* context: the build context, filtered by the .dockerignore rules;
* images: the image matrix, its tags and the Dockerfile's build arguments;
* build: one docker build, and the timed rebuild after a script change;
* measurements: image sizes (the PostgreSQL plugin's layer apart), build
  and rebuild times, and their limits;
* session: the deliverable that runs all of it, then pytest.
"""

from __future__ import annotations

# What the session table and tests/docker use, under the package's name.
from .base import DEBIAN_MIRROR as DEBIAN_MIRROR
from .base import debian_suite as debian_suite
from .base import make_base_image as make_base_image
from .base import slim_rootfs as slim_rootfs
from .build import BuildSpec as BuildSpec
from .context import ContextEntry as ContextEntry
from .context import context_files as context_files
from .context import context_filter as context_filter
from .context import snapshot_context as snapshot_context
from .context import write_context_tar as write_context_tar
from .engine import Docker as Docker
from .engine import DockerSetupError as DockerSetupError
from .engine import missing_packages as missing_packages
from .images import IMAGE_SUITES as IMAGE_SUITES
from .images import build_args as build_args
from .images import dockerfile_base_image as dockerfile_base_image
from .images import image_tag as image_tag
from .measurements import Measurements as Measurements
from .measurements import TagReport as TagReport
from .measurements import check_limits as check_limits
from .measurements import image_matrix as image_matrix
from .mirror import manylinux_platforms as manylinux_platforms
from .mirror import write_simple_index as write_simple_index
from .session import DockerImages as DockerImages
