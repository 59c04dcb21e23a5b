"""HEALTHCHECK of the orthanc-python image: GET /system on Orthanc's port.

No curl in the image: the Python that is there anyway does the request.
The port, TLS and a user to log in with come from the configuration the
entrypoint generated.  Healthy: 200 with Orthanc's JSON, or 401/403 (the
HTTP server answers but refuses these credentials).  Exit 0 or 1, as
Docker expects, with one line saying why.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

GENERATED = "/tmp/orthanc-python/orthanc.json"
TIMEOUT = 4.0


def read_config(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def request_for(config: Mapping[str, Any]) -> tuple[urllib.request.Request, ssl.SSLContext | None]:
    port = config.get("HttpPort", 8042)
    tls = bool(config.get("SslEnabled", False))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/system"
    request = urllib.request.Request(url)
    users = config.get("RegisteredUsers")
    if isinstance(users, dict) and users:
        user, password = next(iter(users.items()))
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    context = None
    if tls:
        # The certificate names the public host, not 127.0.0.1.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return request, context


def probe(config: Mapping[str, Any], timeout: float = TIMEOUT) -> tuple[bool, str]:
    request, context = request_for(config)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            body = json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return True, f"{request.full_url} answers {exc.code} (authentication required)"
        return False, f"{request.full_url} answers {exc.code}"
    except (OSError, ValueError) as exc:
        return False, f"{request.full_url}: {exc}"
    if isinstance(body, dict) and "Version" in body:
        return True, f"Orthanc {body['Version']} answers on {request.full_url}"
    return False, f"{request.full_url} answers something else than Orthanc's /system"


def main() -> int:
    ok, message = probe(read_config(os.environ.get("ORTHANC_PYTHON_GENERATED", GENERATED)))
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
