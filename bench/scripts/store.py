# Benchmark script (d): an OnStoredInstance callback that reads tags the way
# the Orthanc Book's sample does ("Accessing the content of a new instance"):
# size, origin, transfer syntax and SOP class UID.  (d1), store_simplified.py,
# reads every tag through Orthanc's DICOM-to-JSON conversion instead.
import store_counter

seen = set()


def read_tags(instance):
    transfer_syntax = instance.GetInstanceMetadata("TransferSyntax")
    sop_class_uid = instance.GetInstanceMetadata("SopClassUid")
    if not (transfer_syntax.startswith("1.2.840.") and sop_class_uid.startswith("1.2.840.")):
        raise ValueError(f"unexpected tags: {transfer_syntax!r}, {sop_class_uid!r}")
    seen.add((transfer_syntax, sop_class_uid, instance.GetInstanceOrigin(), instance.GetInstanceSize()))


store_counter.register(read_tags)
