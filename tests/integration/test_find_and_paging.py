"""Samples 'Filtering and returning metadata' and 'Implementing basic paging'."""

from __future__ import annotations

import json

from orthanc_packaging.dicom_factory import make_dicom
from orthanc_server import OrthancServer, StartOrthanc, load_script


def _find(server: OrthancServer, query: dict[str, object]) -> object:
    r = server.post("/tools/find", data=json.dumps(query))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def test_find_filters_on_metadata(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("find_with_metadata.py"),
                            {"UserMetadata": {"Sample": 1024}})
    tagged = server.upload(make_dicom(patient_id="TAGGED"))["ParentStudy"]
    other = server.upload(make_dicom(patient_id="OTHER"))["ParentStudy"]
    r = server.put(f"/studies/{tagged}/metadata/Sample", data=b"keep-me")
    assert r.status_code == 200

    # The core /tools/find knows no "Metadata" field: the plugin's route answers.
    only_tagged = _find(server, {"Level": "Study", "Query": {},
                                 "Metadata": {"Sample": "^keep"}})
    assert only_tagged == [tagged]

    everything = _find(server, {"Level": "Study", "Query": {},
                                "Metadata": {"LastUpdate": "^2[0-9]{3}"}})
    assert isinstance(everything, list)
    assert sorted(everything) == sorted([tagged, other])

    expanded = _find(server, {"Level": "Study", "Query": {"PatientID": "TAGGED"},
                              "Expand": True, "Metadata": {}})
    assert isinstance(expanded, list) and len(expanded) == 1
    assert expanded[0]["ID"] == tagged
    assert expanded[0]["Metadata"]["Sample"] == "keep-me"
    assert expanded[0]["PatientMainDicomTags"]["PatientID"] == "TAGGED"

    assert _find(server, {"Level": "Study", "Query": {},
                          "Metadata": {"Sample": "^nothing$"}}) == []

    assert server.get("/tools/find").status_code == 405


def test_sort_studies_with_paging(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(load_script("sort_studies.py"))
    dates = ["20200105", "20190101", "20210101", "20180101"]
    for index, date in enumerate(dates):
        server.upload(make_dicom(patient_id=f"PAGING{index}", study_date=date))

    def page(**params: int) -> list[str]:
        r = server.get("/sort-studies", params=params)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        return [study["MainDicomTags"]["StudyDate"] for study in r.json()]

    assert page() == sorted(dates)
    assert page(offset=2, limit=2) == ["20200105", "20210101"]
    assert page(offset=1, limit=2) == ["20190101", "20200105"]
    assert page(offset=3) == ["20210101"]
    assert page(limit=1) == ["20180101"]
    assert page(offset=4, limit=2) == []
