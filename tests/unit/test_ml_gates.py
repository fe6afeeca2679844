"""When to retrain (new data, drift) and when to promote (better on the same holdout)."""

from __future__ import annotations

import random
from pathlib import Path

from consumers.warehouse.client import DataApiWarehouse
from ml.drift import Policy, Recent, psi, recent_query, reference, should_train
from ml.models import SPECS
from ml.promotion import decide
from tests.unit.local_warehouse import LocalDataApi, run, star_schema

SALES = [{"quantity": random.Random(i).choice([1, 2, 2, 4]), "revenue": 50.0 + (i % 40)} for i in range(4000)]


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    ref = reference(SALES[:2000])
    same = [s["revenue"] / s["quantity"] for s in SALES[2000:]]
    shifted = [3 * s["revenue"] / s["quantity"] for s in SALES[2000:]]
    assert psi(ref["unit_price"], same) < 0.05
    assert psi(ref["unit_price"], shifted) > 1.0


def test_retraining_waits_for_enough_data_or_drift() -> None:
    policy = Policy(min_sales=1000, growth=0.5, psi_threshold=0.2, min_drift_sample=100)
    assert should_train(None, 999, None, policy)[0] is False
    assert should_train(None, 1000, None, policy) == (True, "no model yet and 1000 sales")
    ref = reference(SALES[:2000])
    current = {"trained_sales": 2000, "reference": ref}
    go, why = should_train(current, 3000, Recent.of_sales(SALES[2000:3000], ref), policy)
    assert go and "1000 new sales" in why
    go, why = should_train(current, 2200, Recent.of_sales(SALES[2000:2200], ref), policy)
    assert not go and "no drift" in why
    drifted = [{**s, "revenue": s["revenue"] * 3} for s in SALES[2000:2200]]
    go, why = should_train(current, 2200, Recent.of_sales(drifted, ref), policy)
    assert go and why.startswith("drift: PSI of unit_price")
    few = Recent.of_sales(drifted[:99], ref)
    assert not should_train(current, 2099, few, policy)[0], "too few new sales to judge a drift"
    assert should_train(current, 2000, Recent.of_sales([], ref), policy)[0] is False, (
        "no new data: nothing to train"
    )


def test_the_warehouse_counts_new_sales_into_the_bins_as_memory_does(tmp_path: Path) -> None:
    """The drift check's one aggregate, run by the local Redshift endpoint, against the same
    counted in Python: values on an edge, a zero quantity and sales before `since` included."""
    ref = reference(SALES[:2000])
    edge = ref["unit_price"]["edges"][3]
    sales = [
        *({**s, "sold_at": f"2026-03-01 10:{i % 60:02d}:00+00"} for i, s in enumerate(SALES[2000:2600])),
        {"quantity": 2, "revenue": 2 * edge, "sold_at": "2026-03-02 00:00:00+00"},  # on an edge
        {"quantity": int(ref["quantity"]["edges"][0]), "revenue": 10.0, "sold_at": "2026-03-02 00:00:00+00"},
        {"quantity": 0, "revenue": 0.0, "sold_at": "2026-03-02 00:00:00+00"},
        {"quantity": 9, "revenue": 999.0, "sold_at": "2026-02-01 00:00:00+00"},  # before `since`: not new
    ]
    engine = star_schema(tmp_path / "w.duckdb")
    try:
        for i in range(0, len(sales), 200):
            values = ", ".join(
                f"('s{i + j}', {i + j}, 1, 1, 1, 1, '{s['sold_at']}', 20260301, 'ga', {s['quantity']}, "
                f"{s['revenue'] / max(s['quantity'], 1):.6f}, {s['revenue']:.2f}, 'USD', 'web', 'mid', 'x', 'IL', 1, 1, "
                "'pop', 50, 1, 1, 0.1)"
                for j, s in enumerate(sales[i : i + 200])
            )
            assert run(engine, f"INSERT INTO fact_ticket_sales VALUES {values}")["Status"] == "FINISHED"
        sql, params = recent_query(ref, "2026-02-15T00:00:00")
        warehouse = DataApiWarehouse(LocalDataApi(engine))
        counted = Recent.of_row(warehouse.query(sql, params)[0], ref)
    finally:
        engine.close()
    stored = [{"quantity": s["quantity"], "revenue": round(s["revenue"], 2)} for s in sales[:-1]]
    assert counted == Recent.of_sales(stored, ref) and counted.n == len(sales) - 1


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
