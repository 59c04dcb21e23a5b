"""The benchmarks' report (bench/orthanc_bench/report.py): paired ratios,
targets and the Markdown table, from samples shaped as a run gathers them."""

from __future__ import annotations

import math

from orthanc_bench.report import check, evaluate, markdown, median, paired
from orthanc_bench.scenarios import FREE_THREADED, GIL_TWIN, Goal


def test_median_ignores_missing_values():
    assert median([3.0, float("nan"), 1.0, 2.0]) == 2.0
    assert math.isnan(median([float("nan")]))
    assert math.isnan(median([]))


def test_paired_is_the_median_of_same_round_ratios():
    samples = {"ours": [100.0, 50.0, 90.0], "native": [100.0, 100.0, 100.0]}
    # Round by round: 1.0, 0.5, 0.9; the ratio of the medians would be 0.9 as well,
    # but a slow round of one side must only count against that round.
    assert paired(samples, "ours", "native") == 0.9
    assert math.isnan(paired({"ours": [1.0], "native": [0.0]}, "ours", "native"))  # no usable round


def test_check_passes_throughput_above_and_time_below_the_threshold():
    assert check("(a) vs native", 0.95, Goal("a", "native", ">=", 0.90))["pass"]
    assert not check("(a) vs native", 0.85, Goal("a", "native", ">=", 0.90))["pass"]
    assert check("(d) vs none", 1.05, Goal("d", "none", "<=", 1.10))["pass"]
    assert not check("(d) vs none", float("nan"), Goal("d", "none", "<=", 1.10))["pass"]


def test_evaluate_checks_every_build_of_ours_and_the_free_threaded_twin():
    samples = {
        "a": {"ours": [950.0, 900.0], "candidate": [800.0, 800.0], "native": [1000.0, 1000.0]},
        "c": {"ours": [10.0, 10.0], "upstream": [10.0, 12.0],
              FREE_THREADED: [18.0, 20.0], GIL_TWIN: [10.0, 10.0]},
    }
    cpu = {"a": {"ours": [40.0, 50.0], "native": [35.0, 35.0]}}
    summary = evaluate(samples, cpu, ["ours", "candidate"])
    assert list(summary["scenarios"]) == ["a", "c"]  # the report's order
    a = summary["scenarios"]["a"]
    assert a["median"]["ours"] == 925.0 and a["ratios"]["ours/native"] == 0.925
    assert a["cpu_us_per_request"] == {"ours": 45.0, "native": 35.0}
    assert summary["scenarios"]["c"]["ratios"][f"{FREE_THREADED}/{GIL_TWIN}"] == 1.9
    ours = {t["target"]: t["pass"] for t in summary["targets"]["ours"]}
    assert ours == {"(a) vs native": True, "(c) vs upstream": False}  # c: 1.0 and 0.83 -> 0.92
    # A build missing from a scenario fails its target there (no value: NaN).
    candidate = {t["target"]: (t["pass"], math.isnan(t["value"])) for t in summary["targets"]["candidate"]}
    assert candidate == {"(a) vs native": (False, False), "(c) vs upstream": (False, True)}
    assert [t["pass"] for t in summary["targets"][FREE_THREADED]] == [True]


def test_markdown_has_one_row_per_scenario_and_per_target():
    samples = {"a": {"ours": [900.0], "native": [1000.0]}, "d": {"ours": [1.2], "none": [1.0]}}
    table = markdown(evaluate(samples, {}, ["ours"])).splitlines()
    assert table[0] == "| Scenario | ours | native | none | ours/native | ours/none |"
    assert "| (a) trivial route (req/s) | 900 | 1,000 |  | 0.90 |  |" in table
    assert "| (d) 500 uploads + callback (s) | 1.200 |  | 1.000 |  | 1.20 |" in table
    assert "| ours | (a) vs native >= 0.9 | 0.90 | PASS |" in table
    assert "| ours | (d) vs none <= 1.1 | 1.20 | FAIL |" in table
