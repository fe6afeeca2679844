"""Ticket-sales prediction per concert: tickets and revenue with calibrated 80% intervals.

Gradient boosting for the point and the 10%/90% quantiles, fitted on every concert that started
before the test; the interval is then widened by cross-conformal calibration (CQR scores out of
fold over blocks of time), so that about 80% of future concerts fall inside whatever the season.
A split-conformal margin from the last window before the test held on some histories and not
others (coverage 0.75-0.79 on five workloads: a winter window calibrated a spring test). Evaluated
on the concerts that started last by MAE, MAPE (concerts that sold) and interval coverage, next
to the venue, artist and global means on the same split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from ml.features import FEATURES, Example

Matrix = Any
TARGETS = ("tickets", "revenue")
COVERAGE = 0.8
COVERAGE_TOLERANCE = 0.03
FOLDS = 5  # blocks of time for the cross-conformal calibration
QUANTILE_ITER = 100


def matrix(examples: list[Example], target: str = "tickets") -> tuple[Matrix, Matrix]:
    """Feature matrix (columns in FEATURES order) and one target."""
    x = np.array([[e.features[f] for f in FEATURES] for e in examples], dtype=float).reshape(
        -1, len(FEATURES)
    )
    y = np.array([float(getattr(e, target)) for e in examples], dtype=float)
    return x, y


@dataclass
class IntervalModel:
    """A point model, the 10% and 90% quantile models, and the conformal margin."""

    point: HistGradientBoostingRegressor
    low: HistGradientBoostingRegressor
    high: HistGradientBoostingRegressor
    margin: float = 0.0

    def predict(self, x: Matrix) -> tuple[Matrix, Matrix, Matrix]:
        """Point and interval (never negative, low ≤ point ≤ high)."""
        point = np.clip(self.point.predict(x), 0, None)
        low = np.minimum(np.clip(self.low.predict(x) - self.margin, 0, None), point)
        high = np.maximum(self.high.predict(x) + self.margin, point)
        return point, low, high


@dataclass
class SalesModel:
    """Interval models per target, and the training range of each feature."""

    models: dict[str, IntervalModel]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)

    def predict(self, examples: list[Example], target: str = "tickets") -> tuple[Matrix, Matrix, Matrix]:
        """Predicted target with its interval's bounds."""
        x, _ = matrix(examples, target)
        return self.models[target].predict(x)

    def out_of_range(self, example: Example) -> list[str]:
        """Features outside what training saw: the answer is then low-confidence."""
        return [
            f
            for f, (lo, hi) in self.ranges.items()
            if not lo <= example.features[f] <= hi and not f.startswith("genre_")
        ]


def quantile_model(x: Matrix, y: Matrix, q: float, seed: int) -> HistGradientBoostingRegressor:
    """The `q` quantile's model of `y`."""
    # A third of the point model's rounds: the cross-conformal calibration fits ten per target.
    return HistGradientBoostingRegressor(
        loss="quantile",
        quantile=q,
        max_iter=QUANTILE_ITER,
        learning_rate=0.1,
        min_samples_leaf=40,
        random_state=seed,
        early_stopping=False,
    ).fit(x, y)


def cross_conformal_margin(x: Matrix, y: Matrix, folds: int, seed: int, coverage: float = COVERAGE) -> float:
    """CQR's margin from out-of-fold scores: the rows (oldest first) cut into `folds` blocks of
    time; each block scored by quantile models fitted on the other blocks. Every season of the
    history then calibrates the interval, not only the last one before the test."""
    scores = np.zeros(len(y))
    for block in np.array_split(np.arange(len(y)), folds):
        rest = np.ones(len(y), dtype=bool)
        rest[block] = False
        low, high = quantile_model(x[rest], y[rest], 0.1, seed), quantile_model(x[rest], y[rest], 0.9, seed)
        scores[block] = np.maximum(low.predict(x[block]) - y[block], y[block] - high.predict(x[block]))
    return conformal_quantile(scores, coverage)


def conformal_quantile(scores: Matrix, coverage: float = COVERAGE) -> float:
    """The ceil((n + 1) * coverage)-th smallest score (never below 0; 0 when there are none)."""
    ordered = np.sort(np.asarray(scores, dtype=float))
    n = len(ordered)
    k = min(n - 1, math.ceil((n + 1) * coverage) - 1)
    return float(max(ordered[k], 0.0)) if n else 0.0


def fit(
    examples: list[Example],
    *,
    seed: int = 7,
    max_iter: int = 300,
    learning_rate: float = 0.05,
    folds: int = FOLDS,
) -> SalesModel:
    """Fit on `examples` (deterministic for a seed); with `folds` >= 2, widen the quantile
    interval by cross-conformal calibration over that many blocks of time (0: raw quantiles)."""
    ordered = sorted(examples, key=lambda e: e.starts_at)
    models = {}
    for target in TARGETS:
        x, y = matrix(ordered, target)
        point = HistGradientBoostingRegressor(
            max_iter=max_iter, learning_rate=learning_rate, random_state=seed, early_stopping=False
        ).fit(x, y)
        fitted = IntervalModel(point, quantile_model(x, y, 0.1, seed), quantile_model(x, y, 0.9, seed))
        if folds >= 2 and len(y) >= 2 * folds:
            fitted.margin = cross_conformal_margin(x, y, folds, seed)
        models[target] = fitted
    x, _ = matrix(ordered)
    ranges = (
        {f: (float(x[:, i].min()), float(x[:, i].max())) for i, f in enumerate(FEATURES)} if len(x) else {}
    )
    return SalesModel(models, ranges)


def metrics(
    y: Matrix, point: Matrix, low: Matrix | None = None, high: Matrix | None = None
) -> dict[str, float]:
    """MAE, MAPE over concerts that sold, and interval coverage when bounds are given."""
    sold = y > 0
    out = {
        "mae": float(np.mean(np.abs(point - y))),
        "mape": float(np.mean(np.abs(point[sold] - y[sold]) / y[sold])) if sold.any() else float("nan"),
    }
    if low is not None and high is not None:
        out["coverage_80"] = float(np.mean((y >= low) & (y <= high)))
        out["n"] = float(len(y))
    return out


def coverage_tolerance(n: float) -> float:
    """How far an empirical coverage may sit from nominal on `n` concerts: 3 points, or two
    binomial standard errors where `n` is too small for 3 points to be told from chance."""
    return max(COVERAGE_TOLERANCE, 2 * math.sqrt(COVERAGE * (1 - COVERAGE) / n)) if n > 0 else 1.0


def calibration_problems(metrics: dict[str, Any]) -> list[str]:
    """Each target whose interval's coverage on the holdout is off nominal by more than the
    tolerance, said in words (empty: calibrated)."""
    out = []
    for target in TARGETS:
        m = metrics.get(target, {})
        if "coverage_80" not in m:
            continue
        tol = coverage_tolerance(float(m.get("n", 0)))
        if abs(m["coverage_80"] - COVERAGE) > tol:
            out.append(
                f"the {target} interval covers {m['coverage_80']:.1%} of held-out concerts "
                f"({COVERAGE:.0%} ± {100 * tol:.1f} points expected)"
            )
    return out


def evaluate(model: SalesModel, test: list[Example]) -> dict[str, dict[str, float]]:
    """Metrics of each target on these concerts."""
    out = {}
    for target in TARGETS:
        _, y = matrix(test, target)
        out[target] = metrics(y, *model.predict(test, target))
    return out


def baselines(
    train: list[Example], test: list[Example], target: str = "tickets"
) -> dict[str, dict[str, float]]:
    """Metrics of the simple predictors on the same test concerts."""
    _, y_train = matrix(train, target)
    _, y = matrix(test, target)
    overall = float(np.mean(y_train)) if len(y_train) else 0.0

    def mean_by(key: str) -> Matrix:
        groups: dict[int, list[float]] = {}
        for e in train:
            groups.setdefault(getattr(e, key), []).append(float(getattr(e, target)))
        return np.array(
            [float(np.mean(groups[getattr(e, key)])) if getattr(e, key) in groups else overall for e in test]
        )

    return {
        "global_mean": metrics(y, np.full(len(y), overall)),
        "venue_mean": metrics(y, mean_by("venue_id")),
        "artist_mean": metrics(y, mean_by("artist_id")),
    }
