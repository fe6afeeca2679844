"""The across-data ML suite's pure parts: its workloads, verdicts and summary (no timing)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from bench.ml_suite import WORKLOADS, demand_shift, evaluate_workload, run_suite, summary, verdicts
from ml.dataset import SalesRows
from tests.unit import ml_workload


def test_demand_shift_thins_only_the_concerts_after_the_midpoint() -> None:
    tables = ml_workload.tables()
    shifted = demand_shift(tables, factor=0.5)
    starts = sorted(c["starts_at"] for c in tables["dim_concert"])
    middle = starts[0] + (starts[-1] - starts[0]) / 2
    late = {int(c["concert_id"]) for c in tables["dim_concert"] if c["starts_at"] >= middle}

    def count(rows: list[dict[str, Any]]) -> Counter[bool]:
        return Counter(int(s["concert_id"]) in late for s in rows)

    before, after = count(tables["fact_ticket_sales"]), count(shifted["fact_ticket_sales"])
    assert after[False] == before[False]  # the first half untouched
    assert 0.4 < after[True] / before[True] < 0.6  # the second half about halved
    assert demand_shift(tables, factor=0.5) == shifted  # deterministic
    assert shifted["dim_concert"] is tables["dim_concert"]


def _sales_report(tickets: float, revenue: float) -> dict[str, Any]:
    return {"metrics": {"tickets": {"coverage_80": tickets}, "revenue": {"coverage_80": revenue}}}


def test_verdicts_hold_the_issue_s_targets() -> None:
    assert verdicts("ticket_sales", _sales_report(0.78, 0.83), 12.0) == {
        "trains_under_60_s": True,
        "tickets_coverage_within_3_points": True,
        "revenue_coverage_within_3_points": True,
    }
    off = verdicts("ticket_sales", _sales_report(0.679, 0.84), 146.5)
    assert off == {
        "trains_under_60_s": False,
        "tickets_coverage_within_3_points": False,
        "revenue_coverage_within_3_points": False,
    }
    rec = {
        "metrics": {"ndcg_at_10": 0.030},
        "baselines": {"most_popular": {"ndcg_at_10": 0.010}},
        "peers": {"implicit_als": {"ndcg_at_10": 0.035}},
    }
    assert verdicts("recommendations", rec, 10.0) == {
        "trains_under_60_s": True,
        "at_least_twice_most_popular": True,
        "at_least_als": False,
    }
    rec["peers"] = {}  # no peer installed: no verdict against it, rather than a made-up one
    assert "at_least_als" not in verdicts("recommendations", rec, 10.0)
    venues = {"metrics": {"spearman": 0.9}, "baselines": {"calendar": {"spearman": 0.91}}}
    assert verdicts("venue_popularity", venues, 1.0)["beats_every_baseline"] is False


def test_summary_lists_the_workloads_where_a_target_is_missed() -> None:
    results = [
        {"workload": "a", "models": {"m": {"verdicts": {"fast": True, "good": False}}}},
        {
            "workload": "b",
            "models": {"m": {"verdicts": {"fast": True, "good": False}}, "n": {"skipped": "x"}},
        },
    ]
    assert summary(results) == {"m": {"fast": [], "good": ["a", "b"]}}


def test_the_suite_has_the_five_kinds_of_workload_the_issue_names() -> None:
    assert {"small", "large", "mixed", "shift", "cold"} <= set(WORKLOADS)
    with pytest.raises(ValueError, match="unknown workload nope; available: default"):
        run_suite(["nope"])


def test_every_model_is_evaluated_with_its_baselines_and_verdicts() -> None:
    models = evaluate_workload(SalesRows.of(ml_workload.tables()))
    assert set(models) == {"ticket_sales", "venue_popularity", "recommendations"}
    sales = models["ticket_sales"]
    assert set(sales["baselines"]) == {"global_mean", "venue_mean", "artist_mean"}
    assert set(sales["verdicts"]) == {
        "trains_under_60_s",
        "tickets_coverage_within_3_points",
        "revenue_coverage_within_3_points",
    }
    assert 0.0 <= sales["metrics"]["tickets"]["coverage_80"] <= 1.0 and sales["seconds"] > 0
    rec = models["recommendations"]
    assert "most_popular" in rec["baselines"] and "at_least_twice_most_popular" in rec["verdicts"]
    assert ("at_least_als" in rec["verdicts"]) == bool(rec["peers"])
