"""The derived image of docker/examples/pydicom: pydicom installed into the
image's venv, which the plugin uses (ORTHANC_DOCKER_EXAMPLE_IMAGE)."""

from __future__ import annotations

import os

import containers
from containers import RunContainer
from orthanc_packaging.dicom_factory import make_dataset, to_bytes


def test_pydicom_from_the_venv_decodes_an_upload(example_image: str,
                                                 run_container: RunContainer) -> None:
    c = run_container(example_image)  # no configuration: /scripts/decode.py is the script
    logs = c.wait_for_log("pydicom 3.0.2 from /opt/orthanc-python/venv/")
    assert "PythonScript is /scripts/decode.py" in logs
    instance = c.upload(to_bytes(make_dataset(patient_name="Venv^Pydicom", patient_id="VENV1")))
    answer = c.request(f"/pydicom/{instance}")
    assert answer.status == 200
    assert "(0010,0010) Patient's Name" in answer.text
    assert "Venv^Pydicom" in answer.text
    version = c.request("/pydicom-version").json()
    assert version["version"] == "3.0.2"
    python = os.environ.get("ORTHANC_DOCKER_PYTHON", "3.13")
    assert version["file"].startswith(f"/opt/orthanc-python/venv/lib/python{python}/site-packages/")


def test_base_image_has_no_pydicom(image: str) -> None:
    # What the example adds is really the venv's: the base image lacks it.
    python = os.environ.get("ORTHANC_DOCKER_PYTHON", "3.13")
    done = containers.run_to_exit(image, options=["--entrypoint", f"/usr/bin/python{python}"],
                                  args=["-c", "import pydicom"])
    assert done.returncode == 1
    assert "No module named 'pydicom'" in done.stderr
