# Benchmark script (a), (b), (c), (f), (g): the same file runs in every Python plugin.
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


LARGE = b"x" * (10 << 20)


def large(output, uri, **request):
    # (f) a 10 MiB answer
    output.AnswerBuffer(LARGE, "application/octet-stream")


def body(output, uri, **request):
    # (g) a 10 MiB POST body, read whole
    output.AnswerBuffer(str(len(request["body"])).encode(), "text/plain")


orthanc.RegisterRestCallback("/bench/large", large)
orthanc.RegisterRestCallback("/bench/body", body)
