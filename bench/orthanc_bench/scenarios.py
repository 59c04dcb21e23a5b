"""What the benchmarks measure: the REST routes, the store variants, the labels
of every scenario, and the targets (goals) ours must meet."""

from __future__ import annotations

from dataclasses import dataclass

# What a side is: "ours" (a build of this tree, targets checked), "upstream"
# (the upstream plugin, either AllowThreads setting), "native" (the limit),
# "twin" (ours on a twin CPython build: CPU-bound scenarios only), "none".
OURS, UPSTREAM, NATIVE, TWIN, NONE = "ours", "upstream", "native", "twin", "none"
# The twin builds, free-threaded and with the GIL, compared with each other.
FREE_THREADED, GIL_TWIN = "py3.14t", "py3.14"

LARGE_SIZE = 10 << 20  # (f) answers and (g) bodies


@dataclass(frozen=True)
class Route:
    key: str
    path: str
    label: str
    kinds: frozenset[str]   # the kinds of side that serve it
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

# The store scenarios' scripts; a server "<side>+<scenario>" runs one of them,
# "<side>" runs (d)'s, "none" (no plugin) is the reference of them all.
STORE_VARIANTS = {"d": "store.py", "d0": "store_empty.py", "d1": "store_simplified.py"}
SEP = "+"


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
