"""Ticket-sales prediction per concert: gradient boosting with an 80% interval, and baselines.

Trained on concerts that started first, evaluated on those that started last (never the
other way round). Metrics: MAE, MAPE (concerts that sold) and the share of test concerts whose
total fell inside the interval; the same metrics for the baselines on the same split: the
venue's mean and the artist's mean in training (global mean when unseen) and the global mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from ml.features import FEATURES, Example

Matrix = Any


def matrix(examples: list[Example]) -> tuple[Matrix, Matrix]:
    """Feature matrix (columns in FEATURES order) and targets."""
    x = np.array([[e.features[f] for f in FEATURES] for e in examples], dtype=float)
    y = np.array([e.tickets for e in examples], dtype=float)
    return x, y


@dataclass
class SalesModel:
    """A point model and the 10% and 90% quantile models."""

    point: HistGradientBoostingRegressor
    low: HistGradientBoostingRegressor
    high: HistGradientBoostingRegressor

    def predict(self, examples: list[Example]) -> tuple[Matrix, Matrix, Matrix]:
        """Predicted tickets with the interval's bounds (never negative, low ≤ point ≤ high)."""
        x, _ = matrix(examples)
        point = np.clip(self.point.predict(x), 0, None)
        low = np.minimum(np.clip(self.low.predict(x), 0, None), point)
        high = np.maximum(self.high.predict(x), point)
        return point, low, high


def fit(
    train: list[Example], *, seed: int = 7, max_iter: int = 300, learning_rate: float = 0.05
) -> SalesModel:
    """Fit the three models on the training concerts (deterministic for a seed)."""
    x, y = matrix(train)

    def model(**loss: Any) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            max_iter=max_iter, learning_rate=learning_rate, random_state=seed, early_stopping=False, **loss
        ).fit(x, y)

    return SalesModel(model(), model(loss="quantile", quantile=0.1), model(loss="quantile", quantile=0.9))


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


def baselines(train: list[Example], test: list[Example]) -> dict[str, dict[str, float]]:
    """Metrics of the simple predictors on the same test concerts."""
    _, y_train = matrix(train)
    _, y = matrix(test)
    overall = float(np.mean(y_train)) if len(y_train) else 0.0

    def mean_by(key: str) -> Matrix:
        groups: dict[int, list[int]] = {}
        for e in train:
            groups.setdefault(getattr(e, key), []).append(e.tickets)
        return np.array(
            [float(np.mean(groups[getattr(e, key)])) if getattr(e, key) in groups else overall for e in test]
        )

    return {
        "global_mean": metrics(y, np.full(len(y), overall)),
        "venue_mean": metrics(y, mean_by("venue_id")),
        "artist_mean": metrics(y, mean_by("artist_id")),
    }
