"""Tests of hello.py against the real Orthanc (the `orthanc` fixture of orthanc_python.testing)."""

import base64


def test_hello_answers(orthanc):
    assert orthanc.get("/hello").text == "Hello, world!"
    assert orthanc.get("/hello?name=Orthanc").text == "Hello, Orthanc!"


def test_a_new_instance_is_logged(orthanc):
    instance = orthanc.upload(base64.b64decode(SMALL_DICOM))["ID"]
    orthanc.wait_for_log(rf"hello: new instance {instance}")


# A minimal DICOM file (Secondary Capture, no pixels), so that the example needs no DICOM library.
SMALL_DICOM = (
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABESUNNAgAAAFVMBACiAAAA"
    "AgABAE9CAAACAAAAAAECAAIAVUkaADEuMi44NDAuMTAwMDguNS4xLjQuMS4xLjcAAgADAFVJFAAxLjIuMy40LjUuNi43Ljgu"
    "OS4xAAIAEABVSRQAMS4yLjg0MC4xMDAwOC4xLjIuMQACABIAVUkcADEuMi44MjYuMC4xLjM2ODAwNDMuOC40OTguMQACABMA"
    "U0gOAFBZRElDT00gMy4wLjIgCAAWAFVJGgAxLjIuODQwLjEwMDA4LjUuMS40LjEuMS43AAgAGABVSRQAMS4yLjMuNC41LjYu"
    "Ny44LjkuMQAIAGAAQ1MCAE9UEAAQAFBODABIZWxsb15Xb3JsZCAQACAATE8GAEhFTExPICAADQBVSRQAMS4yLjMuNC41LjYu"
    "Ny44LjkuMgAgAA4AVUkUADEuMi4zLjQuNS42LjcuOC45LjMA"
)
