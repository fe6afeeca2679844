"""What the consumer knows of artists, venues and concerts, to enrich ticket events.

Pure domain state. Catalog events are applied last-writer-wins by `occurred_at`, so an older
event arriving late never overwrites a newer one. `sold` keeps the running net tickets per
concert for the running sell-through (one shard owns a concert's events, so per-process
state is exact for its concerts).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from schemas import (
    ArtistUpserted,
    ConcertCancelled,
    ConcertScheduled,
    ConcertUpdated,
    Envelope,
    VenueUpserted,
)
from schemas.payloads import PriceTier


@dataclass(frozen=True, slots=True)
class Artist:
    """An artist as last upserted."""

    artist_id: int
    name: str
    genre: str
    genres: tuple[str, ...]
    popularity: int
    country: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Venue:
    """A venue as last upserted."""

    venue_id: int
    name: str
    city: str
    state: str
    capacity: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Concert:
    """A concert with its current schedule, prices and status."""

    concert_id: int
    artist_id: int
    venue_id: int
    starts_at: datetime
    on_sale_at: datetime
    capacity: int
    min_price: Decimal
    max_price: Decimal
    status: str
    updated_at: datetime
    cancel_reason: str | None = None


def _tier_facts(tiers: list[PriceTier]) -> dict[str, Any]:
    """Capacity and price range of a set of tiers."""
    return {
        "capacity": sum(t.seats for t in tiers),
        "min_price": min(t.price.amount for t in tiers),
        "max_price": max(t.price.amount for t in tiers),
    }


@dataclass
class CatalogState:
    """Artists, venues and concerts by id, plus running net tickets sold per concert."""

    artists: dict[int, Artist] = field(default_factory=dict)
    venues: dict[int, Venue] = field(default_factory=dict)
    concerts: dict[int, Concert] = field(default_factory=dict)
    sold: dict[int, int] = field(default_factory=dict)

    def apply(self, event: Envelope[Any]) -> bool:
        """Apply a catalog event; return True if it changed the state (False if stale or not catalog)."""
        at, d = event.occurred_at, event.data
        if isinstance(d, ArtistUpserted):
            old = self.artists.get(d.artist_id)
            if old and old.updated_at > at:
                return False
            self.artists[d.artist_id] = Artist(
                d.artist_id, d.name, d.genres[0], tuple(d.genres), d.popularity, d.country, at
            )
            return True
        if isinstance(d, VenueUpserted):
            old_v = self.venues.get(d.venue_id)
            if old_v and old_v.updated_at > at:
                return False
            self.venues[d.venue_id] = Venue(d.venue_id, d.name, d.city, d.state, d.capacity, at)
            return True
        if isinstance(d, ConcertScheduled):
            old_c = self.concerts.get(d.concert_id)
            if old_c and old_c.updated_at > at:
                return False
            self.concerts[d.concert_id] = Concert(
                d.concert_id,
                d.artist_id,
                d.venue_id,
                d.starts_at,
                d.on_sale_at,
                status="scheduled",
                updated_at=at,
                **_tier_facts(d.price_tiers),
            )
            return True
        if isinstance(d, ConcertUpdated | ConcertCancelled):
            cur = self.concerts.get(d.concert_id)
            if cur is None or cur.updated_at > at:
                return False
            if isinstance(d, ConcertCancelled):
                self.concerts[d.concert_id] = replace(
                    cur, status="cancelled", cancel_reason=d.reason, updated_at=at
                )
            else:
                self.concerts[d.concert_id] = replace(
                    cur,
                    starts_at=d.starts_at or cur.starts_at,
                    venue_id=d.venue_id or cur.venue_id,
                    updated_at=at,
                    **(_tier_facts(d.price_tiers) if d.price_tiers else {}),
                )
            return True
        return False

    def needs(self, event: Envelope[Any]) -> str | None:
        """What a ticket or concert-change event is waiting for (None when it can be processed now)."""
        d = event.data
        concert_id = getattr(d, "concert_id", None)
        if concert_id is None or isinstance(d, ConcertScheduled):
            return None
        concert = self.concerts.get(concert_id)
        if concert is None:
            return f"concert {concert_id}"
        if isinstance(d, ConcertUpdated | ConcertCancelled):
            return None
        if concert.artist_id not in self.artists:
            return f"artist {concert.artist_id}"
        if concert.venue_id not in self.venues:
            return f"venue {concert.venue_id}"
        return None
