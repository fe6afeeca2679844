"""Features of a concert for ticket-sales prediction, known at prediction time only. Pure.

A concert is predicted `horizon_days` after it goes on sale. Its features use only what was
known then: the concert, its artist and venue from the catalog, the tickets sold before the
prediction time, and the history of concerts that had already *started* by then (the artist's
mean tickets, the venue's mean sell-through). The targets are the concert's total tickets sold and revenue.
Rows come from the warehouse (dim_concert, dim_artist, dim_venue, fact_ticket_sales).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, get_args

from schemas.payloads import Genre

GENRES: tuple[str, ...] = get_args(Genre)
FEATURES = (
    "capacity",
    "min_price",
    "max_price",
    "weekday",
    "month",
    "days_on_sale",
    "artist_popularity",
    "venue_capacity",
    "early_tickets",
    "artist_mean_tickets",
    "artist_past_concerts",
    "venue_mean_sell_through",
    *(f"genre_{g}" for g in GENRES),
)


@dataclass(frozen=True, slots=True)
class Example:
    """One concert: its features at prediction time, its totals (tickets, revenue), when it started."""

    concert_id: int
    artist_id: int
    venue_id: int
    predicted_at: datetime
    starts_at: datetime
    features: dict[str, float]
    tickets: int
    revenue: float = 0.0


def build_examples(
    concerts: Iterable[Mapping[str, Any]],
    artists: Mapping[int, Mapping[str, Any]],
    venues: Mapping[int, Mapping[str, Any]],
    sales: Iterable[Mapping[str, Any]],
    *,
    horizon_days: int = 7,
) -> list[Example]:
    """Examples for every scheduled concert with its artist and venue known, oldest first."""
    by_concert: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    revenue: dict[int, float] = defaultdict(float)
    for s in sales:
        by_concert[int(s["concert_id"])].append((s["sold_at"], int(s["quantity"])))
        revenue[int(s["concert_id"])] += float(s.get("revenue", 0.0))
    rows = sorted(
        (c for c in concerts if c.get("status", "scheduled") != "cancelled"), key=lambda c: c["starts_at"]
    )
    totals = {int(c["concert_id"]): sum(q for _, q in by_concert[int(c["concert_id"])]) for c in rows}
    # History counts a past concert's sales made before it started: all known before any later
    # concert's prediction time (a sale recorded after the show would otherwise leak).
    before_start = {
        int(c["concert_id"]): float(sum(q for t, q in by_concert[int(c["concert_id"])] if t < c["starts_at"]))
        for c in rows
    }
    artist_past = _History((c["artist_id"], c["starts_at"], before_start[int(c["concert_id"])]) for c in rows)
    venue_past = _History(
        (c["venue_id"], c["starts_at"], before_start[int(c["concert_id"])] / max(1, int(c["capacity"])))
        for c in rows
    )
    out = []
    for c in rows:
        cid, artist, venue = (
            int(c["concert_id"]),
            artists.get(int(c["artist_id"])),
            venues.get(int(c["venue_id"])),
        )
        if artist is None or venue is None:
            continue
        at = c["on_sale_at"] + timedelta(days=horizon_days)
        mine_n, mine_mean = artist_past.before(c["artist_id"], min(at, c["starts_at"]))
        _there_n, there_mean = venue_past.before(c["venue_id"], min(at, c["starts_at"]))
        genre = str(artist.get("genre", "other"))
        features = {
            "capacity": float(c["capacity"]),
            "min_price": float(c["min_price"]),
            "max_price": float(c["max_price"]),
            "weekday": float(c["starts_at"].weekday()),
            "month": float(c["starts_at"].month),
            "days_on_sale": (c["starts_at"] - c["on_sale_at"]).total_seconds() / 86_400,
            "artist_popularity": float(artist["popularity"]),
            "venue_capacity": float(venue["capacity"]),
            "early_tickets": float(sum(q for t, q in by_concert[cid] if t < at)),
            "artist_mean_tickets": mine_mean,
            "artist_past_concerts": float(mine_n),
            "venue_mean_sell_through": there_mean,
            **{f"genre_{g}": 1.0 if genre == g else 0.0 for g in GENRES},
        }
        out.append(
            Example(
                cid,
                int(c["artist_id"]),
                int(c["venue_id"]),
                at,
                c["starts_at"],
                features,
                totals[cid],
                revenue[cid],
            )
        )
    return out


class _History:
    """Per key, values of concerts by start time; count and mean of those started before a time."""

    def __init__(self, items: Iterable[tuple[Any, datetime, float]]) -> None:
        self._starts: dict[Any, list[datetime]] = defaultdict(list)
        self._sums: dict[Any, list[float]] = defaultdict(lambda: [0.0])
        for key, starts, value in sorted(items, key=lambda i: i[1]):
            self._starts[key].append(starts)
            self._sums[key].append(self._sums[key][-1] + value)

    def before(self, key: Any, at: datetime) -> tuple[int, float]:
        """How many started strictly before `at`, and their mean (-1 when none)."""
        n = bisect_left(self._starts.get(key, []), at)
        return n, (self._sums[key][n] / n if n else -1.0)


def time_split(
    examples: list[Example], fractions: tuple[float, float] = (0.6, 0.8)
) -> tuple[list[Example], list[Example], list[Example]]:
    """Train, validation and test by start time: every test concert starts after every train
    one. Concerts starting at the same moment stay on the same side, so the test set is exactly
    "every concert from the test's first start" (how another model is scored on it)."""
    ordered = sorted(examples, key=lambda e: e.starts_at)
    if not ordered:
        return [], [], []
    first_valid = ordered[min(len(ordered) - 1, int(len(ordered) * fractions[0]))].starts_at
    first_test = ordered[min(len(ordered) - 1, int(len(ordered) * fractions[1]))].starts_at
    return (
        [e for e in ordered if e.starts_at < first_valid],
        [e for e in ordered if first_valid <= e.starts_at < first_test],
        [e for e in ordered if e.starts_at >= first_test],
    )
