"""Files of Debian's package pool, fetched from the mirror and checked against a pinned SHA-256.

The pool serves every suite's files under one path, so a pinned file stays
reachable whatever the host's suite and after a suite's index has moved on."""

from __future__ import annotations

import hashlib
import urllib.request
from typing import Callable

from .roots import mirror


class PoolError(RuntimeError):
    pass


def pool_url(path: str) -> str:
    """The mirror's address of `path` below pool/ (e.g. main/o/orthanc/<file>.deb)."""
    return f"{mirror().rstrip('/')}/pool/{path}"


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as response:
        data: bytes = response.read()
    return data


def fetch_pinned(url: str, sha256: str, get: Callable[[str], bytes] = download) -> bytes:
    """The bytes at `url`; PoolError unless their SHA-256 is `sha256`."""
    data = get(url)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise PoolError(f"{url}: SHA-256 {digest}, expected {sha256} (a changed or truncated download)")
    return data
