"""multiprocessing with the three start methods of POSIX: 'fork', 'spawn' and
'forkserver'.  The children of 'spawn' and 'forkserver' are new interpreters
(sys.executable, a real Python of the embedded version): they import what the
tasks need, by module name, and must not run the plugin's script again.  The
script is imported as a module, not run as __main__, so multiprocessing has
no main module to re-run in them; the functions given to the pool live in a
module of the script's folder (a child cannot import the plugin's script,
which needs the `orthanc` module of the Orthanc process).  A child forked
from Orthanc gets Python's signal handlers back, so Pool.terminate() works.

The script waits until its children run before it stops them: a child
signalled before it ran a line of Python is the subject of
test_sigterm_at_once_after_fork, not of this test (under load, a forked
worker can wait long for its first time slice)."""

from __future__ import annotations

from pathlib import Path

import pytest
import run_settings
from orthanc_server import StartOrthanc

HELPER = """\
import os
import sys
import time

def Sleep(seconds, started=None):
    if started is not None:
        started.set()
    time.sleep(seconds)

def Ready(semaphore):
    semaphore.release()

def Square(value):
    return value * value

def Describe():
    main = sys.modules.get('__main__')
    return {
        'pid': os.getpid(),
        'executable': sys.executable,
        'main_file': getattr(main, '__file__', None),
        'orthanc_imported': 'orthanc' in sys.modules,
        'script_imported': 'plugin_script' in sys.modules,
    }
"""

SCRIPT = """\
import json
import multiprocessing
import os
import sys
import time
import orthanc
import mp_helper

print('the plugin script runs in process %d' % os.getpid())

def OnRest(output, uri, **request):
    method = request['groups'][0]
    context = multiprocessing.get_context(method)
    ready = context.Semaphore(0)
    with context.Pool(2, initializer=mp_helper.Ready, initargs=(ready,)) as pool:
        for _ in range(2):  # both workers run (so __exit__ terminates running workers)
            if not ready.acquire(timeout=60):
                raise RuntimeError('a worker of the pool did not start within 60 s')
        squares = pool.map(mp_helper.Square, range(5))
        child = pool.apply(mp_helper.Describe)
    # A child is stopped by SIGTERM, as any Python process.
    started = context.Event()
    process = context.Process(target=mp_helper.Sleep, args=(30, started))
    process.start()
    if not started.wait(60):
        raise RuntimeError('the child process did not start within 60 s')
    process.terminate()
    process.join(10)
    output.AnswerBuffer(json.dumps({'squares': squares, 'child': child, 'parent': os.getpid(),
                                    'executable': sys.executable, 'terminated': process.exitcode}),
                        'application/json')

orthanc.RegisterRestCallback('/pool/(.*)', OnRest)
"""


@pytest.mark.ours
@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_pool_with_each_start_method(orthanc_server: StartOrthanc, tmp_path: Path, method: str) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "mp_helper.py").write_text(HELPER, encoding="utf-8")
    script = folder / "plugin_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    server = orthanc_server(script)

    r = server.get(f"/pool/{method}", timeout=60)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["squares"] == [0, 1, 4, 9, 16]
    # -SIGTERM: even a child forked from Orthanc (which catches SIGTERM) dies of it.
    assert answer["terminated"] == -15
    child = answer["child"]
    assert child["pid"] != answer["parent"]
    assert child["executable"] == answer["executable"]  # a real interpreter: Path(...).is_file()
    assert run_settings.host_view(child["executable"]).is_file()
    assert child["main_file"] is None  # no main module was run in the child
    if method != "fork":
        # A new interpreter, which did not import the plugin's script (nor orthanc).
        assert child["script_imported"] is False
        assert child["orthanc_imported"] is False
    # The script ran once, in Orthanc's process only.
    assert server.log_text().count("the plugin script runs in process") == 1
    assert server.get("/system").status_code == 200


AT_ONCE_SCRIPT = """\
import json
import multiprocessing
import time
import orthanc
import mp_helper

def OnRest(output, uri, **request):
    context = multiprocessing.get_context('fork')
    children = []
    for _ in range(int(request['groups'][0])):
        child = context.Process(target=mp_helper.Sleep, args=(30,))
        child.start()
        child.terminate()  # at once: the child may not have run any Python yet
        children.append(child)
    deadline = time.monotonic() + 5
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
    codes = [child.exitcode for child in children]
    for child in children:
        if child.exitcode is None:  # SIGTERM was lost: clean up
            child.kill()
            child.join()
    output.AnswerBuffer(json.dumps(codes), 'application/json')

orthanc.RegisterRestCallback('/at-once/(.*)', OnRest)
"""


# A forked child has Orthanc's SIGTERM handler until Python's after-fork hook
# resets it; the plugin blocks the signals across fork() so that one sent in
# between stays pending instead of being lost (Pool.terminate() right after
# the pool started would then wait forever).
@pytest.mark.ours
def test_sigterm_at_once_after_fork(orthanc_server: StartOrthanc, tmp_path: Path) -> None:
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "mp_helper.py").write_text(HELPER, encoding="utf-8")
    (folder / "at_once.py").write_text(AT_ONCE_SCRIPT, encoding="utf-8")
    server = orthanc_server(folder / "at_once.py")

    r = server.get("/at-once/5", timeout=60)
    assert r.status_code == 200, r.text
    assert r.json() == [-15] * 5  # each child died of the SIGTERM sent right after its fork
