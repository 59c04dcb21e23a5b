"""Storage callbacks against the real Orthanc: a storage area written in
Python (RegisterStorageArea, RegisterStorageArea2) and the storage
commitment SCP (RegisterStorageCommitmentScpCallback) with a real DICOM
peer (pynetdicom) as the storage commitment SCU."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dicom_scu import CommitmentPeer
from orthanc_packaging.dicom_factory import make_dataset, orthanc_instance_id, to_bytes
from orthanc_server import StartOrthanc

STORAGE_AREA = """\
import os
import orthanc

FOLDER = FOLDER_PATH

def Path(uuid, contentType):
    return os.path.join(FOLDER, '%s.%d' % (uuid, contentType))

def OnCreate(uuid, contentType, data):
    with open(Path(uuid, contentType), 'wb') as f:
        f.write(data)
    print('storage: created %s (%d bytes)' % (uuid, len(data)))

def OnRead(uuid, contentType):
    with open(Path(uuid, contentType), 'rb') as f:
        return f.read()

def OnReadRange(uuid, contentType, start, size):
    print('storage: read range %d+%d of %s' % (start, size, uuid))
    with open(Path(uuid, contentType), 'rb') as f:
        f.seek(start)
        return f.read(size)

def OnRemove(uuid, contentType):
    os.remove(Path(uuid, contentType))
    print('storage: removed %s' % uuid)

if VERSION == 1:
    orthanc.RegisterStorageArea(OnCreate, OnRead, OnRemove)
else:
    orthanc.RegisterStorageArea2(OnCreate, OnRead, OnReadRange, OnRemove)
try:
    orthanc.RegisterStorageArea(OnCreate, OnRead, OnRemove)
except RuntimeError:
    print('second storage area refused')
"""


# Every read reaches the storage area (no cache in Orthanc).
NO_CACHE = {"MaximumStorageCacheSize": 0}


def _storage_script(folder: Path, version: int) -> str:
    return (STORAGE_AREA.replace("FOLDER_PATH", repr(str(folder)))
            .replace("VERSION == 1", "True" if version == 1 else "False"))


def _check_storage_area(server, folder: Path) -> None:
    assert "second storage area refused" in server.log_text()
    ds = make_dataset(patient_id="STORED", rows=20, columns=20)
    dicom = to_bytes(ds)
    instance_id = server.upload(dicom)["ID"]
    assert instance_id == orthanc_instance_id(ds)

    # The files are in the script's folder, not in Orthanc's storage directory.
    files = sorted(folder.iterdir())
    assert files, "the Python storage area received no file"
    assert any(f.read_bytes() == dicom for f in files)  # the DICOM file as uploaded (no compression)
    # (Orthanc's own storage area would write storage/xx/yy/<uuid>; the SQLite index stays there.)
    assert not [p for p in (server.setup.workdir / "storage").rglob("*") if p.is_file() and len(p.name) == 36]

    # Read back through Orthanc.
    assert server.get(f"/instances/{instance_id}/file").content == dicom
    assert server.get(f"/instances/{instance_id}/simplified-tags").json()["PatientID"] == "STORED"
    assert server.get(f"/instances/{instance_id}/tags").json()["0010,0020"]["Value"] == "STORED"

    r = server.get(f"/instances/{instance_id}/frames/0/raw")
    assert r.status_code == 200 and len(r.content) == 20 * 20 * 2

    # Delete through Orthanc: the files go away.
    assert server.delete(f"/instances/{instance_id}").status_code == 200
    server.wait_for_log(r"storage: removed ")
    assert not any(f.exists() for f in files)
    assert server.get(f"/instances/{instance_id}").status_code == 404


def test_storage_area(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    folder = tmp_path / "python-storage"
    folder.mkdir()
    server = orthanc_server(_storage_script(folder, 1), NO_CACHE)
    _check_storage_area(server, folder)


@pytest.mark.ours
def test_storage_area_2(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    folder = tmp_path / "python-storage"
    folder.mkdir()
    server = orthanc_server(_storage_script(folder, 2), NO_CACHE)
    _check_storage_area(server, folder)
    # The tags before the pixel data were read with readRange.
    assert re.search(r"storage: read range 0\+\d+ of ", server.log_text())


STORAGE_COMMITMENT = """\
import json
import orthanc

class Commitment:
    def __init__(self, jobId, transactionUid, classes, instances, remoteAet, calledAet):
        self.jobId = jobId
        print('commitment %s from %s to %s: %s' % (transactionUid, remoteAet, calledAet,
                                                   json.dumps(list(zip(classes, instances)))))

def OnCommitment(jobId, transactionUid, sopClassUids, sopInstanceUids, remoteAet, calledAet):
    if transactionUid.endswith('.99'):
        return None  # not handled here: Orthanc looks the instances up itself
    return Commitment(jobId, transactionUid, sopClassUids, sopInstanceUids, remoteAet, calledAet)

def OnLookup(sopClassUid, sopInstanceUid, driver):
    print('lookup %s in job %s' % (sopInstanceUid, driver.jobId))
    if sopInstanceUid.endswith('.2'):
        return orthanc.StorageCommitmentFailureReason.NO_SUCH_OBJECT_INSTANCE
    return orthanc.StorageCommitmentFailureReason.SUCCESS

orthanc.RegisterStorageCommitmentScpCallback(OnCommitment, OnLookup)
"""


@pytest.mark.ours
def test_storage_commitment_scp(orthanc_server: StartOrthanc) -> None:
    peer = CommitmentPeer().start()
    try:
        server = orthanc_server(STORAGE_COMMITMENT, {
            "DicomModalities": {"committer": [peer.aet, "127.0.0.1", peer.port]},
        })
        sop_class = "1.2.840.10008.5.1.4.1.1.7"
        instances = [(sop_class, f"1.2.826.0.1.3680043.8.498.77.{n}") for n in (1, 2, 3)]
        transaction = "1.2.826.0.1.3680043.8.498.5000"
        assert peer.request(server.dicom_port, server.aet, transaction, instances) == 0x0000

        report = peer.wait_for_report(timeout=15)
        assert str(report.TransactionUID) == transaction
        succeeded = sorted(str(i.ReferencedSOPInstanceUID) for i in report.ReferencedSOPSequence)
        failed = {str(i.ReferencedSOPInstanceUID): int(i.FailureReason) for i in report.FailedSOPSequence}
        assert succeeded == [instances[0][1], instances[2][1]]
        assert failed == {instances[1][1]: 0x0112}  # NO_SUCH_OBJECT_INSTANCE, chosen by the lookup

        log = server.wait_for_log(rf"commitment {transaction} from {peer.aet} to ORTHANCTEST")
        assert json.dumps([list(i) for i in instances]) in log
        assert log.count("lookup 1.2.826.0.1.3680043.8.498.77.") == 3
    finally:
        peer.stop()
