"""DICOM network peers for the tests (pynetdicom): a Storage SCP and a C-STORE SCU."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, StoragePresentationContexts, evt

from orthanc_packaging.ports import free_port


class StoragePeer:
    """A Storage SCP on 127.0.0.1 that keeps every dataset it receives."""

    def __init__(self, aet: str = "PEER") -> None:
        self.aet = aet
        self.port = free_port()
        self.received: list[Dataset] = []
        self._lock = threading.Lock()
        self._ae = AE(ae_title=aet)
        self._ae.supported_contexts = StoragePresentationContexts
        self._server: Any = None

    def _on_store(self, event: Any) -> int:
        ds = event.dataset
        ds.file_meta = event.file_meta
        with self._lock:
            self.received.append(ds)
        return 0x0000

    def start(self) -> StoragePeer:
        self._server = self._ae.start_server(
            ("127.0.0.1", self.port), block=False,
            evt_handlers=[(evt.EVT_C_STORE, self._on_store)],
        )
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def received_sop_uids(self) -> list[str]:
        with self._lock:
            return [str(ds.SOPInstanceUID) for ds in self.received]

    def wait_for(self, count: int, timeout: float) -> list[str]:
        """Wait until `count` datasets arrived; return their SOP Instance UIDs."""
        deadline = time.monotonic() + timeout
        while len(self.received_sop_uids()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.received_sop_uids()


def c_store(port: int, called_aet: str, datasets: Iterable[Dataset],
            calling_aet: str = "TESTSCU") -> list[int]:
    """Send datasets to 127.0.0.1:port with C-STORE; return the DIMSE statuses."""
    items = list(datasets)
    ae = AE(ae_title=calling_aet)
    for sop_class in sorted({str(ds.SOPClassUID) for ds in items}):
        ae.add_requested_context(sop_class, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    assoc = ae.associate("127.0.0.1", port, ae_title=called_aet)
    if not assoc.is_established:
        raise ConnectionError(f"association with {called_aet} on port {port} was not established")
    statuses = []
    try:
        for ds in items:
            status = assoc.send_c_store(ds)
            statuses.append(int(status.Status) if "Status" in status else -1)
    finally:
        assoc.release()
    return statuses
