"""When to retrain (new data, drift) and when to promote (better on the same holdout)."""

from __future__ import annotations

import random

from ml.drift import Policy, psi, reference, should_train
from ml.models import SPECS
from ml.promotion import decide

SALES = [{"quantity": random.Random(i).choice([1, 2, 2, 4]), "revenue": 50.0 + (i % 40)} for i in range(4000)]


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    ref = reference(SALES[:2000])
    same = [s["revenue"] / s["quantity"] for s in SALES[2000:]]
    shifted = [3 * s["revenue"] / s["quantity"] for s in SALES[2000:]]
    assert psi(ref["unit_price"], same) < 0.05
    assert psi(ref["unit_price"], shifted) > 1.0


def test_retraining_waits_for_enough_data_or_drift() -> None:
    policy = Policy(min_sales=1000, growth=0.5, psi_threshold=0.2, min_drift_sample=100)
    assert should_train(None, 999, [], policy)[0] is False
    assert should_train(None, 1000, [], policy) == (True, "no model yet and 1000 sales")
    current = {"trained_sales": 2000, "reference": reference(SALES[:2000])}
    go, why = should_train(current, 3000, SALES[2000:3000], policy)
    assert go and "1000 new sales" in why
    go, why = should_train(current, 2200, SALES[2000:2200], policy)
    assert not go and "no drift" in why
    drifted = [{**s, "revenue": s["revenue"] * 3} for s in SALES[2000:2200]]
    go, why = should_train(current, 2200, drifted, policy)
    assert go and why.startswith("drift: PSI of unit_price")
    assert should_train(current, 2000, [], policy)[0] is False, "no new data: nothing to train"


def test_promotion_needs_the_baselines_beaten_and_a_strict_improvement() -> None:
    sales, recs = SPECS["ticket_sales"], SPECS["recommendations"]
    base = {"venue_mean": {"tickets": {"mae": 5.0}}}
    assert decide(sales, {"tickets": {"mae": 3.0}}, base, None).promote
    lost = decide(sales, {"tickets": {"mae": 6.0}}, base, None)
    assert not lost.promote and "venue_mean" in lost.reason
    same = decide(sales, {"tickets": {"mae": 3.0}}, base, {"tickets": {"mae": 3.0}}, "v1")
    assert not same.promote and "not better than v1" in same.reason
    assert decide(sales, {"tickets": {"mae": 2.9}}, base, {"tickets": {"mae": 3.0}}, "v1").promote
    pop = {"most_popular": {"ndcg_at_10": 0.1}}
    assert decide(recs, {"ndcg_at_10": 0.3}, pop, {"ndcg_at_10": 0.2}).promote
    assert not decide(recs, {"ndcg_at_10": 0.3}, pop, {"ndcg_at_10": 0.31}).promote


def test_promotion_refuses_a_candidate_whose_intervals_are_miscalibrated() -> None:
    sales = SPECS["ticket_sales"]
    base = {"venue_mean": {"tickets": {"mae": 5.0}}}

    def metrics(tickets: float, revenue: float, n: float = 2000) -> dict[str, dict[str, float]]:
        return {
            "tickets": {"mae": 3.0, "coverage_80": tickets, "n": n},
            "revenue": {"mae": 90.0, "coverage_80": revenue, "n": n},
        }

    assert decide(sales, metrics(0.78, 0.82), base, None).promote  # within 3 points
    off = decide(sales, metrics(0.679, 0.80), base, None)
    assert not off.promote
    assert off.reason == (
        "calibration off: the tickets interval covers 67.9% of held-out concerts (80% ± 3.0 points expected)"
    )
    assert "revenue interval covers 85.0%" in decide(sales, metrics(0.80, 0.85), base, None).reason
    # On 100 concerts 3 points cannot be told from chance: two standard errors (8 points) hold.
    assert decide(sales, metrics(0.74, 0.86, n=100), base, None).promote
    assert not decide(sales, metrics(0.70, 0.80, n=100), base, None).promote


def test_the_training_table_shows_metrics_not_the_counts_beside_them() -> None:
    from concert.cli_ml import _flat

    flat = _flat(
        {"tickets": {"mae": 2.5, "coverage_80": 0.8, "n": 1976.0}, "customers": 3000.0, "ndcg_at_10": 0.2}
    )
    assert flat == {"tickets.mae": 2.5, "tickets.coverage_80": 0.8, "ndcg_at_10": 0.2}
