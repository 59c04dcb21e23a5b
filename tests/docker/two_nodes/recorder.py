# The script of each node of the two-node test: every new instance is
# recorded as the metadata "RecordedBy" (the name of the node that recorded
# it), through the REST API; GET /recorder reports what this process did.
#
# Where Orthanc's database keeps queues (Orthanc >= 1.12.8 and a database
# that supports them), the callback only enqueues the instance; worker
# threads of any node reserve it, record it and acknowledge it. A value
# reserved by a node that dies is released after RELEASE_SECONDS and taken
# over by a live node. Otherwise the callback records the instance itself.
#
# POST /recorder/sweep records the instances that have no record yet (an
# instance whose node died between storing it and running the callback).
import json
import os
import threading
import time

import orthanc

NODE = os.environ.get('NODE_NAME', 'node')
METADATA = 'RecordedBy'
QUEUE = 'two-nodes-recorder'
WORKERS = 4
RELEASE_SECONDS = 5
WORK_SECONDS = float(os.environ.get('RECORDER_WORK_SECONDS', '0.05'))

lock = threading.Lock()
stats = {'node': NODE, 'callbacks': 0, 'recorded': 0, 'already': 0, 'swept': 0,
         'enqueued': 0, 'reserved': 0, 'acknowledged': 0, 'queues': False, 'why_no_queues': None}
stopping = threading.Event()


def count(key, n=1):
    with lock:
        stats[key] += n


def recorded(instance_id):
    try:
        orthanc.RestApiGet('/instances/%s/metadata/%s' % (instance_id, METADATA))
        return True
    except orthanc.OrthancException:
        return False


def record(instance_id):
    """Idempotent: an instance that has its record keeps it."""
    if recorded(instance_id):
        count('already')
        return False
    orthanc.RestApiPut('/instances/%s/metadata/%s' % (instance_id, METADATA), NODE.encode())
    count('recorded')
    print('recorder %s: recorded %s' % (NODE, instance_id))
    return True


def worker():
    while not stopping.is_set():
        value, value_id = orthanc.ReserveQueueValue(QUEUE, orthanc.QueueOrigin.FRONT, RELEASE_SECONDS)
        if value is None:
            stopping.wait(0.2)
            continue
        instance_id = json.loads(value)['instance']
        count('reserved')
        print('recorder %s: reserved %s' % (NODE, instance_id))
        time.sleep(WORK_SECONDS)  # the work a real script would do
        record(instance_id)
        orthanc.AcknowledgeQueueValue(QUEUE, value_id)
        count('acknowledged')


def OnStoredInstance(dicom, instance_id):
    count('callbacks')
    if stats['queues']:
        orthanc.EnqueueValue(QUEUE, json.dumps({'instance': instance_id, 'from': NODE}).encode())
        count('enqueued')
    else:
        time.sleep(WORK_SECONDS)
        record(instance_id)


def Report(output, uri, **request):
    with lock:
        answer = dict(stats)
    if stats['queues']:
        answer['queue_size'] = orthanc.GetQueueSize(QUEUE)
    output.AnswerBuffer(json.dumps(answer), 'application/json')


def Sweep(output, uri, **request):
    if request['method'] != 'POST':
        output.SendMethodNotAllowed('POST')
        return
    swept = [i for i in json.loads(orthanc.RestApiGet('/instances')) if record(i)]
    count('swept', len(swept))
    output.AnswerBuffer(json.dumps(swept), 'application/json')


def Start():
    # Once the database is open (it is a plugin too): does it keep queues?
    try:
        orthanc.GetQueueSize(QUEUE)
        stats['queues'] = True
    except Exception as error:  # older Orthanc, or a database without queues
        stats['why_no_queues'] = '%s: %s' % (type(error).__name__, error)
    print('recorder %s: queues %s' % (NODE, 'yes' if stats['queues'] else 'no (%s)' % stats['why_no_queues']))
    if stats['queues']:
        for _ in range(WORKERS):
            threading.Thread(target=worker, daemon=True).start()


def OnChange(change_type, level, resource):
    if change_type == orthanc.ChangeType.ORTHANC_STARTED:
        Start()
    elif change_type == orthanc.ChangeType.ORTHANC_STOPPED:
        stopping.set()


orthanc.RegisterOnStoredInstanceCallback(OnStoredInstance)
orthanc.RegisterOnChangeCallback(OnChange)
orthanc.RegisterRestCallback('/recorder', Report)
orthanc.RegisterRestCallback('/recorder/sweep', Sweep)
