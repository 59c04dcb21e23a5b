"""The DICOM uploads of the store scenarios: small distinct files, POSTed by
several kept-alive clients at once."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from . import BenchError


def upload_all(port: int, files: Sequence[bytes], workers: int) -> float:
    """POST every file to /instances with `workers` kept-alive connections; wall seconds."""
    chunks = [files[i::workers] for i in range(workers)]
    failures: list[str] = []
    start_line = threading.Barrier(workers + 1)

    def send(chunk: Sequence[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start_line.wait()
        try:
            for body in chunk:
                conn.request("POST", "/instances", body=body,
                             headers={"Content-Type": "application/dicom"})
                answer = conn.getresponse()
                data = answer.read()
                if answer.status != 200:
                    failures.append(f"{answer.status} {data[:200]!r}")
        finally:
            conn.close()

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(send, chunk) for chunk in chunks]
        start_line.wait()
        begin = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - begin
    if failures:
        raise BenchError(f"{len(failures)} uploads failed, e.g. {failures[0]}")
    return elapsed


def make_files(count: int, tag: str) -> list[bytes]:
    """`count` small distinct DICOM files (one patient, one study, one series)."""
    from orthanc_packaging import dicom_factory  # pydicom, numpy
    from pydicom.uid import generate_uid

    study, series = generate_uid(), generate_uid()
    template = dicom_factory.make_dataset(patient_id=f"BENCH{tag}", study_uid=study,
                                          series_uid=series, rows=16, columns=16)
    files = []
    for i in range(count):
        sop = generate_uid()
        template.SOPInstanceUID = sop
        template.file_meta.MediaStorageSOPInstanceUID = sop
        template.InstanceNumber = i + 1
        files.append(dicom_factory.to_bytes(template))
    return files
