"""When to retrain: enough new sales, or the sales drifted (PSI) from what a model learnt, and
not again within a minimum interval of the model's last training. Pure.

The reference of a model is a histogram, per monitored feature, of the sales it learnt from
(decile edges and shares); the population stability index compares new sales with it. The new
sales are counted into the reference's bins where they are, in the warehouse (`recent_query`):
the check runs after every load cycle, and fetching the sales themselves (up to 100,000 rows a
model) kept a dozen 200 MB check workers busy and the endpoint serving their pages.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MONITORED = ("quantity", "unit_price")
BINS = 10
EPS = 1e-4


def monitored(sale: Mapping[str, Any]) -> dict[str, float]:
    """The monitored features of one sale."""
    q = float(sale["quantity"])
    return {"quantity": q, "unit_price": float(sale["revenue"]) / q if q else 0.0}


def reference(sales: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Decile edges and shares of each monitored feature."""
    values = [monitored(s) for s in sales]
    out: dict[str, Any] = {}
    for f in MONITORED:
        v = np.array([row[f] for row in values], dtype=float)
        if not len(v):
            continue
        edges = np.unique(np.quantile(v, np.linspace(0, 1, BINS + 1)[1:-1]))
        out[f] = {"edges": edges.tolist(), "shares": _shares(v, edges).tolist()}
    return out


def _counts(values: Any, edges: Any) -> Any:
    """How many values fall in each bin: a value lands past every edge it is not below."""
    return np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)


def _shares(values: Any, edges: Any) -> Any:
    return _counts(values, edges) / max(1, len(values))


def psi(ref: Mapping[str, Any], values: Iterable[float]) -> float:
    """Population stability index of `values` against a reference histogram."""
    v = np.array(list(values), dtype=float)
    return psi_of_counts(ref, _counts(v, np.array(ref["edges"], dtype=float)))


def psi_of_counts(ref: Mapping[str, Any], counts: Sequence[int]) -> float:
    """Population stability index of values counted into the reference's bins."""
    c = np.array(counts, dtype=float)
    expected = np.clip(np.array(ref["shares"], dtype=float), EPS, None)
    actual = np.clip(c / max(1.0, float(c.sum())), EPS, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


@dataclass(frozen=True)
class Recent:
    """The sales newer than a model's data, as the drift check reads them: how many, and per
    monitored feature how many fall in each bin of the model's reference."""

    n: int
    counts: dict[str, list[int]]

    @classmethod
    def of_sales(cls, sales: Sequence[Mapping[str, Any]], ref: Mapping[str, Any]) -> Recent:
        """The same counted in memory (what `recent_query` counts in the warehouse)."""
        rows = [monitored(s) for s in sales]
        return cls(
            len(rows),
            {
                f: _counts(
                    np.array([r[f] for r in rows], dtype=float), np.array(h["edges"], dtype=float)
                ).tolist()
                for f, h in ref.items()
                if f in MONITORED
            },
        )

    @classmethod
    def of_row(cls, row: Mapping[str, Any], ref: Mapping[str, Any]) -> Recent:
        """From the one row `recent_query` answers."""
        return cls(
            int(row["n"] or 0),
            {
                f: [int(row[f"{f}_bin_{i}"] or 0) for i in range(len(h["edges"]) + 1)]
                for f, h in ref.items()
                if f in MONITORED
            },
        )

    def as_row(self) -> dict[str, int]:
        """The row `recent_query` answers for these counts."""
        return {"n": self.n} | {
            f"{f}_bin_{i}": c for f, counts in self.counts.items() for i, c in enumerate(counts)
        }


_VALUE = {  # each monitored feature in SQL, as `monitored` computes it
    "quantity": "CAST(quantity AS FLOAT8)",
    "unit_price": "CASE WHEN quantity <> 0 THEN CAST(revenue AS FLOAT8) / quantity ELSE 0 END",
}


def recent_query(ref: Mapping[str, Any], since: str) -> tuple[str, dict[str, str]]:
    """The drift check's one question (SQL and its parameters): how many sales are newer than
    `since`, and how many of them fall in each bin of each monitored feature of `ref` (the bins
    of `_counts`), counted in the warehouse: one row, whatever the number of sales."""
    params = {"since": since}
    bins, sums = [], ["COUNT(*) AS n"]
    for f in MONITORED:
        if f not in ref:
            continue
        edges = ref[f]["edges"]
        whens = []
        for i, edge in enumerate(edges):
            params[f"{f}_edge_{i}"] = repr(float(edge))
            whens.append(f"WHEN {_VALUE[f]} < CAST(:{f}_edge_{i} AS FLOAT8) THEN {i}")
        bins.append((f"CASE {' '.join(whens)} ELSE {len(edges)} END" if whens else "0") + f" AS {f}_bin")
        sums += [
            f"SUM(CASE WHEN {f}_bin = {i} THEN 1 ELSE 0 END) AS {f}_bin_{i}" for i in range(len(edges) + 1)
        ]
    inner = ", ".join(["1 AS one", *bins])
    # built from the feature names and bin numbers above; every value is a parameter
    sql = f"SELECT {', '.join(sums)} FROM (SELECT {inner} FROM fact_ticket_sales "  # noqa: S608
    return sql + "WHERE sold_at > CAST(:since AS TIMESTAMP)) AS recent", params


@dataclass(frozen=True)
class Policy:
    """The thresholds of a retraining decision."""

    min_sales: int = 5000
    growth: float = 0.5
    psi_threshold: float = 0.2
    min_drift_sample: int = 500
    # Trainings of one model started by events are at least this far apart, whatever their
    # outcome: a stream loading in back-to-back cycles would otherwise retrain on every cycle
    # while the data grows (or while a rejected or failed candidate leaves the trigger true).
    min_interval_s: float = 900.0


def cooling_down(since_last_s: float | None, policy: Policy = Policy()) -> str | None:
    """Why a model must wait (its last training started `since_last_s` ago), or None."""
    if since_last_s is None or since_last_s >= policy.min_interval_s:
        return None
    wait = policy.min_interval_s - max(since_last_s, 0.0)
    return (
        f"last training {since_last_s / 60:.1f} min ago: the next is considered in {wait / 60:.1f} min "
        f"(at most one every {policy.min_interval_s / 60:g} min)"
    )


def should_train(
    current: Mapping[str, Any] | None,
    total_sales: int,
    recent: Recent | None,
    policy: Policy = Policy(),
) -> tuple[bool, str]:
    """Train or not, and why. `current` is the promoted model's record (None: none yet), with
    `trained_sales` and `reference`; `recent` the sales newer than its data, counted."""
    if current is None:
        if total_sales < policy.min_sales:
            return False, f"{total_sales} sales; the first training waits for {policy.min_sales}"
        return True, f"no model yet and {total_sales} sales"
    learnt = int(current.get("trained_sales", 0))
    new = total_sales - learnt
    if new >= max(1, math.ceil(policy.growth * learnt)):
        return True, f"{new} new sales since training (threshold {policy.growth:.0%} of {learnt})"
    if recent is not None and recent.n >= policy.min_drift_sample:
        for f, ref in (current.get("reference") or {}).items():
            if f not in recent.counts:
                continue
            score = psi_of_counts(ref, recent.counts[f])
            if score >= policy.psi_threshold:
                return True, f"drift: PSI of {f} is {score:.3f} (threshold {policy.psi_threshold})"
    return False, f"{max(new, 0)} new sales and no drift: the current model stays"
