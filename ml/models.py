"""The three models: how each trains on the warehouse rows, is scored on a holdout, and is
compared. Pure: rows in, (model, report) out; the same code runs in-process and on SageMaker.

A report carries the test metrics, the baselines' on the same split (and peers where there
are), the holdout's definition (so another model can be scored on exactly the same data) and
the lineage of the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ml import recommender, sales_model, venue_model
from ml.dataset import SalesRows
from ml.features import time_split

MIN_CONCERTS = 30


class NotEnoughData(ValueError):
    """The rows cannot support a training and an honest evaluation yet."""


@dataclass(frozen=True)
class ModelSpec:
    """One model: its trainer, its scorer and the metric that decides promotion."""

    name: str
    primary: str  # a key of the metrics (dotted for nested)
    higher_is_better: bool
    train: Callable[[SalesRows, dict[str, Any]], tuple[Any, dict[str, Any]]]
    score: Callable[[Any, SalesRows, dict[str, Any]], dict[str, Any]]
    # What is wrong with a candidate's calibration on its holdout, in words (none: nothing).
    miscalibrated: Callable[[dict[str, Any]], list[str]] = lambda _metrics: []

    def value(self, metrics: dict[str, Any]) -> float:
        """The primary metric out of a metrics dict."""
        out: Any = metrics
        for part in self.primary.split("."):
            out = out[part]
        return float(out)

    def beats(self, metrics: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> list[str]:
        """The baselines this model does not beat on the primary metric (empty: beats all)."""
        mine = self.value(metrics)
        return [
            name
            for name, other in baselines.items()
            if not (mine > self.value(other) if self.higher_is_better else mine < self.value(other))
        ]


def _hps(hps: dict[str, Any]) -> tuple[int, int]:
    return int(hps.get("seed", 7)), int(hps.get("max_iter", 300))


def train_sales(rows: SalesRows, hps: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Ticket sales: fit on the first 80% of concerts (intervals calibrated out of fold over
    blocks of time), test on the 20% that started last."""
    seed, max_iter = _hps(hps)
    examples = rows.examples(completed_only=True)
    if len(examples) < MIN_CONCERTS:
        raise NotEnoughData(
            f"{len(examples)} completed concerts with known artist and venue; {MIN_CONCERTS} needed"
        )
    train, valid, test = time_split(examples)
    fitted_on = train + valid
    folds = int(hps.get("calibration_folds", sales_model.FOLDS))
    model = sales_model.fit(fitted_on, seed=seed, max_iter=max_iter, folds=folds)
    holdout = {"test_from": min(e.starts_at for e in test).isoformat()}
    baselines = {
        name: {"tickets": t, "revenue": r}
        for (name, t), (_, r) in zip(
            sales_model.baselines(fitted_on, test).items(),
            sales_model.baselines(fitted_on, test, "revenue").items(),
            strict=True,
        )
    }
    report = {
        "metrics": sales_model.evaluate(model, test),
        "baselines": baselines,
        "holdout": holdout,
        "examples": {"train": len(fitted_on), "calibration_folds": folds, "test": len(test)},
    }
    return model, report


def score_sales(model: Any, rows: SalesRows, holdout: dict[str, Any]) -> dict[str, Any]:
    """A sales model's metrics on the concerts starting from the holdout's first start."""
    start = datetime.fromisoformat(holdout["test_from"])
    return sales_model.evaluate(
        model, [e for e in rows.examples(completed_only=True) if e.starts_at >= start]
    )


def train_venues(rows: SalesRows, hps: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Venue popularity: fit on every earlier cut-off, test at the last complete period."""
    seed, max_iter = _hps(hps)
    history = venue_model.VenueHistory(rows)
    cutoff = history.test_cutoff()
    if cutoff is None or not history.train_cutoffs(cutoff):
        raise NotEnoughData(f"venue popularity needs sales spanning {3 * venue_model.PERIOD.days} days")
    model = venue_model.fit(history, cutoff, seed=seed, max_iter=min(max_iter, 100))
    report = {
        "metrics": venue_model.evaluate(model, history, cutoff),
        "baselines": venue_model.baselines(history, cutoff),
        "holdout": {"cutoff": cutoff.isoformat()},
        "examples": {"train_cutoffs": len(history.train_cutoffs(cutoff)), "venues": len(history.venues)},
    }
    return model, report


def score_venues(model: Any, rows: SalesRows, holdout: dict[str, Any]) -> dict[str, Any]:
    """A venue model's Spearman at the holdout's cut-off."""
    history = venue_model.VenueHistory(rows)
    return venue_model.evaluate(model, history, datetime.fromisoformat(holdout["cutoff"]))


def train_recommendations(rows: SalesRows, hps: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Recommendations: blend learnt before the last window of sales, tested on that window."""
    from ml.als_peer import als_metrics

    seed, _ = _hps(hps)
    split = recommender.holdout_window(rows)
    if split is None:
        raise NotEnoughData(f"recommendations need sales spanning {3 * recommender.WINDOW.days} days")
    cutoff, end = split
    try:
        model = recommender.fit(rows, cutoff, seed=seed)
    except ValueError as exc:
        raise NotEnoughData(str(exc)) from None
    holdout = {"cutoff": cutoff.isoformat(), "end": end.isoformat(), "seed": seed}
    test = recommender.Holdout.of(rows, cutoff, end, seed=seed)
    peer = als_metrics(rows, cutoff, test, seed=seed) if hps.get("peer", True) else None
    report = {
        "metrics": recommender.evaluate(model, test),
        "baselines": {"most_popular": recommender.most_popular(test)},
        "peers": {"implicit_als": peer} if peer else {},
        "holdout": holdout,
        "examples": {"candidates": len(test.candidates), "customers": len(test.truth)},
    }
    return model, report


def score_recommendations(model: Any, rows: SalesRows, holdout: dict[str, Any]) -> dict[str, Any]:
    """A recommender's metrics on the holdout's window and customers."""
    test = recommender.Holdout.of(
        rows,
        datetime.fromisoformat(holdout["cutoff"]),
        datetime.fromisoformat(holdout["end"]),
        seed=int(holdout["seed"]),
    )
    return recommender.evaluate(model, test)


SPECS = {
    s.name: s
    for s in (
        ModelSpec(
            "ticket_sales",
            "tickets.mae",
            False,
            train_sales,
            score_sales,
            sales_model.calibration_problems,
        ),
        ModelSpec("venue_popularity", "spearman", True, train_venues, score_venues),
        ModelSpec("recommendations", "ndcg_at_10", True, train_recommendations, score_recommendations),
    )
}
ALIASES = {"sales": "ticket_sales", "venues": "venue_popularity", "recommend": "recommendations"}


def spec(name: str) -> ModelSpec:
    """A model by name or alias; ValueError naming the known ones."""
    full = ALIASES.get(name, name)
    if full not in SPECS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(SPECS)} (or {', '.join(ALIASES)})")
    return SPECS[full]
