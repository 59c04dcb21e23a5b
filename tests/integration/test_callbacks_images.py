"""Images against the real Orthanc: orthanc.Image (decode a frame, convert the
pixel format, compress, draw text, pixel buffers), CreateDicom with pixels,
transcoding, and the decoder and transcoder callbacks
(RegisterDecodeImageCallback, RegisterTranscoderCallback)."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from orthanc_packaging.dicom_factory import make_dataset, to_bytes
from orthanc_server import StartOrthanc
from PIL import Image

IMAGES = """\
import json
import orthanc

def OnRest(output, uri, **request):
    instanceId = request['groups'][0]
    result = {}
    dicom = orthanc.GetDicomForInstance(instanceId)

    # Decode a frame, convert it, read its pixels.
    frame = orthanc.DecodeDicomImage(dicom, 0)
    result['decoded'] = [frame.GetImageWidth(), frame.GetImageHeight(), frame.GetImagePitch(),
                         frame.GetImagePixelFormat()]
    gray8 = frame.ConvertPixelFormat(orthanc.PixelFormat.GRAYSCALE8)
    pixels = gray8.GetImageBuffer()
    result['gray8'] = [gray8.GetImagePixelFormat(), len(pixels), pixels[0], pixels[-1]]
    rgb = gray8.ConvertPixelFormat(orthanc.PixelFormat.RGB24)
    result['rgb24_pitch'] = rgb.GetImagePitch()

    # Draw text with the first font of Orthanc.
    result['fonts'] = [orthanc.GetFontsCount(), orthanc.GetFontName(0), orthanc.GetFontSize(0)]
    blank = orthanc.CreateImage(orthanc.PixelFormat.GRAYSCALE8, 64, 32)  # not initialized
    canvas = orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 64, 32, 64, bytes(64 * 32))
    result['blank'] = [blank.GetImageWidth(), blank.GetImagePitch() >= 64]
    before = canvas.GetImageBuffer()
    canvas.DrawText(0, 'Hi', 2, 2, 255, 255, 255)
    after = canvas.GetImageBuffer()
    result['drawn'] = [before.count(0) == len(before), sum(1 for b in after if b != 0) > 10]

    # Compress, uncompress.
    png = orthanc.CompressPngImage(orthanc.PixelFormat.GRAYSCALE8, gray8.GetImageWidth(),
                                   gray8.GetImageHeight(), gray8.GetImagePitch(), pixels)
    back = orthanc.UncompressImage(png, orthanc.ImageFormat.PNG)
    result['png_roundtrip'] = back.GetImageBuffer() == pixels
    jpeg = orthanc.CompressJpegImage(orthanc.PixelFormat.GRAYSCALE8, gray8.GetImageWidth(),
                                     gray8.GetImageHeight(), gray8.GetImagePitch(), pixels, 90)
    result['jpeg'] = [jpeg[:2] == b'\\xff\\xd8',
                      orthanc.UncompressImage(jpeg, orthanc.ImageFormat.JPEG).GetImageWidth()]

    # Images from Python buffers: a copy, and an accessor on a bytearray.
    copy = orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 3, 2, 4, b'\\x01\\x02\\x03-\\x04\\x05\\x06-')
    result['from_buffer'] = list(copy.GetImageBuffer()[:3]) + list(copy.GetImageBuffer()[copy.GetImagePitch():][:3])
    memory = bytearray(64 * 32)
    accessor = orthanc.CreateImageAccessor(orthanc.PixelFormat.GRAYSCALE8, 64, 32, 64, memory)
    accessor.DrawText(0, 'Hi', 2, 2, 255, 255, 255)
    result['accessor'] = [sum(1 for b in memory if b != 0) > 10, accessor.GetImageBuffer() == bytes(memory)]
    try:
        memory.extend(b'x')  # the image keeps the bytearray in place
        result['resizable'] = True
    except BufferError:
        result['resizable'] = False
    errors = {}
    for name, call in (
        ('short', lambda: orthanc.CreateImageFromBuffer(orthanc.PixelFormat.RGB24, 3, 2, 9, bytes(17))),
        ('pitch', lambda: orthanc.CreateImageFromBuffer(orthanc.PixelFormat.RGB24, 3, 2, 8, bytes(16))),
        ('accessor_short', lambda: orthanc.CreateImageAccessor(orthanc.PixelFormat.GRAYSCALE8, 8, 8, 8, bytearray(63))),
        ('accessor_readonly', lambda: orthanc.CreateImageAccessor(orthanc.PixelFormat.GRAYSCALE8, 8, 8, 8, bytes(64))),
        ('png_short', lambda: orthanc.CompressPngImage(orthanc.PixelFormat.GRAYSCALE16, 8, 8, 16, bytes(127))),
    ):
        try:
            call()
            errors[name] = 'no exception'
        except Exception as e:
            errors[name] = type(e).__name__
    result['errors'] = errors

    # A new instance made of these pixels.
    created = orthanc.CreateDicom(json.dumps({'PatientID': 'CREATED', 'Modality': 'OT'}), copy,
                                  orthanc.CreateDicomFlags.GENERATE_IDENTIFIERS)
    result['created'] = json.loads(orthanc.RestApiPost('/instances', created))['ID']

    # Transcoding.
    transcoded = orthanc.TranscodeDicomInstance(dicom, '1.2.840.10008.1.2')
    result['transcoded'] = transcoded.GetInstanceTransferSyntaxUid()
    output.AnswerBuffer(json.dumps(result), 'application/json')

orthanc.RegisterRestCallback('/images/(.*)', OnRest)
"""


@pytest.mark.ours
def test_images(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(IMAGES)
    ds = make_dataset(patient_id="IMAGES", rows=16, columns=24, bits=16)
    instance_id = server.upload(to_bytes(ds))["ID"]
    r = server.get(f"/images/{instance_id}")
    assert r.status_code == 200, r.text
    result = r.json()

    assert result["decoded"] == [24, 16, 48, 2]  # PixelFormat.GRAYSCALE16
    assert result["gray8"][:2] == [1, 24 * 16]
    assert result["rgb24_pitch"] == 24 * 3
    assert result["fonts"][0] >= 1 and result["fonts"][2] > 0
    assert result["blank"] == [64, True]
    assert result["drawn"] == [True, True]
    assert result["png_roundtrip"] is True
    assert result["jpeg"] == [True, 24]
    assert result["from_buffer"] == [1, 2, 3, 4, 5, 6]
    assert result["accessor"] == [True, True]
    assert result["resizable"] is False
    assert result["errors"] == {"short": "ValueError", "pitch": "ValueError", "accessor_short": "ValueError",
                                "accessor_readonly": "TypeError", "png_short": "ValueError"}
    assert result["transcoded"] == "1.2.840.10008.1.2"

    raw = server.get(f"/instances/{result['created']}/frames/0/raw").content
    assert raw == bytes([1, 2, 3, 4, 5, 6])
    assert server.get(f"/instances/{result['created']}/simplified-tags").json()["PatientID"] == "CREATED"


CODECS = """\
import io
import orthanc
import pydicom

def Decode(dicom, frameIndex):
    ds = pydicom.dcmread(io.BytesIO(dicom), stop_before_pixels=True)
    if ds.PatientID != 'PYDECODE':
        return None  # Orthanc's own decoder
    print('python decoder: frame %d' % frameIndex)
    return orthanc.CreateImageFromBuffer(orthanc.PixelFormat.GRAYSCALE8, 5, 4, 5, bytes(range(100, 120)))

def Transcode(dicom, allowedSyntaxes, allowNewSopInstanceUid):
    print('python transcoder: %s %s' % (','.join(allowedSyntaxes), allowNewSopInstanceUid))
    if '1.2.840.10008.1.2' not in allowedSyntaxes:
        return None
    ds = pydicom.dcmread(io.BytesIO(dicom))
    ds.ImageComments = 'transcoded by Python'
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
    buffer = io.BytesIO()
    try:
        ds.save_as(buffer, implicit_vr=True, little_endian=True, enforce_file_format=True)  # pydicom 3
    except TypeError:
        ds.is_implicit_VR, ds.is_little_endian = True, True  # pydicom 2
        ds.save_as(buffer, write_like_original=False)
    return buffer.getvalue()

orthanc.RegisterDecodeImageCallback(Decode)
orthanc.RegisterTranscoderCallback(Transcode)
"""


@pytest.mark.ours
def test_decoder_and_transcoder_callbacks(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(CODECS)
    ours = server.upload(to_bytes(make_dataset(patient_id="PYDECODE", rows=8, columns=8, bits=8)))["ID"]
    other = server.upload(to_bytes(make_dataset(patient_id="BUILTIN", rows=8, columns=8, bits=8)))["ID"]

    # Decoding: the Python decoder for one instance, Orthanc's for the other.
    png = server.get(f"/instances/{ours}/frames/0/image-uint8", headers={"Accept": "image/png"})
    assert png.status_code == 200, png.text
    pixels = np.array(Image.open(io.BytesIO(png.content)))
    assert pixels.shape == (4, 5)
    assert pixels.flatten().tolist() == list(range(100, 120))
    server.wait_for_log(r"python decoder: frame 0")
    png = server.get(f"/instances/{other}/frames/0/image-uint8", headers={"Accept": "image/png"})
    assert np.array(Image.open(io.BytesIO(png.content))).shape == (8, 8)

    # Transcoding through Orthanc (modification with a new transfer syntax).
    r = server.post(f"/instances/{other}/modify",
                    json={"Transcode": "1.2.840.10008.1.2", "Replace": {"StudyDescription": "modified"}})
    assert r.status_code == 200, r.text
    modified = pydicom.dcmread(io.BytesIO(r.content))
    assert modified.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    assert modified.ImageComments == "transcoded by Python"
    assert modified.StudyDescription == "modified"
    server.wait_for_log(r"python transcoder: 1\.2\.840\.10008\.1\.2 ")
