"""Samples that use third-party modules: pydicom, Pillow, xlwt."""

from __future__ import annotations

import re

import io

import xlrd
from PIL import Image

from orthanc_packaging.dicom_factory import make_dataset, make_dicom, to_bytes
from orthanc_server import StartOrthanc, load_script

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def test_pydicom_dump(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("pydicom_dump.py"))
    ds = make_dataset(patient_id="PYDICOM42", study_description="Dumped by pydicom")
    instance_id = server.upload(to_bytes(ds))["ID"]

    r = server.get(f"/pydicom/{instance_id}")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    # pydicom 3 prints "(0010,0020)", pydicom 2 (the last for Python 3.8) "(0010, 0020)".
    assert re.search(r"\(0010, ?0020\) Patient ID", r.text)
    assert "PYDICOM42" in r.text
    assert "Dumped by pydicom" in r.text
    assert ds.SOPInstanceUID in r.text


def test_pillow_thumbnail(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("thumbnail.py"))
    instance_id = server.upload(make_dicom(rows=96, columns=128, bits=16))["ID"]

    r = server.get(f"/pydicom/{instance_id}")
    assert r.status_code == 200
    image = Image.open(io.BytesIO(r.content))
    assert image.format == "JPEG"
    # 128x96 shrunk to fit in 64x64, keeping the aspect ratio.
    assert image.size == (64, 48)
    # The gradient survives: dark top-left corner, bright bottom-right one.
    gray = image.convert("L")
    dark, bright = gray.getpixel((1, 1)), gray.getpixel((62, 46))
    assert isinstance(dark, int) and isinstance(bright, int)
    assert dark < 64 < 192 < bright, (dark, bright)

    small_id = server.upload(make_dicom(rows=32, columns=32, bits=8))["ID"]
    small = Image.open(io.BytesIO(server.get(f"/pydicom/{small_id}").content))
    assert small.size == (32, 32)  # thumbnail() never enlarges

    assert server.post(f"/pydicom/{instance_id}", data=b"").status_code == 405


def test_excel_report(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("excel_report.py"))
    expected = {
        ("XLS-1", "First^Patient", "Study one"),
        ("XLS-2", "Second^Patient", "Study two"),
    }
    for patient_id, name, description in expected:
        server.upload(make_dicom(patient_id=patient_id, patient_name=name,
                                 study_description=description))

    r = server.get("/report.xls")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.ms-excel"
    assert r.content.startswith(OLE2_MAGIC)
    book = xlrd.open_workbook(file_contents=r.content)
    assert book.sheet_names() == ["Studies"]
    sheet = book.sheet_by_index(0)
    rows = {tuple(sheet.row_values(i)) for i in range(sheet.nrows)}
    assert rows == expected

    assert server.post("/report.xls", data=b"").status_code == 405
