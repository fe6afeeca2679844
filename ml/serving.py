"""Answers of the predictions API from the promoted models and the rows they need. Pure.

Every answer names the model version. Bad input is an error with a status and a message
(unknown concert, model not trained yet) or an answer flagged low-confidence (features outside
the training range, a prediction before the model's prediction time, a customer with no
purchases served by the cold-start path).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ml.dataset import SalesRows

if TYPE_CHECKING:
    from ml import recommender

# The models' modules (scikit-learn, SciPy: ~1.2 s of imports) are imported by the answers that
# use them, not with this module: the dashboard API that serves these answers also serves every
# other page, and each of its cold starts paid for them.


class ServingError(Exception):
    """An answer that cannot be given: HTTP status, a one-line message and, for a client that
    acts on it, a reason code (`untrained`: no model of that name is promoted yet)."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


@dataclass(frozen=True)
class Loaded:
    """A promoted model and its registry record."""

    model: Any
    version: str
    record: dict[str, Any]


def predict_sales(loaded: Loaded, rows: SalesRows, concert_id: int, as_of: datetime | None) -> dict[str, Any]:
    """Tickets and revenue of one concert with their 80% intervals."""
    if concert_id not in rows.concerts:
        raise ServingError(404, f"unknown concert {concert_id}")
    concert = rows.concerts[concert_id]
    if concert.get("status") == "cancelled":
        raise ServingError(409, f"concert {concert_id} is cancelled")
    example = next((e for e in rows.examples() if e.concert_id == concert_id), None)
    if example is None:
        raise ServingError(409, f"concert {concert_id} has no artist or venue in the catalog yet")
    reasons = [f"feature {f} outside the training range" for f in loaded.model.out_of_range(example)]
    if as_of is not None and as_of < example.predicted_at:
        reasons.append(
            f"asked at {as_of.isoformat()}, before the prediction time {example.predicted_at.isoformat()} "
            "(on sale + 7 days): early sales are still partial"
        )
    out: dict[str, Any] = {}
    for target in ("tickets", "revenue"):
        point, low, high = loaded.model.predict([example], target)
        out[target] = {
            "predicted": round(float(point[0]), 2),
            "low_80": round(float(low[0]), 2),
            "high_80": round(float(high[0]), 2),
        }
    sold = [
        s
        for s in rows.sales
        if int(s["concert_id"]) == concert_id and (as_of is None or s["sold_at"] <= as_of)
    ]
    return {
        "model": "ticket_sales",
        "version": loaded.version,
        "concert_id": concert_id,
        "starts_at": example.starts_at.isoformat(),
        "predicted_at": example.predicted_at.isoformat(),
        **out,
        "sold_so_far": {
            "tickets": sum(int(s["quantity"]) for s in sold),
            "revenue": round(sum(float(s["revenue"]) for s in sold), 2),
        },
        "low_confidence": bool(reasons),
        "reasons": reasons,
    }


def recommend(
    loaded: Loaded, rows: SalesRows, customer_id: int, as_of: datetime, k: int = 10
) -> dict[str, Any]:
    """Up to k upcoming concerts for a customer (cold start when they bought nothing before)."""
    from ml import recommender

    catalog = recommender.Catalog.of(rows)
    candidates = catalog.upcoming(as_of)
    profile = recommender.profiles(rows, catalog, as_of + timedelta(microseconds=1)).get(customer_id)
    early = recommender.early_sales(rows, as_of + timedelta(microseconds=1))
    model: recommender.Recommender = loaded.model
    top, cold = model.recommend(profile, model.pool(candidates, catalog, early), k)
    notes = []
    if cold:
        notes.append(
            f"customer {customer_id} has no purchases before {as_of.date()}: most popular upcoming concerts"
        )
    if not candidates:
        notes.append(f"no concert scheduled after {as_of.isoformat()}")
    return {
        "model": "recommendations",
        "version": loaded.version,
        "customer_id": customer_id,
        "as_of": as_of.isoformat(),
        "cold_start": cold,
        "low_confidence": cold,
        "reasons": notes,
        "concerts": [_concert(rows, cid, score) for cid, score in top],
    }


def _concert(rows: SalesRows, cid: int, score: float) -> dict[str, Any]:
    c = rows.concerts[cid]
    artist, venue = rows.artists.get(int(c["artist_id"]), {}), rows.venues.get(int(c["venue_id"]), {})
    return {
        "concert_id": cid,
        "score": score,
        "starts_at": c["starts_at"].isoformat(),
        "artist": artist.get("name"),
        "genre": artist.get("genre"),
        "venue": venue.get("name"),
        "city": venue.get("city"),
        "state": venue.get("state"),
    }


def venue_window(as_of: datetime) -> tuple[datetime, datetime]:
    """The concerts' start times the venue ranking at `as_of` looks at: a year back (the same
    season last year) to one period ahead (what is scheduled next)."""
    from ml import venue_model

    return as_of - timedelta(days=365), as_of + venue_model.PERIOD


def rank_venues(loaded: Loaded, rows: SalesRows, as_of: datetime, top: int = 20) -> dict[str, Any]:
    """Venues by predicted demand over the next period, best first."""
    from ml import venue_model

    ranked = loaded.model.rank(venue_model.VenueHistory(rows), as_of)[:top]
    for r in ranked:
        v = rows.venues.get(r["venue_id"], {})
        r |= {"name": v.get("name"), "city": v.get("city"), "state": v.get("state")}
    return {
        "model": "venue_popularity",
        "version": loaded.version,
        "as_of": as_of.isoformat(),
        "period_days": venue_model.PERIOD.days,
        "venues": ranked,
    }
