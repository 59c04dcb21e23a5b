"""The folder, script, JSON configuration and loopback ports of one Orthanc
run that loads the plugin under test: written the same way for the
integration tests (tests/orthanc_server.py) and the benchmarks (bench/)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ports import free_port, release_port

if TYPE_CHECKING:  # typing.Self is Python 3.11+; the tools run on 3.9 too
    from typing_extensions import Self

ORTHANC_BINARY = Path(os.environ.get("ORTHANC_BINARY", "/usr/sbin/Orthanc"))
# Logged by every Orthanc 1.10-1.13 once it serves, just before it handles
# SIGTERM (a SIGTERM before it kills Orthanc instead of stopping it).
STARTED_LINE = "Orthanc has started"


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class OrthancFiles:
    """Folder, script and configuration of one Orthanc run (written to disk)."""

    workdir: Path
    script_path: Path
    config_path: Path
    log_path: Path
    http_port: int
    dicom_port: int
    aet: str

    @classmethod
    def write(
        cls,
        workdir: Path,
        script: str | Path,
        plugins: Sequence[Path],
        extra_config: Mapping[str, Any] | None = None,
        script_name: str = "script.py",
        aet: str = "ORTHANCTEST",
    ) -> Self:
        """Write the script (text, or copy of a file) and the JSON configuration
        that loads `plugins`.

        `script` is either a Path to an existing script, which is used in place,
        or the text of the script, written to workdir/script_name.
        """
        workdir.mkdir(parents=True, exist_ok=True)
        if isinstance(script, Path):
            script_path = script
        else:
            script_path = workdir / script_name
            script_path.write_text(script, encoding="utf-8")
        storage = workdir / "storage"
        storage.mkdir(exist_ok=True)
        http_port = free_port()
        dicom_port = free_port()
        config: dict[str, Any] = {
            "Name": "python-plugin-tests",
            "StorageDirectory": str(storage),
            "IndexDirectory": str(storage),
            "HttpPort": http_port,
            "DicomPort": dicom_port,
            "DicomAet": aet,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "SaveJobs": False,
            "Plugins": [str(plugin) for plugin in plugins],
            "PythonScript": str(script_path),
        }
        config.update(extra_config or {})
        # A None value in extra_config removes the option (e.g. "PythonScript": None).
        config = {key: value for key, value in config.items() if value is not None}
        for reserved, key in ((http_port, "HttpPort"), (dicom_port, "DicomPort")):
            if config.get(key) != reserved:  # the test chose another one
                release_port(reserved)
        config_path = workdir / "orthanc.json"
        config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        return cls(
            workdir=workdir,
            script_path=script_path,
            config_path=config_path,
            log_path=workdir / "orthanc.log",
            http_port=int(config["HttpPort"]),
            dicom_port=int(config["DicomPort"]),
            aet=str(config["DicomAet"]),
        )

    def release_ports(self) -> None:
        """Once Orthanc has exited: its ports may go to other servers."""
        release_port(self.http_port)
        release_port(self.dicom_port)
