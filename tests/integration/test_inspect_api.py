"""Sample 'Inspecting the available API'."""

from __future__ import annotations

import re

from orthanc_server import StartOrthanc, load_script


def test_inspect_lists_functions_classes_and_enumerations(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("inspect_api.py"))
    log = server.wait_for_log(r"Class ResourceType:")

    for function in ("RegisterRestCallback", "RegisterOnChangeCallback",
                     "RegisterOnStoredInstanceCallback", "RestApiGet", "RestApiPost",
                     "LogWarning", "GenerateRestApiAuthorizationToken",
                     "GetDicomForInstance"):
        assert f"Function {function}():\n  Documentation: " in log, function

    for cls in ("ChangeType", "ErrorCode", "InstanceOrigin", "ResourceType",
                "RestOutput", "DicomInstance"):
        assert f"Class {cls}:\n  Documentation: " in log, cls

    # Values of the Orthanc plugin SDK enumerations.
    for name, value in (("STABLE_STUDY", 9), ("ORTHANC_STARTED", 10), ("NEW_INSTANCE", 3),
                        ("UNKNOWN_RESOURCE", 17), ("REST_API", 3), ("DICOM_PROTOCOL", 2)):
        assert f"  - Enumeration value {name}: {value}\n" in log, name

    assert re.search(r"  - Method AnswerBuffer\(\): ", log)
    assert re.search(r"  - Method GetInstanceSimplifiedJson\(\): ", log)
