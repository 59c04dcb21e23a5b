"""What a run found: medians, paired ratios (the median over the rounds of the
ratio within a round), the targets checked, the Markdown table, and the machine
and tool versions stored with the results."""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import ROOT, log
from .scenarios import FREE_THREADED, FREE_THREADED_GOAL, GIL_TWIN, GOALS, LABELS, REFERENCES, SCENARIO_ORDER, Goal


def median(values: Sequence[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return float(statistics.median(values)) if values else float("nan")


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


def evaluate(samples: dict[str, dict[str, list[float]]], cpu: dict[str, dict[str, list[float]]],
             plugins: Sequence[str]) -> dict[str, Any]:
    """The summary of samples[scenario][side][round] and cpu (the same shape):
    medians and ratios by scenario, and each build of ours' targets."""
    summary: dict[str, Any] = {"scenarios": {}, "targets": {}}
    for key in SCENARIO_ORDER:
        if key not in samples:
            continue
        entry: dict[str, Any] = {"label": LABELS[key],
                                 "median": {side: median(v) for side, v in samples[key].items()},
                                 "ratios": scenario_ratios(samples[key], plugins)}
        if FREE_THREADED in samples[key] and GIL_TWIN in samples[key]:
            entry["ratios"][f"{FREE_THREADED}/{GIL_TWIN}"] = paired(samples[key], FREE_THREADED,
                                                                    GIL_TWIN)
        if key in cpu:
            entry["cpu_us_per_request"] = {side: median(v) for side, v in cpu[key].items()}
        summary["scenarios"][key] = entry
    for plugin in plugins:
        summary["targets"][plugin] = [
            check(f"({g.scenario}) vs {g.reference}", paired(samples[g.scenario], plugin, g.reference), g)
            for g in GOALS if g.scenario in samples and g.reference in samples[g.scenario]]
    goal = FREE_THREADED_GOAL
    if goal.scenario in samples and FREE_THREADED in samples[goal.scenario] and GIL_TWIN in samples[goal.scenario]:
        summary["targets"][FREE_THREADED] = [check(
            f"({goal.scenario}) vs {GIL_TWIN}",
            paired(samples[goal.scenario], FREE_THREADED, GIL_TWIN), goal)]
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


def print_report(summary: dict[str, Any]) -> None:
    log("\n== Results: medians; ratios are medians of paired (same-round) ratios")
    log(markdown(summary))


def markdown(summary: dict[str, Any]) -> str:
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

    commit = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = first_line(["git", "-C", str(ROOT), "status", "--porcelain", "src", "codegen"])
    return {"wrk": first_line(["wrk", "--version"]),
            "orthanc_binary": str(binary),
            "git": commit + (" (with local changes in src/ or codegen/)" if dirty else "")}
