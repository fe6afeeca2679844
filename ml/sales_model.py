"""Ticket-sales prediction per concert: tickets and revenue with calibrated 80% intervals.

Gradient boosting for the point and the 10%/90% quantiles, trained on the concerts that
started first; the interval is then widened by split-conformal calibration (CQR) on the
validation concerts, which started after the training ones, so that about 80% of future
concerts fall inside. Evaluated on the concerts that started last by MAE, MAPE (concerts that
sold) and interval coverage, next to the venue, artist and global means on the same split.
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


def fit(
    train: list[Example],
    calibration: list[Example] | None = None,
    *,
    seed: int = 7,
    max_iter: int = 300,
    learning_rate: float = 0.05,
) -> SalesModel:
    """Fit on `train`, calibrate the intervals on `calibration` (deterministic for a seed)."""
    models = {}
    for target in TARGETS:
        x, y = matrix(train, target)

        def model(x: Matrix = x, y: Matrix = y, **loss: Any) -> HistGradientBoostingRegressor:
            return HistGradientBoostingRegressor(
                max_iter=max_iter,
                learning_rate=learning_rate,
                random_state=seed,
                early_stopping=False,
                **loss,
            ).fit(x, y)

        fitted = IntervalModel(
            model(), model(loss="quantile", quantile=0.1), model(loss="quantile", quantile=0.9)
        )
        if calibration:
            xc, yc = matrix(calibration, target)
            fitted.margin = conformal_margin(fitted, xc, yc)
        models[target] = fitted
    x, _ = matrix(train)
    ranges = (
        {f: (float(x[:, i].min()), float(x[:, i].max())) for i, f in enumerate(FEATURES)} if len(x) else {}
    )
    return SalesModel(models, ranges)


def conformal_margin(model: IntervalModel, x: Matrix, y: Matrix, coverage: float = COVERAGE) -> float:
    """CQR: the margin that makes the quantile interval cover `coverage` of the calibration set."""
    model.margin = 0.0
    _, low, high = model.predict(x)
    scores = np.sort(np.maximum(low - y, y - high))
    n = len(scores)
    k = min(n - 1, math.ceil((n + 1) * coverage) - 1)
    return float(max(scores[k], 0.0)) if n else 0.0


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
