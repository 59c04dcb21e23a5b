# Benchmark script (d1): an OnStoredInstance callback that reads tags with
# GetInstanceSimplifiedJson(), the idiom of many upstream samples.
import json

import orthanc

stored = 0
patients = set()


def on_stored(instance, instance_id):
    global stored
    tags = json.loads(instance.GetInstanceSimplifiedJson())
    patients.add((tags["PatientID"], tags["StudyInstanceUID"], tags["SOPInstanceUID"],
                  tags.get("Modality"), instance.GetInstanceSize()))
    stored += 1


def count(output, uri, **request):
    output.AnswerBuffer(json.dumps({"stored": stored}).encode(), "application/json")


orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterRestCallback("/bench/stored", count)
