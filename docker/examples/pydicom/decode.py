# The Orthanc Book's "Calling pydicom" sample: GET /pydicom/<instance id>
# answers the dataset as pydicom prints it.  /pydicom-version says which
# pydicom the plugin imported (the one of the image's venv).
import io
import json

import orthanc
import pydicom


def DecodeInstance(output, uri, **request):
    if request['method'] == 'GET':
        instanceId = request['groups'][0]
        f = orthanc.GetDicomForInstance(instanceId)
        dicom = pydicom.dcmread(io.BytesIO(f))
        output.AnswerBuffer(str(dicom), 'text/plain')
    else:
        output.SendMethodNotAllowed('GET')


def PydicomVersion(output, uri, **request):
    output.AnswerBuffer(json.dumps({'version': pydicom.__version__, 'file': pydicom.__file__}),
                        'application/json')


orthanc.RegisterRestCallback('/pydicom/(.*)', DecodeInstance)
orthanc.RegisterRestCallback('/pydicom-version', PydicomVersion)
print(f'pydicom {pydicom.__version__} from {pydicom.__file__}')
