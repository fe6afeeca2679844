"""Venue popularity: a score and a rank per venue, evaluated against the next period's demand.

At a cut-off time a venue is described only by what was known then: over the last period,
its attendance rate (tickets per seat of the concerts it held), mean sell-through, revenue and
its trend (second half against first half), artist diversity, the same season a year earlier,
and what is already on its calendar (concerts starting in the next period that were on sale
by the cut-off, and the tickets they had sold by then). The score is the predicted tickets of
the next period; the evaluation is the rank correlation (Spearman) between scores and the
tickets the venues then sold, at the last cut-off whose period is complete. Pure.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy.stats import spearmanr
from sklearn.ensemble import HistGradientBoostingRegressor

from ml.dataset import SalesRows

PERIOD = timedelta(days=90)
STEP = timedelta(days=14)
VENUE_FEATURES = (
    "capacity",
    "concerts",
    "tickets",
    "attendance_rate",
    "sell_through",
    "revenue",
    "revenue_trend",
    "artist_diversity",
    "same_season_last_year",
    "scheduled_next",
    "scheduled_capacity_next",
    "presold_next",
    "star_capacity_next",
    "weekend_capacity_next",
)


@dataclass(frozen=True)
class _Concert:
    venue_id: int
    artist_id: int
    starts_at: datetime
    on_sale_at: datetime
    capacity: int
    popularity: float  # the artist's, 0..100
    times: list[datetime]  # sale times, sorted
    tickets: list[int] = field(default_factory=list)  # running totals: tickets[i] sold before times[i]
    revenue: list[float] = field(default_factory=list)

    def sold(self, before: datetime) -> tuple[int, float]:
        """Tickets and revenue sold strictly before a time."""
        i = bisect_left(self.times, before)
        return self.tickets[i], self.revenue[i]

    @property
    def total(self) -> int:
        """Every ticket sold."""
        return self.tickets[-1]


class VenueHistory:
    """The concerts of every venue with their sales, to describe venues at any cut-off."""

    def __init__(self, rows: SalesRows) -> None:
        sales: dict[int, list[tuple[datetime, int, float]]] = defaultdict(list)
        for s in rows.sales:
            sales[int(s["concert_id"])].append(
                (s["sold_at"], int(s["quantity"]), float(s.get("revenue", 0.0)))
            )
        self.venues = {vid: int(v["capacity"]) for vid, v in rows.venues.items()}
        self.by_venue: dict[int, list[_Concert]] = defaultdict(list)
        for cid, c in rows.concerts.items():
            if c.get("status") == "cancelled" or int(c["venue_id"]) not in self.venues:
                continue
            mine = sorted(sales.get(cid, []))
            tickets, revenue = [0], [0.0]
            for _, q, r in mine:
                tickets.append(tickets[-1] + q)
                revenue.append(revenue[-1] + r)
            self.by_venue[int(c["venue_id"])].append(
                _Concert(
                    int(c["venue_id"]),
                    int(c["artist_id"]),
                    c["starts_at"],
                    c["on_sale_at"],
                    int(c["capacity"]),
                    float(rows.artists.get(int(c["artist_id"]), {}).get("popularity", 0)),
                    [t for t, _, _ in mine],
                    tickets,
                    revenue,
                )
            )
        starts = [c.starts_at for cs in self.by_venue.values() for c in cs]
        self.first = min(starts) if starts else None
        # The last moment whose demand is known: the newest start, but never past the data clock
        # (the newest sale), or a period still selling would look like a quiet one.
        clock = rows.last_sale()
        self.last = min([max(starts), clock] if clock else [max(starts)]) if starts else None

    def features(self, venue_id: int, cutoff: datetime) -> dict[str, float]:
        """The venue as known at `cutoff` (nothing sold or started after it is used)."""
        past = [c for c in self.by_venue.get(venue_id, []) if cutoff - PERIOD <= c.starts_at < cutoff]
        year_ago = [
            c
            for c in self.by_venue.get(venue_id, [])
            if cutoff - timedelta(days=365) <= c.starts_at < cutoff - timedelta(days=365) + PERIOD
        ]
        nxt = [
            c
            for c in self.by_venue.get(venue_id, [])
            if cutoff <= c.starts_at < cutoff + PERIOD and c.on_sale_at <= cutoff
        ]

        tickets = [c.sold(min(c.starts_at, cutoff)) for c in past]
        seats = sum(c.capacity for c in past)
        half = cutoff - PERIOD / 2
        first_half = sum(r for c, (_, r) in zip(past, tickets, strict=True) if c.starts_at < half)
        second_half = sum(r for c, (_, r) in zip(past, tickets, strict=True) if c.starts_at >= half)
        return {
            "capacity": float(self.venues.get(venue_id, 0)),
            "concerts": float(len(past)),
            "tickets": float(sum(t for t, _ in tickets)),
            "attendance_rate": sum(t for t, _ in tickets) / seats if seats else 0.0,
            "sell_through": float(
                np.mean([t / max(1, c.capacity) for c, (t, _) in zip(past, tickets, strict=True)])
            )
            if past
            else 0.0,
            "revenue": float(sum(r for _, r in tickets)),
            "revenue_trend": float(np.log1p(second_half) - np.log1p(first_half)),
            "artist_diversity": len({c.artist_id for c in past}) / len(past) if past else 0.0,
            "same_season_last_year": float(sum(c.sold(cutoff)[0] for c in year_ago)),
            "scheduled_next": float(len(nxt)),
            "scheduled_capacity_next": float(sum(c.capacity for c in nxt)),
            "presold_next": float(sum(c.sold(cutoff)[0] for c in nxt)),
            "star_capacity_next": sum(c.capacity * c.popularity / 100 for c in nxt),
            "weekend_capacity_next": float(sum(c.capacity for c in nxt if c.starts_at.weekday() in (4, 5))),
        }

    def demand(self, venue_id: int, cutoff: datetime) -> float:
        """Tickets the venue's concerts of the period after `cutoff` sold (the target)."""
        return float(
            sum(c.total for c in self.by_venue.get(venue_id, []) if cutoff <= c.starts_at < cutoff + PERIOD)
        )

    def all_time(self, venue_id: int, cutoff: datetime) -> float:
        """Tickets sold before `cutoff` (the 'most popular' baseline)."""
        return float(sum(c.sold(cutoff)[0] for c in self.by_venue.get(venue_id, [])))

    def matrix(self, cutoff: datetime) -> tuple[list[int], Any]:
        """Venue ids and their feature rows at `cutoff`."""
        ids = sorted(self.venues)
        rows = [self.features(v, cutoff) for v in ids]
        return ids, np.array([[r[f] for f in VENUE_FEATURES] for r in rows], dtype=float).reshape(
            -1, len(VENUE_FEATURES)
        )

    def test_cutoff(self) -> datetime | None:
        """The last cut-off whose next period is complete in the data."""
        if self.first is None or self.last is None:
            return None
        cutoff = self.last - PERIOD
        return cutoff if cutoff - PERIOD > self.first else None

    def train_cutoffs(self, test_cutoff: datetime) -> list[datetime]:
        """Cut-offs whose target period ends before the test cut-off (no overlap, no leakage)."""
        assert self.first is not None
        out, at = [], test_cutoff - PERIOD
        while at - PERIOD >= self.first:
            out.append(at)
            at -= STEP
        return sorted(out)


_CALENDAR = VENUE_FEATURES.index("scheduled_capacity_next")


@dataclass
class VenueModel:
    """Predicts a venue's next-period tickets from its features at a cut-off, as a log ratio to
    the capacity already on its calendar (how full the known calendar gets, and what else comes)."""

    regressor: HistGradientBoostingRegressor

    def scores(self, x: Any) -> Any:
        """Predicted next-period tickets."""
        return np.expm1(np.clip(self.regressor.predict(x) + np.log1p(x[:, _CALENDAR]), 0, None))

    def rank(self, history: VenueHistory, cutoff: datetime) -> list[dict[str, Any]]:
        """Every venue with its score and rank at `cutoff`, best first."""
        ids, x = history.matrix(cutoff)
        scores = self.scores(x)
        order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))
        return [
            {
                "rank": r + 1,
                "venue_id": ids[i],
                "score": round(float(scores[i]), 2),
                **{f: round(float(x[i, j]), 4) for j, f in enumerate(VENUE_FEATURES)},
            }
            for r, i in enumerate(order)
        ]


class NotEnoughHistory(ValueError):
    """The data does not span two complete periods plus a training window."""


def fit(history: VenueHistory, test_cutoff: datetime, *, seed: int = 7, max_iter: int = 100) -> VenueModel:
    """Fit on every venue at every training cut-off."""
    xs, ys = [], []
    for cutoff in history.train_cutoffs(test_cutoff):
        ids, x = history.matrix(cutoff)
        xs.append(x)
        ys.append([history.demand(v, cutoff) for v in ids])
    if not xs:
        raise NotEnoughHistory("no training cut-off: the data spans too short a time")
    # Regularised (L2, leaves of 50+ venue-periods): the target is noisy, and an unregularised
    # fit lost to the calendar baseline on one of three workloads.
    regressor = HistGradientBoostingRegressor(
        max_iter=max_iter,
        learning_rate=0.05,
        l2_regularization=1.0,
        min_samples_leaf=50,
        random_state=seed,
        early_stopping=False,
    )
    x = np.vstack(xs)
    regressor.fit(x, np.log1p(np.concatenate(ys)) - np.log1p(x[:, _CALENDAR]))
    return VenueModel(regressor)


def spearman(scores: Any, truth: Any) -> float:
    """Rank correlation (0 when either side is constant)."""
    if np.ptp(scores) == 0 or np.ptp(truth) == 0:
        return 0.0
    return float(spearmanr(scores, truth).statistic)


def evaluate(model: VenueModel, history: VenueHistory, test_cutoff: datetime) -> dict[str, float]:
    """Spearman of the scores with the next period's realised tickets, and venues compared."""
    ids, x = history.matrix(test_cutoff)
    truth = np.array([history.demand(v, test_cutoff) for v in ids])
    return {"spearman": spearman(model.scores(x), truth), "venues": float(len(ids))}


def baselines(history: VenueHistory, test_cutoff: datetime) -> dict[str, dict[str, float]]:
    """Spearman of the simple rankings at the same cut-off."""
    ids = sorted(history.venues)
    truth = np.array([history.demand(v, test_cutoff) for v in ids])
    cutoffs = [c for c in history.train_cutoffs(test_cutoff)]
    last = np.array([history.demand(v, test_cutoff - PERIOD) for v in ids])
    mean = np.array([np.mean([history.demand(v, c) for c in cutoffs]) if cutoffs else 0.0 for v in ids])
    popular = np.array([history.all_time(v, test_cutoff) for v in ids])
    calendar = np.array([history.features(v, test_cutoff)["scheduled_capacity_next"] for v in ids])
    return {
        "calendar_capacity": {"spearman": spearman(calendar, truth)},
        "last_period": {"spearman": spearman(last, truth)},
        "venue_mean": {"spearman": spearman(mean, truth)},
        "most_popular": {"spearman": spearman(popular, truth)},
    }
