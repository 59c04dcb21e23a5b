# Shared by the store benchmark scripts: counts the OnStoredInstance calls
# (GET /bench/stored), so that the benchmark checks that none was lost.
import json

import orthanc

stored = 0


def register(read_tags):
    """Registers an OnStoredInstance callback that calls read_tags(instance)."""
    def on_stored(instance, instance_id):
        global stored
        read_tags(instance)
        stored += 1

    def count(output, uri, **request):
        output.AnswerBuffer(json.dumps({"stored": stored}).encode(), "application/json")

    orthanc.RegisterOnStoredInstanceCallback(on_stored)
    orthanc.RegisterRestCallback("/bench/stored", count)
