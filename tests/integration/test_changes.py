"""Samples 'Listening to changes' (with its thread-based variant) and 'Auto-routing studies'."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from dicom_network import StoragePeer
from orthanc_packaging.dicom_factory import make_dataset, make_dicom, to_bytes
from orthanc_server import StartOrthanc, load_script


def test_upload_at_start_and_new_instance(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    sample = tmp_path / "sample.dcm"
    sample.write_bytes(make_dicom(patient_id="STARTUP"))
    server = orthanc_server(load_script("changes_upload.py", {"/tmp/sample.dcm": str(sample)}))

    log = server.wait_for_log(r"A new instance was uploaded: [0-9a-f-]{44}")
    assert "Started" in log
    instances = server.get("/instances").json()
    assert len(instances) == 1
    assert f"A new instance was uploaded: {instances[0]}" in log
    tags = server.get(f"/instances/{instances[0]}/simplified-tags").json()
    assert tags["PatientID"] == "STARTUP"

    # A later upload is reported too.
    second = server.upload(make_dicom(patient_id="LATER"))
    server.wait_for_log(f"A new instance was uploaded: {second['ID']}")

    assert server.stop() == 0
    assert "Stopped" in server.log_text()


def test_change_handled_in_a_separate_thread(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("changes_threaded.py"))
    # ORTHANC_STARTED is enough to trigger one call of OnChange() in a thread.
    server.wait_for_log(r"W\d{4} [0-9:.]+ .*\] Hello world")
    before = server.log_text().count("Hello world")
    server.upload(make_dicom())
    # NEW_INSTANCE, NEW_SERIES, NEW_STUDY, NEW_PATIENT at least.
    server.wait_for_log(r"Hello world", count=before + 4)


@pytest.fixture
def storage_peer() -> Generator[StoragePeer, None, None]:
    peer = StoragePeer("PEER").start()
    yield peer
    peer.stop()


def test_stable_study_is_routed_to_modality(orthanc_server: StartOrthanc,
                                            storage_peer: StoragePeer) -> None:
    server = orthanc_server(
        load_script("autorouting.py"),
        {
            "StableAge": 1,
            "DicomModalities": {"sample": [storage_peer.aet, "127.0.0.1", storage_peer.port]},
        },
    )
    first = make_dataset(patient_id="ROUTED")
    second = make_dataset(patient_id="ROUTED", study_uid=first.StudyInstanceUID,
                          series_uid=first.SeriesInstanceUID)
    study_id = server.upload(to_bytes(first))["ParentStudy"]
    server.upload(to_bytes(second))

    server.wait_for_log(f"Stable study: {study_id}", timeout=20)
    received = storage_peer.wait_for(2, timeout=20)
    assert sorted(received) == sorted([first.SOPInstanceUID, second.SOPInstanceUID])
