# Benchmark script (d0): an OnStoredInstance callback that does nothing but
# count, to tell the plugin's own cost on the store path from the cost of
# what (d)'s callback does (Orthanc's DICOM-to-JSON conversion, json.loads).
import store_counter

store_counter.register(lambda instance: None)
