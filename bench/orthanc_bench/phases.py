"""The phases of a benchmark run: REST (wrk on each route), store (timed
DICOM uploads) and changes (change events delivered per second).  Each round
runs every side once, in an order that rotates from round to round, so that
the ratios compare runs made back to back."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import BenchError, log, uploads, wrk
from .scenarios import LARGE_SIZE, NATIVE, OURS, ROUTES, SEP, STORE_VARIANTS, TWIN, UPSTREAM, Route
from .servers import (
    SCRIPTS,
    Server,
    embedded_python,
    orthanc_config,
    python_errors,
    scratch_dir,
    start_server,
    stop_servers,
)
from .sides import Side


class Bench:
    """One run: its servers' settings, and the samples, errors and problems it gathers."""

    def __init__(self, args: argparse.Namespace, sides: dict[str, Side]) -> None:
        self.args = args
        self.sides = sides
        self.plugins = [s.name for s in sides.values() if s.kind == OURS]   # "ours" first
        self.workdir = scratch_dir(args.workdir)
        self.config = orthanc_config(args.http_threads)
        self.binary: Path | None = args.orthanc_binary
        # samples[scenario][side][round]
        self.samples: dict[str, dict[str, list[float]]] = {}
        # cpu[scenario][side][round]: Orthanc's CPU time per request (µs, every thread)
        self.cpu: dict[str, dict[str, list[float]]] = {}
        self.errors: dict[str, int] = {}
        self.versions: dict[str, Any] = {}
        self.problems: list[str] = []
        self.notes: list[str] = []  # other plugins' crashes: reported, not failing the run

    def of_kind(self, *kinds: str) -> list[str]:
        return [s.name for s in self.sides.values() if s.kind in kinds]

    def record(self, scenario: str, side: str, value: float) -> None:
        self.samples.setdefault(scenario, {}).setdefault(side, []).append(value)

    def start_one(self, name: str, side: Side, script: str, phase: str) -> Server:
        return start_server(name, side.plugin, SCRIPTS / script, self.workdir / phase,
                            {**self.config, **side.config}, binary=self.binary,
                            plugin_name=side.plugin_name)

    def start(self, phase: str, script: str, sides: Sequence[str]) -> list[Server]:
        servers: list[Server] = []
        try:
            for name in sides:
                servers.append(self.start_one(name, self.sides[name], script, phase))
        except Exception:
            stop_servers(servers)
            raise
        return servers

    def stop(self, phase: str, servers: Sequence[Server]) -> None:
        """Stop the servers; a crash or traceback of ours is a problem (the run
        fails), one of another plugin a note (reported: not ours to fix)."""
        found = []
        for server in servers:
            errors = python_errors(server)
            if errors:
                found.append((server.name, f"{len(errors)} Python tracebacks in its log"))
        stopped = stop_servers(servers)
        found += [(text.split(":", 1)[0], text) for text in stopped]
        for name, text in found:
            side = self.sides[name.partition(SEP)[0]]
            target = self.problems if side.kind in (OURS, TWIN) else self.notes
            target.append(f"{phase}/{name}: {text}" if not text.startswith(name) else
                          f"{phase}/{text}")

    @staticmethod
    def order(servers: Sequence[Server], round_: int) -> list[Server]:
        shift = round_ % len(servers)
        return list(servers[shift:]) + list(servers[:shift])

    def clients(self, route: Route) -> int:
        return {"many": self.args.connections, "cpu": self.args.cpu_connections,
                "one": 1}[route.clients]

    def note_versions(self, servers: Sequence[Server]) -> None:
        for server in servers:
            side = self.sides[server.name]
            self.versions[server.name] = {
                "plugin": (server.get_json("/plugins/python").get("Version")
                           if side.plugin_name == "python" else "native"),
                "orthanc": server.get_json("/system").get("Version"),
                "python": embedded_python(server),
                "path": str(server.plugin),
                "config": side.config,
            }

    def rest(self) -> None:
        args = self.args
        wanted = [r for r in ROUTES if r.key in args.routes.split(",")]
        names = [n for n in self.of_kind(OURS, UPSTREAM, NATIVE, TWIN)
                 if any(self.sides[n].kind in r.kinds for r in wanted)]
        servers = self.start("rest", "rest.py", names)
        lua = wrk.write_post_lua(self.workdir / "post.lua", LARGE_SIZE)
        try:
            self.note_versions(servers)
            log(f"\n== REST: wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s "
                f"((c): -c{args.cpu_connections}, (c1): -c1), {args.rounds} rounds")
            for route in wanted:  # warm-up: imports, caches, thread pools
                for server in self.route_servers(servers, route):
                    wrk.run_wrk(server.url + route.path, 1, self.clients(route),
                                min(args.wrk_threads, self.clients(route)),
                                lua=lua if route.post_size else None)
            for round_ in range(args.rounds):
                for route in wanted:
                    self.rest_round(route, self.order(self.route_servers(servers, route), round_),
                                    round_, lua)
        finally:
            self.stop("rest", servers)

    def route_servers(self, servers: Sequence[Server], route: Route) -> list[Server]:
        return [s for s in servers if self.sides[s.name].kind in route.kinds]

    def rest_round(self, route: Route, servers: Sequence[Server], round_: int,
                   lua: Path) -> None:
        line = []
        clients = self.clients(route)
        threads = min(self.args.wrk_threads, clients)
        for server in servers:
            before = wrk.cpu_seconds(server.pid)
            result = wrk.run_wrk(server.url + route.path, self.args.duration, clients, threads,
                                 lua=lua if route.post_size else None)
            used = wrk.cpu_seconds(server.pid) - before
            self.record(route.key, server.name, result.rps)
            self.cpu.setdefault(route.key, {}).setdefault(server.name, []).append(
                used / max(result.requests, 1) * 1e6)
            name = f"{route.key}/{server.name}"
            self.errors[name] = self.errors.get(name, 0) + result.errors
            line.append(f"{server.name} {result.rps:7.0f}")
        log(f"  round {round_ + 1}  {route.key:4} {route.path:13} " + "  ".join(line))

    def store(self) -> None:
        args = self.args
        sides = [*self.plugins, "upstream"]
        servers = self.start("store", STORE_VARIANTS["d"], [*sides, "none"])
        try:
            # (d0), (d1): the same uploads with other callbacks.
            for scenario in ("d0", "d1"):
                for side in sides:
                    servers.append(self.start_one(f"{side}{SEP}{scenario}", self.sides[side],
                                                  STORE_VARIANTS[scenario], "store"))
        except Exception:
            stop_servers(servers)
            raise
        try:
            log(f"\n== (d) {args.uploads} uploads by {args.upload_workers} clients, "
                "OnStoredInstance reading tags ((d0): doing nothing, (d1): every tag with "
                f"GetInstanceSimplifiedJson), {args.store_rounds} rounds (seconds)")
            warm = uploads.make_files(20, "warm")
            for server in servers:
                uploads.upload_all(server.port, warm, args.upload_workers)
            for round_ in range(args.store_rounds):
                files = uploads.make_files(args.uploads, str(round_))  # new instances each round
                line = []
                for server in self.order(servers, round_):
                    # The previous run's writes must not be flushed during this one.
                    os.sync()
                    time.sleep(0.3)
                    seconds = uploads.upload_all(server.port, files, args.upload_workers)
                    side, _, scenario = server.name.partition(SEP)
                    for key in STORE_VARIANTS if side == "none" else [scenario or "d"]:
                        self.record(key, side, seconds)
                    line.append(f"{server.name} {seconds:6.3f}")
                log(f"  round {round_ + 1}  " + "  ".join(line))
            expected = len(warm) + args.store_rounds * args.uploads
            for server in servers:
                if server.plugin is not None:
                    got = server.get_json("/bench/stored")["stored"]
                    if got != expected:
                        self.problems.append(f"store/{server.name}: {got} OnStoredInstance "
                                             f"calls, {expected} expected")
        finally:
            self.stop("store", servers)

    def changes(self) -> None:
        args = self.args
        servers = self.start("changes", "changes.py", [*self.plugins, "upstream"])
        lua = wrk.write_put_lua(self.workdir / "put.lua")
        try:
            log(f"\n== (e) change events: {args.change_burst:g} s of metadata PUTs "
                f"(wrk -c{args.connections}) queued behind a closed gate, then delivered")
            one = uploads.make_files(1, "changes")[0]
            instances = {}
            for server in servers:
                _, body = server.request("POST", "/instances", one)
                instances[server.name] = json.loads(body)["ID"]
                # Called at once: the lambda's `server` is this iteration's.
                wait_for(lambda: server.get_json("/bench/stats")["count"] >= 4, 10,
                         f"{server.name}: the first change events")
            for round_ in range(args.rounds):
                line = []
                for server in self.order(servers, round_):
                    rate, count = self.change_burst(server, instances[server.name], lua)
                    self.record("e", server.name, rate)
                    line.append(f"{server.name} {rate:9.0f}/s ({count})")
                log(f"  round {round_ + 1}  " + "  ".join(line))
        finally:
            self.stop("changes", servers)

    def change_burst(self, server: Server, instance: str, lua: Path) -> tuple[float, int]:
        server.request("POST", "/bench/close")
        first = server.get_json("/changes?last")["Last"]
        wrk.run_wrk(f"{server.url}/instances/{instance}/metadata/1024", self.args.change_burst,
                    self.args.connections, self.args.wrk_threads, lua=lua)
        time.sleep(0.5)  # requests that wrk cut at the end may still complete
        expected = server.get_json("/changes?last")["Last"] - first
        server.request("POST", "/bench/open")
        wait_for(lambda: server.get_json("/bench/stats")["count"] >= expected, 120,
                 f"{server.name}: delivery of {expected} change events")
        time.sleep(0.2)
        stats = server.get_json("/bench/stats")
        if stats["count"] != expected:
            self.problems.append(f"changes/{server.name}: {stats['count']} events delivered, "
                                 f"{expected} expected")
        return stats["count"] / max(stats["last"] - stats["opened"], 1e-9), stats["count"]


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError(f"timeout: {what}")
        time.sleep(0.05)
