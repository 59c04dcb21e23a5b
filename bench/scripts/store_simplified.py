# Benchmark script (d1): an OnStoredInstance callback that reads tags with
# GetInstanceSimplifiedJson(), the idiom of many upstream samples.
import json

import store_counter

patients = set()


def read_tags(instance):
    tags = json.loads(instance.GetInstanceSimplifiedJson())
    patients.add((tags["PatientID"], tags["StudyInstanceUID"], tags["SOPInstanceUID"],
                  tags.get("Modality"), instance.GetInstanceSize()))


store_counter.register(read_tags)
