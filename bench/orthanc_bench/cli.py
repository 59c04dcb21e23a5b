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
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from orthanc_packaging.orthanc_setup import ORTHANC_BINARY

from . import BENCH_DIR, BenchError, log
from .builds import choose_builds
from .phases import Bench
from .report import evaluate, machine, markdown, print_report, tool_versions
from .scenarios import FREE_THREADED, GIL_TWIN
from .sides import FORKY_UPSTREAM, HOST_UPSTREAM, forky_root_of, make_sides, missing_files
from .wrk import WRK

RESULTS = BENCH_DIR / "results"


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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.forky and args.orthanc_binary is None:
        log("--forky needs --orthanc-binary (nox -s bench makes the wrapper)")
        return 2
    try:
        plugins, twins, native = choose_builds(args)
    except BenchError as error:
        log(str(error))
        return 2
    resolve = (lambda p: p) if args.forky else Path.resolve
    sides = make_sides({n: p.resolve() for n, p in plugins.items()},
                       {n: p.resolve() for n, p in twins.items()},
                       native.resolve() if native else None, resolve(args.upstream))
    problems = missing_files(sides, forky_root_of(args.orthanc_binary) if args.forky else None)
    if WRK is None:
        problems.append("wrk is missing: apt-get install -y wrk")
    for problem in problems:
        log(problem)
    if problems:
        return 2
    for side in sides.values():
        if side.plugin is not None:
            log(f"{side.name:12} {side.plugin} {json.dumps(side.config) if side.config else ''}")
    log(f"Orthanc: {args.orthanc_binary or ORTHANC_BINARY}, HttpThreadsCount "
        f"{args.http_threads} on every side, keep-alive, no --verbose")

    bench = Bench(args, sides)
    started = dt.datetime.now(dt.timezone.utc)
    phases = {"rest": bench.rest, "store": bench.store, "changes": bench.changes}
    try:
        for name in args.scenarios.split(","):
            phases[name.strip()]()
    finally:
        shutil.rmtree(bench.workdir, ignore_errors=True)

    summary = evaluate(bench.samples, bench.cpu, bench.plugins)
    print_report(summary)
    failed_requests = {key: n for key, n in bench.errors.items() if n}
    if failed_requests:
        bench.problems.append(f"failed requests under load: {failed_requests}")
    for problem in bench.problems:
        log(f"PROBLEM: {problem}")
    for note in bench.notes:
        log(f"NOTE (not ours): {note.splitlines()[0]}")

    table = markdown(summary)
    result = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": os.getloadavg(),
        "versions": {**tool_versions(bench.binary or ORTHANC_BINARY), **bench.versions},
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

