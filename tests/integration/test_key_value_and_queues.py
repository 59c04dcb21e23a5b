"""Key-value stores and queues (Orthanc 1.12.8 and later): what a script
stores is read back, also after Orthanc restarts; on an older Orthanc the
functions raise orthanc.OrthancException naming the release they need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from orthanc_server import StartOrthanc

NEEDED = (1, 12, 8)

# The Orthanc Book's way of using them, answered as JSON by one route per step.
SCRIPT = """\
import json
import orthanc

def Answer(output, value):
    output.AnswerBuffer(json.dumps(value), 'application/json')

def OnWrite(output, uri, **request):
    orthanc.StoreKeyValue('store', 'patient-1', b'first')
    orthanc.StoreKeyValue('store', 'patient-2', b'second')
    orthanc.StoreKeyValue('store', 'gone', b'x')
    orthanc.DeleteKeyValue('store', 'gone')
    for value in (b'a', b'b', b'c'):
        orthanc.EnqueueValue('fifo', value)
    Answer(output, orthanc.GetQueueSize('fifo'))

def Text(value):
    return None if value is None else value.decode()

def OnRead(output, uri, **request):
    iterator = orthanc.CreateKeysValuesIterator('store')
    pairs = {}
    while iterator.Next():
        pairs[iterator.GetKey()] = iterator.GetValue().decode()
    # the names upstream used before its release 6.0
    old = orthanc.CreateKeysValuesIterator('store')
    old_names = []
    while old.KeysValuesIteratorNext():
        old_names.append(old.KeysValuesIteratorGetKey())
    Answer(output, {
        'get': Text(orthanc.GetKeyValue('store', 'patient-1')),
        'missing': Text(orthanc.GetKeyValue('store', 'gone')),
        'iterated': pairs,
        'old_names': old_names,
        'size': orthanc.GetQueueSize('fifo'),
    })

def OnQueue(output, uri, **request):
    front = Text(orthanc.DequeueValue('fifo', orthanc.QueueOrigin.FRONT))
    value, value_id = orthanc.ReserveQueueValue('fifo', orthanc.QueueOrigin.FRONT, 60)
    size_while_reserved = orthanc.GetQueueSize('fifo')  # a reserved value counts until acknowledged
    orthanc.AcknowledgeQueueValue('fifo', value_id)
    back = Text(orthanc.DequeueValue('fifo', orthanc.QueueOrigin.BACK))
    empty = orthanc.DequeueValue('fifo', orthanc.QueueOrigin.FRONT)
    nothing = orthanc.ReserveQueueValue('fifo', orthanc.QueueOrigin.FRONT, 60)
    Answer(output, {
        'front': front, 'reserved': [Text(value), isinstance(value_id, int)],
        'size_while_reserved': size_while_reserved, 'back': back, 'empty': empty,
        'nothing': list(nothing), 'size': orthanc.GetQueueSize('fifo'),
    })

def OnCallError(output, uri, **request):
    try:
        orthanc.GetKeyValue('store', 'k')
    except orthanc.OrthancException as error:
        Answer(output, {'args': list(error.args)})
    else:
        Answer(output, {'args': None})

orthanc.RegisterRestCallback('/kv/write', OnWrite)
orthanc.RegisterRestCallback('/kv/read', OnRead)
orthanc.RegisterRestCallback('/kv/queue', OnQueue)
orthanc.RegisterRestCallback('/kv/call', OnCallError)
"""


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _orthanc_version(server) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    version = server.get("/system").json()["Version"]
    return (99, 0, 0) if version == "mainline" else _version(version)


def _plugin_sdk(server) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    description = server.get("/plugins/python").json()["Description"]
    found = re.search(r"built against the Orthanc SDK ([0-9.]+)", description)
    assert found, description
    return _version(found.group(1))


def test_values_are_read_back_and_survive_a_restart(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    storage = tmp_path / "kept-storage"
    storage.mkdir()
    kept = {"StorageDirectory": str(storage), "IndexDirectory": str(storage)}
    first = orthanc_server(SCRIPT, kept)
    if _orthanc_version(first) < NEEDED or _plugin_sdk(first) < NEEDED:
        pytest.skip("needs Orthanc and an SDK 1.12.8 or newer (key-value stores and queues)")
    assert first.get("/kv/write").json() == 3
    assert first.stop() == 0

    second = orthanc_server(SCRIPT, kept)
    read = second.get("/kv/read")
    assert read.status_code == 200, read.text
    assert read.json() == {
        "get": "first", "missing": None,
        "iterated": {"patient-1": "first", "patient-2": "second"},
        "old_names": ["patient-1", "patient-2"],
        "size": 3,
    }
    queue = second.get("/kv/queue")
    assert queue.status_code == 200, queue.text
    assert queue.json() == {
        "front": "a", "reserved": ["b", True], "size_while_reserved": 2, "back": "c",
        "empty": None, "nothing": [None, None], "size": 0,
    }


def test_older_orthanc_gets_a_clear_error(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(SCRIPT)
    if _orthanc_version(server) >= NEEDED:
        pytest.skip(f"this Orthanc ({server.get('/system').json()['Version']}) has key-value stores")
    if _plugin_sdk(server) < NEEDED:
        pytest.skip("the plugin under test is built against an SDK without key-value stores")
    answer = server.get("/kv/call")
    assert answer.status_code == 200, answer.text
    code, message = answer.json()["args"]
    assert code == 2  # ErrorCode.NOT_IMPLEMENTED
    assert message.startswith("orthanc.GetKeyValue needs Orthanc 1.12.8 or newer; this Orthanc is ")
    assert server.get("/system").status_code == 200  # still up
