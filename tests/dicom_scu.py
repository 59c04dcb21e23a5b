"""DICOM service users for the tests (pynetdicom): C-FIND (query/retrieve and
modality worklists), C-MOVE and storage commitment requests to Orthanc."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from orthanc_packaging.ports import free_port
from pydicom.dataset import Dataset
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import (
    ModalityWorklistInformationFind,
    StorageCommitmentPushModel,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelMove,
)


def _associate(port: int, called_aet: str, contexts: list[Any], calling_aet: str) -> Any:
    ae = AE(ae_title=calling_aet)
    for context in contexts:
        ae.add_requested_context(context)
    assoc = ae.associate("127.0.0.1", port, ae_title=called_aet)
    if not assoc.is_established:
        raise ConnectionError(f"association with {called_aet} on port {port} was not established")
    return assoc


def c_find(port: int, called_aet: str, query: Dataset, worklist: bool = False,
           calling_aet: str = "FINDSCU") -> tuple[int, list[Dataset]]:
    """C-FIND (Study Root, or Modality Worklist); returns the final status and the answers."""
    model = ModalityWorklistInformationFind if worklist else StudyRootQueryRetrieveInformationModelFind
    assoc = _associate(port, called_aet, [model], calling_aet)
    answers: list[Dataset] = []
    final = -1
    try:
        for status, identifier in assoc.send_c_find(query, model):
            if status is None:
                raise ConnectionError("no answer to the C-FIND request")
            code = int(status.Status)
            if code in (0xFF00, 0xFF01):
                answers.append(identifier)
            else:
                final = code
    finally:
        assoc.release()
    return final, answers


@dataclass
class MoveResult:
    status: int
    completed: int
    failed: int
    warning: int


def c_move(port: int, called_aet: str, query: Dataset, destination: str,
           calling_aet: str = "MOVESCU") -> MoveResult:
    """C-MOVE (Study Root) to `destination`; returns the final status and sub-operation counts."""
    model = StudyRootQueryRetrieveInformationModelMove
    assoc = _associate(port, called_aet, [model], calling_aet)
    result = MoveResult(-1, 0, 0, 0)
    try:
        for status, _identifier in assoc.send_c_move(query, destination, model):
            if status is None:
                raise ConnectionError("no answer to the C-MOVE request")
            code = int(status.Status)
            counts = {name: int(getattr(status, f"NumberOf{name}Suboperations", 0) or 0)
                      for name in ("Completed", "Failed", "Warning")}
            if code not in (0xFF00, 0xFF01):
                result = MoveResult(code, counts["Completed"], counts["Failed"], counts["Warning"])
    finally:
        assoc.release()
    return result


@dataclass
class CommitmentPeer:
    """A storage commitment SCU: sends N-ACTION requests, and receives the
    N-EVENT-REPORT that Orthanc sends back on an association it opens."""

    aet: str = "COMMITSCU"
    port: int = field(default_factory=free_port)
    reports: list[Dataset] = field(default_factory=list)
    _server: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _on_report(self, event: Any) -> tuple[int, None]:
        with self._lock:
            self.reports.append(event.event_information)
        return 0x0000, None

    def start(self) -> CommitmentPeer:
        ae = AE(ae_title=self.aet)
        # Orthanc (the SCP of storage commitment) sends the N-EVENT-REPORT as the
        # association requestor: this peer accepts it in the SCU role.
        ae.add_supported_context(StorageCommitmentPushModel, scu_role=True, scp_role=True)
        self._server = ae.start_server(("127.0.0.1", self.port), block=False,
                                       evt_handlers=[(evt.EVT_N_EVENT_REPORT, self._on_report)])
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def request(self, port: int, called_aet: str, transaction_uid: str,
                instances: list[tuple[str, str]]) -> int:
        """N-ACTION (storage commitment request) for (SOP class, SOP instance) pairs; returns its status."""
        ae = AE(ae_title=self.aet)
        ae.add_requested_context(StorageCommitmentPushModel)
        assoc = ae.associate("127.0.0.1", port, ae_title=called_aet,
                             ext_neg=[build_role(StorageCommitmentPushModel, scu_role=True, scp_role=True)])
        if not assoc.is_established:
            raise ConnectionError("storage commitment association was not established")
        action = Dataset()
        action.TransactionUID = transaction_uid
        items = []
        for sop_class, sop_instance in instances:
            item = Dataset()
            item.ReferencedSOPClassUID = sop_class
            item.ReferencedSOPInstanceUID = sop_instance
            items.append(item)
        action.ReferencedSOPSequence = items
        try:
            status, _reply = assoc.send_n_action(action, 1, StorageCommitmentPushModel,
                                                 "1.2.840.10008.1.20.1.1")
        finally:
            assoc.release()
        return int(status.Status) if status is not None and "Status" in status else -1

    def wait_for_report(self, timeout: float) -> Dataset:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.reports:
                    return self.reports[0]
            time.sleep(0.1)
        raise AssertionError(f"no N-EVENT-REPORT within {timeout} s")
