"""The load generator's reading (bench/orthanc_bench/wrk.py), on the output of
a real wrk run against a loopback server, and the command line (cli.py)."""

from __future__ import annotations

import http.server
import os
import threading
import time

import pytest

from orthanc_bench import BenchError, cli
from orthanc_bench.phases import Bench
from orthanc_bench.wrk import WRK, cpu_seconds, parse_wrk_output, run_wrk, wrk_duration, write_post_lua


def test_wrk_durations():
    assert wrk_duration("812.00us") == pytest.approx(812e-6)
    assert wrk_duration("1.50ms") == pytest.approx(1.5e-3)
    assert wrk_duration("2.00s") == 2.0 and wrk_duration("1.00m") == 60.0
    with pytest.raises(BenchError):
        wrk_duration("soon")


def test_output_without_a_rate_is_an_error():
    with pytest.raises(BenchError, match="cannot read the output of wrk"):
        parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects

    def _answer(self, status: int) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(404 if self.path == "/missing" else 200)

    def do_POST(self) -> None:  # noqa: N802
        self._answer(200)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(WRK is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_a_real_wrk_run_is_read_with_its_errors(loopback_server, tmp_path):
    ok = run_wrk(loopback_server + "/", 1, 2, 1)
    assert ok.requests > 0 and ok.rps > 0 and ok.errors == 0
    assert set(ok.latency_ms) == {"p50", "p90", "p99"}
    missing = run_wrk(loopback_server + "/missing", 1, 1, 1)
    assert missing.errors == missing.requests > 0  # every answer a 404
    posted = run_wrk(loopback_server + "/", 1, 1, 1, lua=write_post_lua(tmp_path / "post.lua", 1000))
    assert posted.requests > 0 and posted.errors == 0


def test_cpu_seconds_grow_with_the_work_done():
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert cpu_seconds(os.getpid()) > before


def test_quick_runs_one_short_round():
    args = cli.parse_args(["--quick"])
    assert (args.rounds, args.store_rounds, args.duration, args.change_burst) == (1, 1, 2.0, 1.0)
    assert args.upstream == cli.HOST_UPSTREAM
    assert cli.parse_args(["--forky"]).upstream == cli.FORKY_UPSTREAM


def test_forky_without_the_wrapper_stops_before_anything_runs(capsys):
    assert cli.main(["--forky"]) == 2
    assert "--forky needs --orthanc-binary" in capsys.readouterr().out


def test_the_order_rotates_from_round_to_round():
    servers = ["a", "b", "c"]
    assert [Bench.order(servers, r) for r in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
