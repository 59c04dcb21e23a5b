# Benchmark script (d): an OnStoredInstance callback that reads tags.
#
# GetInstanceAdvancedJson(HUMAN) gives the same dict as the better known
# GetInstanceSimplifiedJson() (tag names -> values) at half the cost inside
# Orthanc (store_simplified.py, scenario (d1), measures that one).
import json

import orthanc
import store_counter

patients = set()


def read_tags(instance):
    tags = json.loads(instance.GetInstanceAdvancedJson(orthanc.DicomToJsonFormat.HUMAN,
                                                       orthanc.DicomToJsonFlags.NONE, 256))
    patients.add((tags["PatientID"], tags["StudyInstanceUID"], tags["SOPInstanceUID"],
                  tags.get("Modality"), instance.GetInstanceSize()))


store_counter.register(read_tags)
