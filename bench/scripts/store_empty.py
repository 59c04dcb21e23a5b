# Benchmark script (d0): an OnStoredInstance callback that does nothing but
# count, to tell the plugin's own cost on the store path from the cost of
# what (d)'s callback does (Orthanc's DICOM-to-JSON conversion, json.loads).
import json

import orthanc

stored = 0


def on_stored(instance, instance_id):
    global stored
    stored += 1


def count(output, uri, **request):
    output.AnswerBuffer(json.dumps({"stored": stored}).encode(), "application/json")


orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterRestCallback("/bench/stored", count)
