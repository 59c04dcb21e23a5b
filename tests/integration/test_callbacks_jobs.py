"""Jobs written in Python (CreateJob, Job.SubmitJob, RegisterJobsUnserializer),
metrics (RegisterRefreshMetricsCallback, SetMetricsValue) and
ExtendOrthancExplorer, against the real Orthanc."""

from __future__ import annotations

import time
from typing import Any

import orthanc_server as harness
import pytest
from orthanc_server import OrthancServer, StartOrthanc

JOBS = """\
import json
import time
import orthanc

class CountingJob:
    def __init__(self, steps, done=0, slow=False, fail=False):
        self.steps = steps
        self.done = done
        self.slow = slow
        self.fail = fail

    def Step(self):
        if self.slow:
            time.sleep(0.05)
            return orthanc.JobStepStatus.CONTINUE  # never ends (saved, then unserialized)
        self.done += 1
        if self.fail and self.done == 2:
            raise RuntimeError('the job step failed')
        return orthanc.JobStepStatus.SUCCESS if self.done >= self.steps else orthanc.JobStepStatus.CONTINUE

    def Stop(self, reason):
        print('job stopped with reason %d' % reason)

    def Reset(self):
        self.done = 0

    def GetProgress(self):
        return min(1.0, self.done / self.steps)

    def GetContent(self):
        return {'done': self.done, 'language': 'python'}

    def GetSerialized(self):
        return json.dumps({'steps': self.steps, 'done': self.done, 'slow': self.slow})

    def __del__(self):
        print('job object deleted')

class MinimalJob:
    # Only the mandatory methods.
    def Step(self):
        return orthanc.JobStepStatus.SUCCESS
    def Stop(self, reason):
        pass
    def Reset(self):
        pass

def Unserialize(jobType, serialized):
    data = json.loads(serialized)
    print('unserializing a job of type %s: %s' % (jobType, json.dumps(data, sort_keys=True)))
    if jobType != 'PythonCounting':
        return None
    return orthanc.CreateJob(CountingJob(data['steps'], data['done'], data['slow']), 'PythonCounting')

def Submit(output, uri, **request):
    arguments = json.loads(request['body'])
    if arguments.get('minimal'):
        job = orthanc.CreateJob(MinimalJob(), 'PythonMinimal')
    else:
        job = orthanc.CreateJob(CountingJob(arguments['steps'], slow=arguments.get('slow', False),
                                            fail=arguments.get('fail', False)), 'PythonCounting')
    jobId = job.SubmitJob(arguments.get('priority', 0))
    try:
        job.SubmitJob(0)  # Orthanc owns the job now
        again = 'no exception'
    except orthanc.OrthancException as e:
        again = e.args[0]
    output.AnswerBuffer(json.dumps({'id': jobId, 'again': again}), 'application/json')

def NotSubmitted(output, uri, **request):
    orthanc.CreateJob(CountingJob(1), 'PythonCounting')  # freed at once by Python
    output.AnswerBuffer('ok', 'text/plain')

orthanc.RegisterJobsUnserializer(Unserialize)
orthanc.RegisterRestCallback('/python-jobs', Submit)
orthanc.RegisterRestCallback('/python-jobs/not-submitted', NotSubmitted)
"""


def _wait_job(server: OrthancServer, job_id: str, states: tuple[str, ...], timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = server.get(f"/jobs/{job_id}").json()
        if job["State"] in states:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['State']} after {timeout} s: {job}")
        time.sleep(0.05)


@pytest.mark.ours
def test_python_jobs(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(JOBS)
    submitted = server.post("/python-jobs", json={"steps": 5}).json()
    assert submitted["again"] == 6  # ErrorCode.BAD_SEQUENCE_OF_CALLS: the job was handed over
    job = _wait_job(server, submitted["id"], ("Success", "Failure"))
    assert job["State"] == "Success", job
    assert job["Type"] == "PythonCounting"
    assert job["Progress"] == 100
    assert job["Content"] == {"done": 5, "language": "python"}
    server.wait_for_log(r"job stopped with reason 1")  # JobStopReason.SUCCESS

    failing = server.post("/python-jobs", json={"steps": 5, "fail": True}).json()
    job = _wait_job(server, failing["id"], ("Success", "Failure"))
    assert job["State"] == "Failure"
    assert "RuntimeError: the job step failed" in server.log_text()

    minimal = server.post("/python-jobs", json={"minimal": True}).json()
    job = _wait_job(server, minimal["id"], ("Success", "Failure"))
    assert (job["State"], job["Type"], job["Content"]) == ("Success", "PythonMinimal", {})

    # A job that is never submitted is freed with its Python object.
    before = server.log_text().count("job object deleted")
    assert server.get("/python-jobs/not-submitted").text == "ok"
    server.wait_for_log(r"job object deleted", count=before + 1)

    # Orthanc can cancel a running job (JobStopReason.CANCELED = 4).
    slow = server.post("/python-jobs", json={"steps": 1, "slow": True}).json()
    _wait_job(server, slow["id"], ("Running",))
    assert server.post(f"/jobs/{slow['id']}/cancel", json={}).status_code == 200
    assert _wait_job(server, slow["id"], ("Failure",))["ErrorCode"] == 37  # canceled job
    server.wait_for_log(r"job stopped with reason 4")


@pytest.mark.ours
def test_saved_jobs_are_unserialized(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(JOBS, {"SaveJobs": True, "JobsHistorySize": 10})
    job_id = server.post("/python-jobs", json={"steps": 3, "slow": True}).json()["id"]
    _wait_job(server, job_id, ("Running",))
    assert server.stop() == 0  # Orthanc saves its jobs (GetSerialized) when it stops

    second = harness.start(server.setup)
    try:
        log = second.wait_for_log(r"unserializing a job of type PythonCounting")
        assert '"done": 0, "slow": true, "steps": 3}' in log  # what GetSerialized() gave
        job = second.get(f"/jobs/{job_id}").json()
        assert job["Type"] == "PythonCounting"
        assert job["State"] in ("Pending", "Running", "Paused")
        assert job["Content"] == {"done": 0, "language": "python"}
    finally:
        assert second.stop() == 0


METRICS = """\
import orthanc

COUNT = [0]

def OnRefresh():
    COUNT[0] += 1
    orthanc.SetMetricsValue('python_refreshes', COUNT[0], orthanc.MetricsType.DEFAULT)

orthanc.RegisterRefreshMetricsCallback(OnRefresh)
orthanc.ExtendOrthancExplorer('console.log("extended by the python plugin");')
"""


@pytest.mark.ours
def test_metrics_and_explorer(orthanc_server: StartOrthanc) -> None:
    server = orthanc_server(METRICS)
    first = server.get("/tools/metrics-prometheus").text
    second = server.get("/tools/metrics-prometheus").text
    assert "python_refreshes 1" in first
    assert "python_refreshes 2" in second

    explorer = server.get("/plugins/explorer.js").text
    assert 'console.log("extended by the python plugin");' in explorer
