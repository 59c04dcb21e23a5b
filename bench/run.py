"""Benchmarks of the Python plugin against the upstream plugin (issue 8).

Orthanc is started on loopback with our plugin and with the upstream plugin
(Debian's orthanc-python 4.0), both running the same script with the same
Orthanc options (HttpThreadsCount, keep-alive, no --verbose), and both are
driven with the same load (wrk: same connections, threads and duration).
Each round runs every side once, the order rotating from round to round; a
ratio is the median over the rounds of the ratio within a round (paired
runs, back to back, so that the machine's slow drifts cancel out).

  core  Orthanc's own GET /system (no Python): the ceiling
  (a)   a trivial REST route              target: >= 2x upstream, >= 60 % of core /system
  (b)   a route calling orthanc.RestApiGet('/system')       target: >= 2x upstream
  (c)   a CPU-bound route (20,000-iteration loop), 8 clients target: no worse than upstream
  (d)   500 small DICOM uploads with an OnStoredInstance callback reading tags,
        against Orthanc without plugin                       target: at most 10 % slower
  (e)   change events delivered per second                   (reported)

Which builds of our plugin: --ours PATH, or --build, which builds two
(see build_plugins()): "ours" embeds the same libpython3.11 as the upstream
plugin (Debian's), so that only the plugins differ; "pyenv" embeds the
default CMake choice (pyenv's 3.11.7).  Targets are checked for every build;
the exit code follows "ours" (1 if one of its targets is missed, unless
--no-fail).  Results: bench/results/<date>.json.

    python bench/run.py --build            # what `nox -s bench` runs
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
from pathlib import Path
from typing import Any

import benchlib as lib

DEFAULT_UPSTREAM = Path("/usr/lib/orthanc/libOrthancPython.so.4.0")
SYSTEM_PYTHON_ROOT = Path("/usr")
SYSTEM_LIBPYTHON = Path("/usr/lib/x86_64-linux-gnu/libpython3.11.so")
RESULTS = lib.BENCH_DIR / "results"

REST_ROUTES = {
    "core": "/system",            # Orthanc's own route: the ceiling
    "a": "/bench/hello",
    "b": "/bench/nested",
    "c": "/bench/cpu",
}
LABELS = {
    "core": "core GET /system (req/s)",
    "a": "(a) trivial route (req/s)",
    "b": "(b) RestApiGet route (req/s)",
    "c": "(c) CPU-bound route (req/s)",
    "d": "(d) 500 uploads + callback (s)",
    "d0": "(d0) same, empty callback (s)",
    "d1": "(d1) same, every tag as JSON (s)",
    "e": "(e) change events (events/s)",
}

# Thresholds.  (c) "no worse than upstream" allows 5 % of noise: two runs of
# the same server differ by more than that on these machines.
TARGET_A_VS_UPSTREAM = 2.0
TARGET_B_VS_UPSTREAM = 2.0
TARGET_A_VS_CORE = 0.60
TARGET_C_VS_UPSTREAM = 0.95
TARGET_D_SLOWDOWN = 1.10

NOT_PLUGINS = ("upstream", "none")
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

def build_plugin(build_dir: Path, python_root: Path | None) -> Path:
    command = ["cmake", "-S", str(lib.ROOT), "-B", str(build_dir), "-DPYTHON_VERSION=3.11",
               "-DCMAKE_BUILD_TYPE=Release"]
    if python_root is not None:
        command += [f"-DPython3_ROOT_DIR={python_root}",
                    f"-DPython3_EXECUTABLE={python_root / 'bin' / 'python3.11'}"]
        # The code generator needs libclang and Jinja2, which the embedded
        # Python may lack: keep the interpreter running this script.
        command.append(f"-DORTHANC_CODEGEN_PYTHON={sys.executable}")
    log("$ " + " ".join(command))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(build_dir), "-j2"], check=True,
                   stdout=subprocess.DEVNULL)
    return build_dir / "libOrthancPython.so"


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


# ------------------------------------------------------------------ phases

class Bench:
    def __init__(self, args: argparse.Namespace, plugins: dict[str, Path]) -> None:
        self.args = args
        self.plugins = plugins                     # "ours" first
        self.paths: dict[str, Path | None] = {**plugins, "upstream": args.upstream, "none": None}
        self.workdir = lib.scratch_dir(args.workdir)
        self.config = lib.orthanc_config(args.http_threads)
        # samples[scenario][side][round]
        self.samples: dict[str, dict[str, list[float]]] = {}
        self.errors: dict[str, int] = {}
        self.versions: dict[str, Any] = {}
        self.problems: list[str] = []

    def record(self, scenario: str, side: str, value: float) -> None:
        self.samples.setdefault(scenario, {}).setdefault(side, []).append(value)

    def start(self, phase: str, script: str, sides: Sequence[str]) -> list[lib.Server]:
        servers: list[lib.Server] = []
        try:
            for side in sides:
                servers.append(lib.start_server(side, self.paths[side], lib.SCRIPTS / script,
                                                self.workdir / phase, self.config))
        except Exception:
            lib.stop_servers(servers)
            raise
        return servers

    def stop(self, phase: str, servers: Sequence[lib.Server]) -> None:
        for server in servers:
            errors = lib.python_errors(server)
            if errors:
                self.problems.append(f"{phase}/{server.name}: {len(errors)} Python tracebacks "
                                     "in its log")
        self.problems += [f"{phase}/{p}" for p in lib.stop_servers(servers)]

    @staticmethod
    def order(servers: Sequence[lib.Server], round_: int) -> list[lib.Server]:
        shift = round_ % len(servers)
        return list(servers[shift:]) + list(servers[:shift])

    def rest(self) -> None:
        args = self.args
        servers = self.start("rest", "rest.py", [*self.plugins, "upstream"])
        try:
            for server in servers:
                self.versions[server.name] = {
                    "plugin": server.get_json("/plugins/python").get("Version"),
                    "orthanc": server.get_json("/system").get("Version"),
                    "python": _embedded_python(server),
                    "path": str(server.plugin),
                }
            log(f"\n== REST: wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s "
                f"((c): -c{args.cpu_connections}), {args.rounds} rounds")
            for server in servers:  # warm-up: imports, caches, thread pools
                for route in REST_ROUTES.values():
                    lib.run_wrk(server.url + route, 1, args.connections, args.wrk_threads)
            routes = {k: v for k, v in REST_ROUTES.items() if k in args.routes.split(",")}
            for round_ in range(args.rounds):
                for key, route in routes.items():
                    connections = args.cpu_connections if key == "c" else args.connections
                    line = []
                    for server in self.order(servers, round_):
                        result = lib.run_wrk(server.url + route, args.duration, connections,
                                             args.wrk_threads)
                        self.record(key, server.name, result.rps)
                        name = f"{key}/{server.name}"
                        self.errors[name] = self.errors.get(name, 0) + result.errors
                        line.append(f"{server.name} {result.rps:8.0f}")
                    log(f"  round {round_ + 1}  {key:4} {route:14} " + "  ".join(line))
        finally:
            self.stop("rest", servers)

    def store(self) -> None:
        args = self.args
        sides = [*self.plugins, "upstream"]
        servers = self.start("store", STORE_VARIANTS["d"], [*sides, "none"])
        try:
            # (d0), (d1): the same uploads with other callbacks.
            for scenario in ("d0", "d1"):
                for side in sides:
                    servers.append(lib.start_server(f"{side}{SEP}{scenario}", self.paths[side],
                                                    lib.SCRIPTS / STORE_VARIANTS[scenario],
                                                    self.workdir / "store", self.config))
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
            return line.split(marker, 1)[1].split()[0]
    return "3.11 (Debian's libpython3.11)" if server.name == "upstream" else "?"


# ------------------------------------------------------------------ report

def paired(samples: dict[str, list[float]], side: str, other: str) -> float:
    """Median over the rounds of samples[side][r] / samples[other][r]."""
    a, b = samples.get(side, []), samples.get(other, [])
    return median([x / y for x, y in zip(a, b) if y])


def evaluate(bench: Bench) -> dict[str, Any]:
    s = bench.samples
    summary: dict[str, Any] = {"scenarios": {}, "targets": {}}
    core_rounds = [median(values) for values in zip(*s.get("core", {}).values())]
    if not core_rounds and "a" in s:
        core_rounds = [math.nan] * len(s["a"]["ours"])
    core = median(core_rounds)
    for key in ("core", "a", "b", "c", "d", "d0", "d1", "e"):
        if key not in s:
            continue
        entry: dict[str, Any] = {"label": LABELS[key],
                                 "median": {side: median(v) for side, v in s[key].items()}}
        entry["vs_upstream"] = {p: paired(s[key], p, "upstream") for p in bench.plugins}
        if key in STORE_VARIANTS:
            entry["vs_none"] = {p: paired(s[key], p, "none")
                                for p in [*bench.plugins, "upstream"]}
        summary["scenarios"][key] = entry
    for plugin in bench.plugins:
        targets = []

        def target(name: str, value: float, op: str, threshold: float) -> None:
            ok = (value >= threshold if op == ">=" else value <= threshold) and not math.isnan(value)
            targets.append({"target": name, "value": round(value, 3), "op": op,
                            "threshold": threshold, "pass": bool(ok)})

        if "a" in s:
            target("(a) vs upstream", paired(s["a"], plugin, "upstream"), ">=", TARGET_A_VS_UPSTREAM)
            a_vs_core = median([x / c for x, c in zip(s["a"][plugin], core_rounds)])
            target("(a) vs core /system", a_vs_core, ">=", TARGET_A_VS_CORE)
        if "b" in s:
            target("(b) vs upstream", paired(s["b"], plugin, "upstream"), ">=", TARGET_B_VS_UPSTREAM)
        if "c" in s:
            target("(c) vs upstream", paired(s["c"], plugin, "upstream"), ">=", TARGET_C_VS_UPSTREAM)
        if "d" in s:
            target("(d) time vs no plugin", paired(s["d"], plugin, "none"), "<=", TARGET_D_SLOWDOWN)
        summary["targets"][plugin] = targets
    summary["core_ceiling"] = core
    return summary


def print_report(bench: Bench, summary: dict[str, Any]) -> None:
    plugins = list(bench.plugins)
    log("\n== Results: medians; ratios are medians of paired (same-round) ratios")
    width = max(len(label) for label in LABELS.values()) + 2
    header = f"{'scenario':{width}}" + "".join(f"{p:>11}" for p in [*plugins, "upstream"])
    header += "".join(f"{p + '/up':>14}" for p in plugins)
    log(header)
    for key, entry in summary["scenarios"].items():
        fmt = "{:11.3f}" if key.startswith("d") else "{:11.0f}"
        line = f"{entry['label']:{width}}" + "".join(fmt.format(entry["median"].get(p, math.nan))
                                               for p in [*plugins, "upstream"])
        if key != "core":
            line += "".join(f"{entry['vs_upstream'][p]:13.2f}x" for p in plugins)
        if key in STORE_VARIANTS:
            line += f"   no plugin {entry['median']['none']:.3f} s; vs no plugin: " + ", ".join(
                f"{p} {v:.2f}x" for p, v in entry["vs_none"].items())
        log(line)
    for plugin in plugins:
        log(f"\n== Targets: {plugin} ({bench.versions.get(plugin, {}).get('python', '?')} "
            f"embedded; {bench.plugins[plugin]})")
        for t in summary["targets"][plugin]:
            log(f"  {t['target']:24} {t['value']:6.2f} {t['op']} {t['threshold']:<5g} "
                f"{'PASS' if t['pass'] else 'FAIL'}")


def markdown(bench: Bench, summary: dict[str, Any]) -> str:
    plugins = list(bench.plugins)
    head = "| Scenario | " + " | ".join(plugins) + " | upstream 4.0 | " + " | ".join(
        f"{p}/upstream" for p in plugins) + " |"
    lines = [head, "|---" * (2 + 2 * len(plugins)) + "|"]
    for key, entry in summary["scenarios"].items():
        fmt = "{:.3f}" if key.startswith("d") else "{:,.0f}"
        cells = [fmt.format(entry["median"].get(p, math.nan)) for p in [*plugins, "upstream"]]
        ratios = ["" if key == "core" else f"{entry['vs_upstream'][p]:.2f}" for p in plugins]
        label = entry["label"]
        if key in STORE_VARIANTS:
            label += f" (no plugin: {entry['median']['none']:.3f} s; vs no plugin: " + ", ".join(
                f"{p} {v:.2f}" for p, v in entry["vs_none"].items()) + ")"
        lines.append(f"| {label} | " + " | ".join(cells + ratios) + " |")
    lines += ["", "| Target | " + " | ".join(plugins) + " |", "|---" * (1 + len(plugins)) + "|"]
    rows = [t["target"] + f" {t['op']} {t['threshold']:g}" for t in summary["targets"][plugins[0]]]
    for i, name in enumerate(rows):
        cells = []
        for p in plugins:
            t = summary["targets"][p][i]
            cells.append(f"{t['value']:.2f} {'PASS' if t['pass'] else 'FAIL'}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
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


def tool_versions() -> dict[str, str]:
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
            "orthanc_binary": str(lib.harness.ORTHANC_BINARY),
            "git": commit + (" (with local changes in src/ or codegen/)" if dirty else "")}


# ------------------------------------------------------------------ main

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ours", type=Path, help="our plugin (default: $ORTHANC_PYTHON_PLUGIN, "
                   "else build-bench-system/ or build-bench/libOrthancPython.so)")
    p.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                   help="another build of our plugin measured next to ours (e.g. a candidate "
                        "fix); repeatable")
    p.add_argument("--build", action="store_true",
                   help="build ours (Debian's libpython3.11, as upstream) and pyenv (CMake's "
                        "default Python 3.11) first")
    p.add_argument("--upstream", type=Path, default=DEFAULT_UPSTREAM)
    p.add_argument("--scenarios", default="rest,store,changes",
                   help="comma-separated phases among rest, store, changes")
    p.add_argument("--routes", default="core,a,b,c", help="REST scenarios to run")
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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plugins = build_plugins() if args.build else {"ours": args.ours or _default_ours()}
    for item in args.also:
        name, _, path = item.partition("=")
        if not path or name in plugins or name in NOT_PLUGINS:
            log(f"--also {item}: expected NAME=PATH with a new NAME")
            return 2
        plugins[name] = Path(path)
    plugins = {name: path.resolve() for name, path in plugins.items()}
    args.upstream = args.upstream.resolve()
    for name, path in [*plugins.items(), ("upstream", args.upstream)]:
        if not path.is_file():
            hint = ("apt-get install -y orthanc-python" if name == "upstream"
                    else "python bench/run.py --build")
            log(f"{name} plugin {path} is missing ({hint})")
            return 2
    if lib.WRK is None:
        log("wrk is missing: apt-get install -y wrk")
        return 2
    for name, path in [*plugins.items(), ("upstream", args.upstream)]:
        log(f"{name:9} {path}")
    log(f"Orthanc: HttpThreadsCount {args.http_threads} on every side, keep-alive, "
        "no --verbose")

    bench = Bench(args, plugins)
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

    table = markdown(bench, summary)
    result = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": {**tool_versions(), **bench.versions},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "orthanc_config": bench.config,
        "samples": bench.samples,
        "summary": summary,
        "wrk_errors": bench.errors,
        "problems": bench.problems,
        "markdown": table,
    }
    output = args.output or RESULTS / f"{started.strftime('%Y-%m-%dT%H%M%SZ')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    log(f"\nresults: {output}\n\n{table}")
    missed = [t["target"] for t in summary["targets"]["ours"] if not t["pass"]]
    if bench.problems or (missed and not args.no_fail):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
