# Benchmark script (d1): an OnStoredInstance callback that reads every tag
# with GetInstanceSimplifiedJson(), the idiom of many upstream samples: most
# of its time is Orthanc's own DICOM-to-JSON conversion inside that call.
import json

import store_counter

patients = set()


def read_tags(instance):
    tags = json.loads(instance.GetInstanceSimplifiedJson())
    patients.add((tags["PatientID"], tags["StudyInstanceUID"], tags["SOPInstanceUID"],
                  tags.get("Modality"), instance.GetInstanceSize()))


store_counter.register(read_tags)
