# Benchmark script (d): an OnStoredInstance callback that reads tags.
#
# GetInstanceAdvancedJson(HUMAN) gives the same dict as the better known
# GetInstanceSimplifiedJson() (tag names -> values) at half the cost inside
# Orthanc (store_simplified.py, scenario (d1), measures that one).
import json

import orthanc

stored = 0
patients = set()


def on_stored(instance, instance_id):
    global stored
    tags = json.loads(instance.GetInstanceAdvancedJson(orthanc.DicomToJsonFormat.HUMAN,
                                                       orthanc.DicomToJsonFlags.NONE, 256))
    patients.add((tags["PatientID"], tags["StudyInstanceUID"], tags["SOPInstanceUID"],
                  tags.get("Modality"), instance.GetInstanceSize()))
    stored += 1


def count(output, uri, **request):
    output.AnswerBuffer(json.dumps({"stored": stored}).encode(), "application/json")


orthanc.RegisterOnStoredInstanceCallback(on_stored)
orthanc.RegisterRestCallback("/bench/stored", count)
