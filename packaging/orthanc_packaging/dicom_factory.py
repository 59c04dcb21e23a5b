"""Small, valid DICOM files made with pydicom, for feeding Orthanc in the tests
and the benchmarks (pydicom and numpy come with the tools venv)."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRLittleEndian,
    generate_uid,
)

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SECONDARY_CAPTURE_STORAGE = "1.2.840.10008.5.1.4.1.1.7"


def make_dataset(
    *,
    patient_id: str = "PATIENT1",
    patient_name: str = "Doe^John",
    study_uid: str | None = None,
    series_uid: str | None = None,
    sop_uid: str | None = None,
    study_date: str = "20240101",
    study_description: str = "Test study",
    modality: str = "CT",
    rows: int = 32,
    columns: int = 32,
    bits: int = 16,
) -> Dataset:
    """A MONOCHROME2 image: CT Image Storage when bits=16, Secondary Capture when bits=8.

    The pixels are a diagonal gradient, so rendering shows something.
    """
    if bits not in (8, 16):
        raise ValueError("bits must be 8 or 16")
    sop_class = UID(CT_IMAGE_STORAGE if bits == 16 else SECONDARY_CAPTURE_STORAGE)
    sop_uid = UID(sop_uid) if sop_uid else generate_uid()

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = study_date
    ds.StudyTime = "120000"
    ds.AccessionNumber = ""
    ds.Modality = modality
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = study_description
    ds.SeriesDescription = "Test series"
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1

    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = bits
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    ramp = np.add.outer(np.arange(rows), np.arange(columns)).astype(np.float64)
    ramp *= (2**bits - 1) / max(1, rows + columns - 2)
    pixels = ramp.astype(np.uint16 if bits == 16 else np.uint8)
    ds.PixelData = pixels.tobytes()
    if bits == 16:
        ds.RescaleIntercept = 0
        ds.RescaleSlope = 1
        ds.WindowCenter = 32768
        ds.WindowWidth = 65536
    return ds


def to_bytes(ds: Dataset) -> bytes:
    """Serialize as a DICOM Part 10 file (preamble, DICM, file meta)."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def make_dicom(**kwargs: object) -> bytes:
    """make_dataset(**kwargs) serialized as a DICOM file."""
    return to_bytes(make_dataset(**kwargs))  # type: ignore[arg-type]


def orthanc_instance_id(ds: Dataset) -> str:
    """The identifier that Orthanc gives an instance: SHA-1 of its four keys."""
    key = "|".join(
        [str(ds.PatientID), str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID),
         str(ds.SOPInstanceUID)]
    )
    digest = hashlib.sha1(key.encode("ascii")).hexdigest()
    return "-".join(digest[i:i + 8] for i in range(0, 40, 8))
