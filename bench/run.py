"""Benchmarks of the Python plugin against the limit and the upstream plugin.

Today's reference (--forky, what `nox -s bench` runs): Orthanc 1.13.0 in the
Debian forky root (a chroot, loopback ports), with
  ours         this tree built there against SDK 1.13.0 and Debian's Python 3.14
  upstream     Debian forky's orthanc-python 7.1 (Python 3.14), AllowThreads off (its default)
  upstream-at  the same with "Python": {"AllowThreads": true}
  native       bench/native: a few lines of C answering the same routes (the limit)
  py3.14, py3.14t  this tree against twin CPython 3.14 builds from the same
               Debian source, with and without the GIL (CPU-bound scenarios only)
Without --forky: this host's Orthanc (1.10.1) and Debian's orthanc-python 4.0.

All run the same script (bench/scripts/) with the same Orthanc options
(HttpThreadsCount, keep-alive, no --verbose) under the same load (wrk: same
connections, threads and duration). Each round runs every side once, the
order rotating from round to round; a ratio is the median over the rounds of
the ratio within a round (paired runs, back to back).

  core  Orthanc's own GET /system (no Python)
  (a)   a trivial REST route                          target: >= 90 % of native
  (b)   a route calling orthanc.RestApiGet('/system')  target: >= 90 % of native
  (c)   a CPU-bound route (20,000-iteration loop), 8 clients   target: >= 1.0x upstream
  (c1)  the same, 1 client                             target: >= 1.0x upstream
  (d)   500 small DICOM uploads with an OnStoredInstance callback reading tags,
        against Orthanc without plugin                 target: at most 10 % slower
  (e)   change events delivered per second            (reported)
  (f)   a 10 MiB answer                               target: >= 80 % of native
  (g)   a 10 MiB POST body                            target: >= 80 % of native
  free-threaded: (c) on py3.14t                       target: >= 1.7x py3.14

Targets are checked for every build of ours; the exit code follows "ours"
(1 if one of its targets is missed, unless --no-fail).  Results:
bench/results/<date>.json.

    python bench/run.py --forky --build --cmake W --orthanc-binary W   # nox -s bench
    python bench/run.py --build                                        # host's 1.10.1 / 4.0
    python bench/run.py --quick --ours build/libOrthancPython.so
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchlib as lib

HOST_UPSTREAM = Path("/usr/lib/orthanc/libOrthancPython.so.4.0")
FORKY_UPSTREAM = Path("/usr/lib/orthanc/libOrthancPython.so.7.1")  # inside the root
SYSTEM_PYTHON_ROOT = Path("/usr")
SYSTEM_LIBPYTHON = Path("/usr/lib/x86_64-linux-gnu/libpython3.11.so")
RESULTS = lib.BENCH_DIR / "results"
NATIVE_SOURCE = lib.BENCH_DIR / "native"
LARGE_SIZE = 10 << 20  # (f) answers and (g) bodies
# The twin CPython builds of the forky root (orthanc_packaging.freethreaded).
FORKY_TWINS = {"py3.14": Path("/opt/python3.14"), "py3.14t": Path("/opt/python3.14t")}
FREE_THREADED, GIL_TWIN = "py3.14t", "py3.14"

# What a side is: "ours" (a build of this tree, targets checked), "upstream"
# (the upstream plugin, either AllowThreads setting), "native" (the limit),
# "twin" (ours on a twin CPython build: CPU-bound scenarios only), "none".
OURS, UPSTREAM, NATIVE, TWIN, NONE = "ours", "upstream", "native", "twin", "none"


@dataclass(frozen=True)
class Side:
    name: str
    plugin: Path | None
    kind: str
    config: dict[str, Any] = field(default_factory=dict)
    plugin_name: str = "python"


@dataclass(frozen=True)
class Route:
    key: str
    path: str
    label: str
    kinds: frozenset[str]
    clients: str = "many"   # "many" (--connections), "cpu" (--cpu-connections), "one"
    post_size: int = 0      # a POST body of this size with every request


PLUGINS_AND_LIMIT = frozenset({OURS, UPSTREAM, NATIVE})
PYTHON_ONLY = frozenset({OURS, UPSTREAM, TWIN})
ROUTES = [
    Route("core", "/system", "core GET /system (req/s)", PLUGINS_AND_LIMIT),
    Route("a", "/bench/hello", "(a) trivial route (req/s)", PLUGINS_AND_LIMIT),
    Route("b", "/bench/nested", "(b) RestApiGet route (req/s)", PLUGINS_AND_LIMIT),
    Route("c", "/bench/cpu", "(c) CPU-bound route, 8 clients (req/s)", PYTHON_ONLY, clients="cpu"),
    Route("c1", "/bench/cpu", "(c1) CPU-bound route, 1 client (req/s)", PYTHON_ONLY, clients="one"),
    Route("f", "/bench/large", "(f) 10 MiB answer (req/s)", PLUGINS_AND_LIMIT),
    Route("g", "/bench/body", "(g) 10 MiB POST body (req/s)", PLUGINS_AND_LIMIT,
          post_size=LARGE_SIZE),
]
LABELS = {route.key: route.label for route in ROUTES} | {
    "d": "(d) 500 uploads + callback (s)",
    "d0": "(d0) same, empty callback (s)",
    "d1": "(d1) same, every tag as JSON (s)",
    "e": "(e) change events (events/s)",
}
SCENARIO_ORDER = ["core", "a", "b", "c", "c1", "d", "d0", "d1", "e", "f", "g"]


@dataclass(frozen=True)
class Goal:
    scenario: str
    reference: str      # the side it is measured against
    op: str             # ">=" (throughput) or "<=" (time)
    threshold: float


# Set against the limit where there is one (ratios to upstream are capped by it).
GOALS = [
    Goal("a", "native", ">=", 0.90),
    Goal("b", "native", ">=", 0.90),
    Goal("c", "upstream", ">=", 1.0),
    Goal("c1", "upstream", ">=", 1.0),
    Goal("d", "none", "<=", 1.10),
    Goal("f", "native", ">=", 0.80),
    Goal("g", "native", ">=", 0.80),
]
FREE_THREADED_GOAL = Goal("c", GIL_TWIN, ">=", 1.7)  # checked on FREE_THREADED
# The references every scenario of ours is reported against (when measured).
REFERENCES = ["native", "upstream", "upstream-at", "none"]

# The store scenarios' scripts; a server "<side>+<scenario>" runs one of them,
# "<side>" runs (d)'s, "none" (no plugin) is the reference of them all.
STORE_VARIANTS = {"d": "store.py", "d0": "store_empty.py", "d1": "store_simplified.py"}
SEP = "+"


def log(message: str = "") -> None:
    print(message, flush=True)


def median(values: Sequence[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return float(statistics.median(values)) if values else float("nan")


# ------------------------------------------------------------------ build

def cmake_build(cmake: str, source: Path, build_dir: Path, options: Sequence[str]) -> None:
    """Configure and build with `cmake` (a wrapper running it inside a root, or the host's)."""
    command = [cmake, "-S", str(source), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
               *options]
    log("$ " + " ".join(command))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([cmake, "--build", str(build_dir), "-j2"], check=True,
                   stdout=subprocess.DEVNULL)


def build_plugin(build_dir: Path, python_root: Path | None, cmake: str = "cmake") -> Path:
    options = ["-DPYTHON_VERSION=3.11"]
    if python_root is not None:
        options += [f"-DPython3_ROOT_DIR={python_root}",
                    f"-DPython3_EXECUTABLE={python_root / 'bin' / 'python3.11'}",
                    # The code generator needs libclang and Jinja2, which the
                    # embedded Python may lack: keep the interpreter running this script.
                    f"-DORTHANC_CODEGEN_PYTHON={sys.executable}"]
    cmake_build(cmake, lib.ROOT, build_dir, options)
    return build_dir / "libOrthancPython.so"


def build_native(cmake: str, build_dir: Path) -> Path:
    cmake_build(cmake, NATIVE_SOURCE, build_dir, [])
    return build_dir / "libNativeBench.so"


def build_plugins() -> dict[str, Path]:
    """"ours": same libpython as the upstream plugin (Debian's python3.11), when
    libpython3.11-dev is installed; "pyenv": CMake's default Python 3.11."""
    builds: dict[str, Path] = {}
    if SYSTEM_LIBPYTHON.exists() and (SYSTEM_PYTHON_ROOT / "bin" / "python3.11").exists():
        builds["ours"] = build_plugin(lib.ROOT / "build-bench-system", SYSTEM_PYTHON_ROOT)
    else:
        log(f"{SYSTEM_LIBPYTHON} is missing (apt-get install -y libpython3.11-dev): "
            "only the default build is measured")
    default = build_plugin(lib.ROOT / "build-bench", None)
    builds["pyenv" if builds else "ours"] = default
    return builds


def forky_python_options(prefix: Path, executable: str) -> list[str]:
    """CMake options of a build against one Python of the forky root; the
    generator runs on the root's python3 (Debian's python3-clang)."""
    options = ["-DPYTHON_VERSION=3.14", f"-DPython3_EXECUTABLE={prefix / 'bin' / executable}",
               "-DORTHANC_CODEGEN_PYTHON=/usr/bin/python3", "-DPython3_FIND_STRATEGY=LOCATION",
               "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]  # the root has ccache (roots.BUILD_PACKAGES)
    if prefix != SYSTEM_PYTHON_ROOT:
        options.append(f"-DPython3_ROOT_DIR={prefix}")
    return options


def build_forky(cmake: str) -> tuple[dict[str, Path], dict[str, Path], Path]:
    """In the forky root: ours (Debian's Python 3.14), the twins, native."""
    ours = lib.ROOT / "build-bench-forky"
    cmake_build(cmake, lib.ROOT, ours, forky_python_options(SYSTEM_PYTHON_ROOT, "python3.14"))
    twins: dict[str, Path] = {}
    for name, prefix in FORKY_TWINS.items():
        folder = lib.ROOT / f"build-bench-forky-{name}"
        cmake_build(cmake, lib.ROOT, folder, forky_python_options(prefix, name.replace("py", "python")))
        twins[name] = folder / "libOrthancPython.so"
    native = build_native(cmake, lib.ROOT / "build-bench-native-forky")
    return {"ours": ours / "libOrthancPython.so"}, twins, native


def make_sides(plugins: dict[str, Path], twins: dict[str, Path], native: Path | None,
               upstream: Path) -> dict[str, Side]:
    sides = {name: Side(name, path, OURS) for name, path in plugins.items()}
    sides["upstream"] = Side("upstream", upstream, UPSTREAM)
    sides["upstream-at"] = Side("upstream-at", upstream, UPSTREAM,
                                {"Python": {"AllowThreads": True}})
    if native is not None:
        sides["native"] = Side("native", native, NATIVE, plugin_name="native-bench")
    sides.update({name: Side(name, path, TWIN) for name, path in twins.items()})
    sides["none"] = Side("none", None, NONE)
    return sides


# ------------------------------------------------------------------ phases

class Bench:
    def __init__(self, args: argparse.Namespace, sides: dict[str, Side]) -> None:
        self.args = args
        self.sides = sides
        self.plugins = [s.name for s in sides.values() if s.kind == OURS]   # "ours" first
        self.workdir = lib.scratch_dir(args.workdir)
        self.config = lib.orthanc_config(args.http_threads)
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

    def start_one(self, name: str, side: Side, script: str, phase: str) -> lib.Server:
        return lib.start_server(name, side.plugin, lib.SCRIPTS / script, self.workdir / phase,
                                {**self.config, **side.config}, binary=self.binary,
                                plugin_name=side.plugin_name)

    def start(self, phase: str, script: str, sides: Sequence[str]) -> list[lib.Server]:
        servers: list[lib.Server] = []
        try:
            for name in sides:
                servers.append(self.start_one(name, self.sides[name], script, phase))
        except Exception:
            lib.stop_servers(servers)
            raise
        return servers

    def stop(self, phase: str, servers: Sequence[lib.Server]) -> None:
        """Stop the servers; a crash or traceback of ours is a problem (the run
        fails), one of another plugin a note (reported: not ours to fix)."""
        found = []
        for server in servers:
            errors = lib.python_errors(server)
            if errors:
                found.append((server.name, f"{len(errors)} Python tracebacks in its log"))
        stopped = lib.stop_servers(servers)
        found += [(text.split(":", 1)[0], text) for text in stopped]
        for name, text in found:
            side = self.sides[name.partition(SEP)[0]]
            target = self.problems if side.kind in (OURS, TWIN) else self.notes
            target.append(f"{phase}/{name}: {text}" if not text.startswith(name) else
                          f"{phase}/{text}")

    @staticmethod
    def order(servers: Sequence[lib.Server], round_: int) -> list[lib.Server]:
        shift = round_ % len(servers)
        return list(servers[shift:]) + list(servers[:shift])

    def clients(self, route: Route) -> int:
        return {"many": self.args.connections, "cpu": self.args.cpu_connections,
                "one": 1}[route.clients]

    def note_versions(self, servers: Sequence[lib.Server]) -> None:
        for server in servers:
            side = self.sides[server.name]
            self.versions[server.name] = {
                "plugin": (server.get_json("/plugins/python").get("Version")
                           if side.plugin_name == "python" else "native"),
                "orthanc": server.get_json("/system").get("Version"),
                "python": _embedded_python(server),
                "path": str(server.plugin),
                "config": side.config,
            }

    def rest(self) -> None:
        args = self.args
        wanted = [r for r in ROUTES if r.key in args.routes.split(",")]
        names = [n for n in self.of_kind(OURS, UPSTREAM, NATIVE, TWIN)
                 if any(self.sides[n].kind in r.kinds for r in wanted)]
        servers = self.start("rest", "rest.py", names)
        lua = lib.write_post_lua(self.workdir / "post.lua", LARGE_SIZE)
        try:
            self.note_versions(servers)
            log(f"\n== REST: wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s "
                f"((c): -c{args.cpu_connections}, (c1): -c1), {args.rounds} rounds")
            for route in wanted:  # warm-up: imports, caches, thread pools
                for server in self.route_servers(servers, route):
                    lib.run_wrk(server.url + route.path, 1, self.clients(route),
                                min(args.wrk_threads, self.clients(route)),
                                lua=lua if route.post_size else None)
            for round_ in range(args.rounds):
                for route in wanted:
                    self.rest_round(route, self.order(self.route_servers(servers, route), round_),
                                    round_, lua)
        finally:
            self.stop("rest", servers)

    def route_servers(self, servers: Sequence[lib.Server], route: Route) -> list[lib.Server]:
        return [s for s in servers if self.sides[s.name].kind in route.kinds]

    def rest_round(self, route: Route, servers: Sequence[lib.Server], round_: int,
                   lua: Path) -> None:
        line = []
        clients = self.clients(route)
        threads = min(self.args.wrk_threads, clients)
        for server in servers:
            before = lib.cpu_seconds(server.pid)
            result = lib.run_wrk(server.url + route.path, self.args.duration, clients, threads,
                                 lua=lua if route.post_size else None)
            used = lib.cpu_seconds(server.pid) - before
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
            lib.stop_servers(servers)
            raise
        try:
            log(f"\n== (d) {args.uploads} uploads by {args.upload_workers} clients, "
                "OnStoredInstance reading tags ((d0): doing nothing, (d1): every tag with "
                f"GetInstanceSimplifiedJson), {args.store_rounds} rounds (seconds)")
            warm = lib.make_files(20, "warm")
            for server in servers:
                lib.upload_all(server.port, warm, args.upload_workers)
            for round_ in range(args.store_rounds):
                files = lib.make_files(args.uploads, str(round_))  # new instances each round
                line = []
                for server in self.order(servers, round_):
                    # The previous run's writes must not be flushed during this one.
                    os.sync()
                    time.sleep(0.3)
                    seconds = lib.upload_all(server.port, files, args.upload_workers)
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
        lua = lib.write_put_lua(self.workdir / "put.lua")
        try:
            log(f"\n== (e) change events: {args.change_burst:g} s of metadata PUTs "
                f"(wrk -c{args.connections}) queued behind a closed gate, then delivered")
            one = lib.make_files(1, "changes")[0]
            instances = {}
            for server in servers:
                _, body = server.request("POST", "/instances", one)
                instances[server.name] = json.loads(body)["ID"]
                _wait_for(lambda s=server: s.get_json("/bench/stats")["count"] >= 4, 10,
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

    def change_burst(self, server: lib.Server, instance: str, lua: Path) -> tuple[float, int]:
        server.request("POST", "/bench/close")
        first = server.get_json("/changes?last")["Last"]
        lib.run_wrk(f"{server.url}/instances/{instance}/metadata/1024", self.args.change_burst,
                    self.args.connections, self.args.wrk_threads, lua=lua)
        time.sleep(0.5)  # requests that wrk cut at the end may still complete
        expected = server.get_json("/changes?last")["Last"] - first
        server.request("POST", "/bench/open")
        _wait_for(lambda: server.get_json("/bench/stats")["count"] >= expected, 120,
                  f"{server.name}: delivery of {expected} change events")
        time.sleep(0.2)
        stats = server.get_json("/bench/stats")
        if stats["count"] != expected:
            self.problems.append(f"changes/{server.name}: {stats['count']} events delivered, "
                                 f"{expected} expected")
        return stats["count"] / max(stats["last"] - stats["opened"], 1e-9), stats["count"]


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise lib.BenchError(f"timeout: {what}")
        time.sleep(0.05)


def _embedded_python(server: lib.Server) -> str:
    marker = "Python plugin: using Python "
    for line in server.log().splitlines():
        if marker in line:
            return line.split(marker, 1)[1].split(" from ")[0]
    return "the plugin's own libpython (no version in its log)"


# ------------------------------------------------------------------ report

def paired(samples: dict[str, list[float]], side: str, other: str) -> float:
    """Median over the rounds of samples[side][r] / samples[other][r]."""
    a, b = samples.get(side, []), samples.get(other, [])
    return median([x / y for x, y in zip(a, b) if y])


def scenario_ratios(samples: dict[str, list[float]], sides: Sequence[str]) -> dict[str, float]:
    """"ours/native", "ours/upstream"...: each side against each reference measured."""
    return {f"{side}/{ref}": paired(samples, side, ref)
            for side in sides for ref in REFERENCES if side in samples and ref in samples}


def check(name: str, value: float, goal: Goal) -> dict[str, Any]:
    ok = (value >= goal.threshold if goal.op == ">=" else value <= goal.threshold)
    return {"target": name, "value": value, "op": goal.op,
            "threshold": goal.threshold, "pass": bool(ok and not math.isnan(value))}


def evaluate(bench: Bench) -> dict[str, Any]:
    s = bench.samples
    summary: dict[str, Any] = {"scenarios": {}, "targets": {}}
    for key in SCENARIO_ORDER:
        if key not in s:
            continue
        entry: dict[str, Any] = {"label": LABELS[key],
                                 "median": {side: median(v) for side, v in s[key].items()},
                                 "ratios": scenario_ratios(s[key], bench.plugins)}
        if FREE_THREADED in s[key] and GIL_TWIN in s[key]:
            entry["ratios"][f"{FREE_THREADED}/{GIL_TWIN}"] = paired(s[key], FREE_THREADED,
                                                                    GIL_TWIN)
        if key in bench.cpu:
            entry["cpu_us_per_request"] = {side: median(v) for side, v in bench.cpu[key].items()}
        summary["scenarios"][key] = entry
    for plugin in bench.plugins:
        summary["targets"][plugin] = [
            check(f"({g.scenario}) vs {g.reference}", paired(s[g.scenario], plugin, g.reference), g)
            for g in GOALS if g.scenario in s and g.reference in s[g.scenario]]
    goal = FREE_THREADED_GOAL
    if goal.scenario in s and FREE_THREADED in s[goal.scenario] and GIL_TWIN in s[goal.scenario]:
        summary["targets"][FREE_THREADED] = [check(
            f"({goal.scenario}) vs {GIL_TWIN}",
            paired(s[goal.scenario], FREE_THREADED, GIL_TWIN), goal)]
    return summary


def measured_sides(summary: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for entry in summary["scenarios"].values():
        seen.update(dict.fromkeys(entry["median"]))
    return list(seen)


def ratio_columns(summary: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for entry in summary["scenarios"].values():
        seen.update(dict.fromkeys(entry["ratios"]))
    return list(seen)


def cell(key: str, value: float) -> str:
    if math.isnan(value):
        return ""
    return f"{value:.3f}" if key.startswith("d") else f"{value:,.0f}"


def print_report(bench: Bench, summary: dict[str, Any]) -> None:
    log("\n== Results: medians; ratios are medians of paired (same-round) ratios")
    log(markdown(bench, summary))


def markdown(bench: Bench, summary: dict[str, Any]) -> str:
    sides, ratios = measured_sides(summary), ratio_columns(summary)
    lines = ["| Scenario | " + " | ".join(sides + ratios) + " |",
             "|---" + "|---:" * (len(sides) + len(ratios)) + "|"]
    for key, entry in summary["scenarios"].items():
        cells = [cell(key, entry["median"].get(side, math.nan)) for side in sides]
        cells += [f"{entry['ratios'][r]:.2f}" if r in entry["ratios"] else "" for r in ratios]
        lines.append(f"| {entry['label']} | " + " | ".join(cells) + " |")
    lines += ["", "Orthanc's CPU time per request (µs, every thread; medians):", "",
              "| Scenario | " + " | ".join(sides) + " |", "|---" + "|---:" * len(sides) + "|"]
    for key, entry in summary["scenarios"].items():
        if "cpu_us_per_request" in entry:
            cpu = entry["cpu_us_per_request"]
            lines.append(f"| {entry['label'].split(' (')[0]} | " + " | ".join(
                f"{cpu[side]:,.0f}" if side in cpu else "" for side in sides) + " |")
    lines += ["", "| Build | Target | Value | |", "|---|---|---:|---|"]
    for build, targets in summary["targets"].items():
        for t in targets:
            lines.append(f"| {build} | {t['target']} {t['op']} {t['threshold']:g} | "
                         f"{t['value']:.2f} | {'PASS' if t['pass'] else 'FAIL'} |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"hostname": platform.node(), "platform": platform.platform(),
                            "cores": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_kib"] = int(line.split()[1])
    except OSError:
        pass
    return info


def tool_versions(binary: Path) -> dict[str, str]:
    def first_line(command: list[str]) -> str:
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            lines = (out.stdout or out.stderr).strip().splitlines()
            return lines[0] if lines else ""
        except (OSError, subprocess.SubprocessError):
            return "?"

    commit = first_line(["git", "-C", str(lib.ROOT), "rev-parse", "--short", "HEAD"])
    dirty = first_line(["git", "-C", str(lib.ROOT), "status", "--porcelain", "src", "codegen"])
    return {"wrk": first_line(["wrk", "--version"]),
            "orthanc_binary": str(binary),
            "git": commit + (" (with local changes in src/ or codegen/)" if dirty else "")}


# ------------------------------------------------------------------ main

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--forky", action="store_true",
                   help="today's reference: Orthanc 1.13.0 and upstream 7.1 in the Debian forky "
                        "root (needs --orthanc-binary, and --cmake with --build)")
    p.add_argument("--orthanc-binary", type=Path,
                   help="Orthanc (with --forky: a wrapper running the root's; default: "
                        "$ORTHANC_BINARY, else /usr/sbin/Orthanc)")
    p.add_argument("--cmake", default="cmake",
                   help="cmake to build with (with --forky: a wrapper running the root's)")
    p.add_argument("--ours", type=Path, help="our plugin (default: $ORTHANC_PYTHON_PLUGIN, "
                   "else build-bench-system/ or build-bench/libOrthancPython.so)")
    p.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                   help="another build of our plugin measured next to ours (e.g. a candidate "
                        "fix); repeatable")
    p.add_argument("--twin", action="append", default=[], metavar="NAME=PATH",
                   help="a build of ours measured in the CPU-bound scenarios only "
                        f"({GIL_TWIN}, {FREE_THREADED}: compared with each other); repeatable")
    p.add_argument("--native", type=Path, help="the native reference plugin (default: built "
                   "with --build, else none)")
    p.add_argument("--build", action="store_true",
                   help="build first: with --forky ours, the twins and native in the root; "
                        "else ours (Debian's libpython3.11, as upstream), pyenv and native")
    p.add_argument("--upstream", type=Path, help=f"default: {FORKY_UPSTREAM} with --forky "
                   f"(the root's), else {HOST_UPSTREAM}")
    p.add_argument("--scenarios", default="rest,store,changes",
                   help="comma-separated phases among rest, store, changes")
    p.add_argument("--routes", default="core,a,b,c,c1,f,g", help="REST scenarios to run")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--cpu-connections", type=int, default=8, help="clients of (c)")
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--http-threads", type=int, default=50,
                   help="Orthanc's HttpThreadsCount, the same on every side")
    p.add_argument("--uploads", type=int, default=500)
    p.add_argument("--upload-workers", type=int, default=4)
    p.add_argument("--store-rounds", type=int, default=7, help="rounds of (d) (short ones)")
    p.add_argument("--change-burst", type=float, default=2.0, help="seconds of metadata PUTs")
    p.add_argument("--quick", action="store_true", help="smoke test: 1 round of 2 s")
    p.add_argument("--workdir", type=Path, help="where the servers keep their storage "
                   "(default: a new folder in the temporary directory)")
    p.add_argument("--output", type=Path, help="JSON file (default: bench/results/<date>.json)")
    p.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.store_rounds, args.duration, args.change_burst = 1, 1, 2.0, 1.0
    if args.upstream is None:
        args.upstream = FORKY_UPSTREAM if args.forky else HOST_UPSTREAM
    return args


def _default_ours() -> Path:
    env = os.environ.get("ORTHANC_PYTHON_PLUGIN")
    if env:
        return Path(env)
    for folder in ("build-bench-system", "build-bench"):
        candidate = lib.ROOT / folder / "libOrthancPython.so"
        if candidate.is_file():
            return candidate
    return lib.ROOT / "build-bench" / "libOrthancPython.so"


def named_paths(items: Sequence[str], taken: Sequence[str]) -> dict[str, Path]:
    """NAME=PATH options; BenchError for a malformed or repeated NAME."""
    found: dict[str, Path] = {}
    for item in items:
        name, _, path = item.partition("=")
        if not path or name in found or name in taken or name in REFERENCES:
            raise lib.BenchError(f"{item}: expected NAME=PATH with a new NAME")
        found[name] = Path(path)
    return found


def choose_builds(args: argparse.Namespace) -> tuple[dict[str, Path], dict[str, Path], Path | None]:
    """(ours and --also, the twins, native), built first with --build."""
    twins: dict[str, Path] = {}
    native: Path | None = args.native
    if args.build and args.forky:
        plugins, twins, native = build_forky(args.cmake)
    elif args.build:
        plugins = build_plugins()
        native = build_native(args.cmake, lib.ROOT / "build-bench-native")
    else:
        plugins = {"ours": args.ours or _default_ours()}
    plugins.update(named_paths(args.also, list(plugins)))
    twins.update(named_paths(args.twin, [*plugins, *twins]))
    return plugins, twins, native


def missing_files(sides: dict[str, Side], forky_root: Path | None) -> list[str]:
    """Plugins that do not exist (those of the root's own packages looked up in it)."""
    problems = []
    for side in sides.values():
        if side.plugin is None:
            continue
        path = side.plugin
        if forky_root is not None and side.kind == UPSTREAM:
            path = forky_root / str(path).lstrip("/")
        if not path.is_file():
            hint = ("apt-get install -y orthanc-python" if side.kind == UPSTREAM
                    else "python bench/run.py --build")
            problems.append(f"{side.name} plugin {side.plugin} is missing ({hint})")
    return problems


def forky_root_of(binary: Path | None) -> Path | None:
    """The root a wrapper (roots.Root.wrapper) enters, from its comment line."""
    if binary is None:
        return None
    try:
        second = binary.read_text(encoding="utf-8", errors="replace").splitlines()[1]
    except (OSError, IndexError):
        return None
    inside = second.rpartition("(")[2].rstrip(")")
    return Path(inside) if inside.startswith("/") else None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.forky and args.orthanc_binary is None:
        log("--forky needs --orthanc-binary (nox -s bench makes the wrapper)")
        return 2
    try:
        plugins, twins, native = choose_builds(args)
    except lib.BenchError as error:
        log(str(error))
        return 2
    resolve = (lambda p: p) if args.forky else Path.resolve
    sides = make_sides({n: p.resolve() for n, p in plugins.items()},
                       {n: p.resolve() for n, p in twins.items()},
                       native.resolve() if native else None, resolve(args.upstream))
    problems = missing_files(sides, forky_root_of(args.orthanc_binary) if args.forky else None)
    if lib.WRK is None:
        problems.append("wrk is missing: apt-get install -y wrk")
    for problem in problems:
        log(problem)
    if problems:
        return 2
    for side in sides.values():
        if side.plugin is not None:
            log(f"{side.name:12} {side.plugin} {json.dumps(side.config) if side.config else ''}")
    log(f"Orthanc: {args.orthanc_binary or lib.ORTHANC_BINARY}, HttpThreadsCount "
        f"{args.http_threads} on every side, keep-alive, no --verbose")

    bench = Bench(args, sides)
    started = dt.datetime.now(dt.timezone.utc)
    phases = {"rest": bench.rest, "store": bench.store, "changes": bench.changes}
    try:
        for name in args.scenarios.split(","):
            phases[name.strip()]()
    finally:
        shutil.rmtree(bench.workdir, ignore_errors=True)

    summary = evaluate(bench)
    print_report(bench, summary)
    failed_requests = {key: n for key, n in bench.errors.items() if n}
    if failed_requests:
        bench.problems.append(f"failed requests under load: {failed_requests}")
    for problem in bench.problems:
        log(f"PROBLEM: {problem}")
    for note in bench.notes:
        log(f"NOTE (not ours): {note.splitlines()[0]}")

    table = markdown(bench, summary)
    result = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": os.getloadavg(),
        "versions": {**tool_versions(bench.binary or lib.ORTHANC_BINARY), **bench.versions},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "orthanc_config": bench.config,
        "samples": bench.samples,
        "cpu_us_per_request": bench.cpu,
        "summary": summary,
        "wrk_errors": bench.errors,
        "problems": bench.problems,
        "notes": bench.notes,
        "markdown": table,
    }
    output = args.output or RESULTS / f"{started.strftime('%Y-%m-%dT%H%M%SZ')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    log(f"\nresults: {output}")
    missed = [t["target"] for build in (*bench.plugins[:1], FREE_THREADED)
              for t in summary["targets"].get(build, []) if not t["pass"]]
    if bench.problems or (missed and not args.no_fail):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
