"""sdk_headers.py: a pinned SDK header taken out of a Debian package (fake packages, no network)."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest
from orthanc_packaging import debian_pool
from orthanc_packaging import sdk_headers as sh

HEADER_TEXT = b"/* OrthancCPlugin.h stand-in */\n"


def ar_member(name: str, data: bytes) -> bytes:
    header = f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
    return header + data + (b"\n" if len(data) % 2 else b"")


def fake_package(header: bytes = HEADER_TEXT) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as tar:
        info = tarfile.TarInfo("./usr/include/orthanc/OrthancCPlugin.h")
        info.size = len(header)
        tar.addfile(info, io.BytesIO(header))
    return b"!<arch>\n" + ar_member("debian-binary", b"2.0\n") + ar_member("control.tar.xz", b"x") + \
        ar_member("data.tar.xz", data.getvalue())


def pin_fake(monkeypatch, package: bytes, header: bytes = HEADER_TEXT) -> None:
    monkeypatch.setitem(sh.PINNED, "9.9.9", sh.PinnedSdk("9.9.9", "orthanc-dev_9.9.9_amd64.deb",
                                                        hashlib.sha256(package).hexdigest(),
                                                        hashlib.sha256(header).hexdigest()))


def test_the_header_comes_out_of_the_package_once(tmp_path, monkeypatch):
    package = fake_package()
    pin_fake(monkeypatch, package)
    urls: list[str] = []

    def get(url: str) -> bytes:
        urls.append(url)
        return package

    folder = sh.sdk_dir("9.9.9", cache=tmp_path, get=get)
    assert (folder / "orthanc" / "OrthancCPlugin.h").read_bytes() == HEADER_TEXT
    assert urls[0].endswith("/pool/main/o/orthanc/orthanc-dev_9.9.9_amd64.deb")
    assert sh.sdk_dir("9.9.9", cache=tmp_path, get=get) == folder
    assert len(urls) == 1


def test_another_package_is_refused(tmp_path, monkeypatch):
    pin_fake(monkeypatch, fake_package())
    with pytest.raises(debian_pool.PoolError, match="SHA-256 .* expected"):
        sh.sdk_dir("9.9.9", cache=tmp_path, get=lambda url: fake_package(b"/* other */\n"))
    assert not (tmp_path / "9.9.9" / "orthanc" / "OrthancCPlugin.h").exists()


def test_an_unpinned_release_is_named():
    with pytest.raises(sh.SdkHeaderError, match="no pinned SDK 0.1.0: pinned are 1.10.1"):
        sh.sdk_dir("0.1.0")


def test_not_a_package():
    with pytest.raises(sh.SdkHeaderError, match="not a Debian package"):
        sh.header_from_package(b"<html>404</html>")
