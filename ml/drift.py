"""When to retrain: enough new sales, or the sales drifted (PSI) from what a model learnt, and
not again within a minimum interval of the model's last training. Pure.

The reference of a model is a histogram, per monitored feature, of the sales it learnt from
(decile edges and shares); the population stability index compares new sales with it.
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


def _shares(values: Any, edges: Any) -> Any:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(1, len(values))


def psi(ref: Mapping[str, Any], values: Iterable[float]) -> float:
    """Population stability index of `values` against a reference histogram."""
    v = np.array(list(values), dtype=float)
    expected = np.clip(np.array(ref["shares"], dtype=float), EPS, None)
    actual = np.clip(_shares(v, np.array(ref["edges"], dtype=float)), EPS, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


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
    recent: Sequence[Mapping[str, Any]],
    policy: Policy = Policy(),
) -> tuple[bool, str]:
    """Train or not, and why. `current` is the promoted model's record (None: none yet), with
    `trained_sales` and `reference`; `recent` are the sales newer than its data."""
    if current is None:
        if total_sales < policy.min_sales:
            return False, f"{total_sales} sales; the first training waits for {policy.min_sales}"
        return True, f"no model yet and {total_sales} sales"
    learnt = int(current.get("trained_sales", 0))
    new = total_sales - learnt
    if new >= max(1, math.ceil(policy.growth * learnt)):
        return True, f"{new} new sales since training (threshold {policy.growth:.0%} of {learnt})"
    if len(recent) >= policy.min_drift_sample:
        rows = [monitored(s) for s in recent]
        for f, ref in (current.get("reference") or {}).items():
            score = psi(ref, (r[f] for r in rows))
            if score >= policy.psi_threshold:
                return True, f"drift: PSI of {f} is {score:.3f} (threshold {policy.psi_threshold})"
    return False, f"{max(new, 0)} new sales and no drift: the current model stays"
