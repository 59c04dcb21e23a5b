"""Sample 'Accessing the content of a new instance' (OnStoredInstance)."""

from __future__ import annotations

from dicom_network import c_store
from orthanc_packaging.dicom_factory import CT_IMAGE_STORAGE, make_dataset, to_bytes
from orthanc_server import StartOrthanc, load_script

EXPLICIT_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"


def test_instance_received_through_rest(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("stored_instance.py"))
    ds = make_dataset(patient_id="RESTPATIENT", patient_name="Rest^Upload")
    instance_id = server.upload(to_bytes(ds))["ID"]
    size = len(server.get(f"/instances/{instance_id}/file").content)

    log = server.wait_for_log("This instance was received through the REST API")
    assert (
        f"Received instance {instance_id} of size {size} "
        f"(transfer syntax {EXPLICIT_LITTLE_ENDIAN}, SOP class UID {CT_IMAGE_STORAGE})"
    ) in log
    assert "through the DICOM protocol" not in log
    # pprint of GetInstanceSimplifiedJson()
    assert "'PatientID': 'RESTPATIENT'" in log
    assert "'PatientName': 'Rest^Upload'" in log
    assert f"'SOPInstanceUID': '{ds.SOPInstanceUID}'" in log


def test_instance_received_through_dicom(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("stored_instance.py"))
    ds = make_dataset(patient_id="DIMSEPATIENT")
    assert c_store(server.dicom_port, server.aet, [ds]) == [0x0000]

    log = server.wait_for_log("This instance was received through the DICOM protocol")
    assert "through the REST API" not in log
    assert "'PatientID': 'DIMSEPATIENT'" in log
    instances = server.get("/instances").json()
    assert len(instances) == 1
    assert f"Received instance {instances[0]} of size " in log
    assert f"SOP class UID {CT_IMAGE_STORAGE})" in log
