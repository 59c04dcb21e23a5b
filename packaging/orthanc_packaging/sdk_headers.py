"""Orthanc's plugin SDK header of a named release, taken from Debian's package pool.

Tests and builds that need one particular SDK (the generator's tests read the
1.10.1 header; the Conan SDK package and the wheels pin it) must not take
whatever /usr/include/orthanc holds: that is 1.10.1 on Debian 12, 1.12.6 on
Debian 13. The orthanc-dev package of the release is downloaded once from the
mirror's pool (which serves every suite's files), checked against its pinned
SHA-256, and its header kept in ~/.cache/orthanc-python/sdk/<version>/orthanc/.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from . import debian_pool

HEADER = "OrthancCPlugin.h"


@dataclass(frozen=True)
class PinnedSdk:
    version: str  # the SDK version the header declares
    package: str  # orthanc-dev's file name in the pool
    package_sha256: str
    header_sha256: str


PINNED: dict[str, PinnedSdk] = {
    "1.10.1": PinnedSdk(
        "1.10.1", "orthanc-dev_1.10.1+dfsg-2+deb12u1_amd64.deb",
        "54fb6c7fb85e048887f68dc946c48b2aa1279e87e13e893110f5c9ed789fa84e",
        "25636a2d6aeed108caa0cb079d944ae77d23857a3b6fd4690fed046ccce6612f",
    ),
}


class SdkHeaderError(debian_pool.PoolError):
    pass


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orthanc-python" / "sdk"


def member_of_ar(archive: bytes, prefix: str) -> tuple[str, bytes]:
    """The first member of a Debian package (an `ar` archive) whose name starts with `prefix`."""
    if not archive.startswith(b"!<arch>\n"):
        raise SdkHeaderError("not a Debian package (no ar header)")
    offset = 8
    while offset + 60 <= len(archive):
        name = archive[offset:offset + 16].decode().strip().rstrip("/")
        size = int(archive[offset + 48:offset + 58].decode().strip())
        start = offset + 60
        if name.startswith(prefix):
            return name, archive[start:start + size]
        offset = start + size + (size % 2)
    raise SdkHeaderError(f"no {prefix}* member in the package")


def header_from_package(package: bytes) -> bytes:
    _, data = member_of_ar(package, "data.tar")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.name.endswith(f"/include/orthanc/{HEADER}"):
                extracted = tar.extractfile(member)
                if extracted is not None:
                    return extracted.read()
    raise SdkHeaderError(f"no include/orthanc/{HEADER} in the package")


def sdk_dir(version: str = "1.10.1", cache: Path | None = None, get: Callable[[str], bytes] = debian_pool.download) -> Path:
    """A folder holding orthanc/OrthancCPlugin.h of SDK `version` (for -DORTHANC_SDK_PATH, -I)."""
    pin = PINNED.get(version)
    if pin is None:
        raise SdkHeaderError(f"no pinned SDK {version}: pinned are {', '.join(PINNED)}")
    folder = (cache or cache_dir()) / version
    header = folder / "orthanc" / HEADER
    if header.is_file() and hashlib.sha256(header.read_bytes()).hexdigest() == pin.header_sha256:
        return folder
    url = debian_pool.pool_url(f"main/o/orthanc/{pin.package}")
    package = debian_pool.fetch_pinned(url, pin.package_sha256, get)
    text = header_from_package(package)
    if hashlib.sha256(text).hexdigest() != pin.header_sha256:
        raise SdkHeaderError(f"{url}: its {HEADER} is not the pinned one")
    header.parent.mkdir(parents=True, exist_ok=True)
    partial = header.with_suffix(".partial")
    partial.write_bytes(text)
    partial.replace(header)
    return folder
