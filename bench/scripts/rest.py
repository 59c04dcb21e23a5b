# Benchmark script (a), (b), (c): the same file runs in both plugins.
import orthanc


def hello(output, uri, **request):
    # (a) a trivial route
    output.AnswerBuffer(b"ok", "text/plain")


def nested(output, uri, **request):
    # (b) a route that calls the built-in REST API
    output.AnswerBuffer(orthanc.RestApiGet("/system"), "application/json")


def cpu(output, uri, **request):
    # (c) CPU-bound: a 20,000-iteration loop
    total = 0
    for i in range(20000):
        total += i * i
    output.AnswerBuffer(str(total).encode(), "text/plain")


orthanc.RegisterRestCallback("/bench/hello", hello)
orthanc.RegisterRestCallback("/bench/nested", nested)
orthanc.RegisterRestCallback("/bench/cpu", cpu)
