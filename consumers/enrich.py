"""Curated rows from validated events: dimensions, enriched facts and the event log.

Pure. Ticket events are joined with their concert, venue and artist (city, state, capacity,
genre, popularity) and get derived fields: revenue, price band, days to show and the
running sell-through of the concert after the sale. Column names and order match the curated
tables (`consumers/tables.py`) and the warehouse DDL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from consumers.catalog import CatalogState
from schemas import (
    ArtistUpserted,
    ConcertCancelled,
    ConcertScheduled,
    ConcertUpdated,
    Envelope,
    TicketRefunded,
    TicketSold,
    VenueUpserted,
)

Row = dict[str, Any]
PRICE_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(40), "budget"),
    (Decimal(100), "standard"),
    (Decimal(250), "premium"),
)


def date_key(at: datetime) -> int:
    """yyyymmdd of a timestamp (UTC), the key of dim_date."""
    return at.year * 10_000 + at.month * 100 + at.day


def price_band(unit_price: Decimal) -> str:
    """budget (< 40), standard (< 100), premium (< 250) or luxury."""
    return next((band for limit, band in PRICE_BANDS if unit_price < limit), "luxury")


def event_log_row(
    event: Envelope[Any],
    batch_id: str,
    shard_id: str,
    sequence: str,
    sub_sequence: int,
    arrival_ms: int | None = None,
) -> Row:
    """One row of `event_log`: every valid event once, with where it was read (loaded_at set at load)."""
    return {
        "event_id": str(event.event_id),
        "event_type": event.event_type,
        "occurred_at": event.occurred_at,
        "source": event.source,
        "batch_id": batch_id,
        "shard_id": shard_id,
        "sequence_number": sequence,
        "sub_sequence_number": sub_sequence,
        "arrived_at": datetime.fromtimestamp(arrival_ms / 1000, UTC) if arrival_ms else None,
        "loaded_at": None,
    }


def catalog_row(event: Envelope[Any], state: CatalogState) -> tuple[str, Row] | None:
    """The dimension row a catalog event yields after it was applied to `state` (table, row)."""
    d, eid = event.data, str(event.event_id)
    if isinstance(d, ArtistUpserted):
        a = state.artists[d.artist_id]
        return "dim_artist", {
            "artist_id": a.artist_id,
            "name": a.name,
            "genre": a.genre,
            "genres": "|".join(a.genres),
            "popularity": a.popularity,
            "country": a.country,
            "updated_at": a.updated_at,
            "event_id": eid,
        }
    if isinstance(d, VenueUpserted):
        v = state.venues[d.venue_id]
        return "dim_venue", {
            "venue_id": v.venue_id,
            "name": v.name,
            "city": v.city,
            "state": v.state,
            "capacity": v.capacity,
            "updated_at": v.updated_at,
            "event_id": eid,
        }
    if isinstance(d, ConcertScheduled | ConcertUpdated | ConcertCancelled):
        c = state.concerts[d.concert_id]
        return "dim_concert", {
            "concert_id": c.concert_id,
            "artist_id": c.artist_id,
            "venue_id": c.venue_id,
            "starts_at": c.starts_at,
            "on_sale_at": c.on_sale_at,
            "capacity": c.capacity,
            "min_price": c.min_price,
            "max_price": c.max_price,
            "status": c.status,
            "cancel_reason": c.cancel_reason,
            "updated_at": c.updated_at,
            "event_id": eid,
        }
    return None


def pending_fact_row(event: Envelope[Any], waiting_for: str) -> tuple[str, Row] | None:
    """The pending fact of a ticket event whose concert, artist or venue is not known yet: its
    own columns; the warehouse adds those of its dimensions once they are there."""
    d, eid, at = event.data, str(event.event_id), event.occurred_at
    if isinstance(d, TicketSold):
        return "fact_ticket_sales_pending", {
            "event_id": eid,
            "sale_id": d.sale_id,
            "concert_id": d.concert_id,
            "customer_id": d.customer_id,
            "sold_at": at,
            "date_key": date_key(at),
            "tier": d.tier,
            "quantity": d.quantity,
            "unit_price": d.unit_price.amount,
            "revenue": d.total.amount,
            "currency": d.unit_price.currency,
            "channel": d.channel,
            "price_band": price_band(d.unit_price.amount),
            "waiting_for": waiting_for[:64],
        }
    if isinstance(d, TicketRefunded):
        return "fact_refunds_pending", {
            "event_id": eid,
            "refund_id": d.refund_id,
            "sale_id": d.sale_id,
            "concert_id": d.concert_id,
            "customer_id": d.customer_id,
            "refunded_at": at,
            "date_key": date_key(at),
            "quantity": d.quantity,
            "amount": d.amount.amount,
            "currency": d.amount.currency,
            "reason": d.reason,
            "waiting_for": waiting_for[:64],
        }
    return None


def fact_row(event: Envelope[Any], state: CatalogState) -> tuple[str, Row] | None:
    """The enriched fact row of a ticket event (its concert, artist and venue must be known)."""
    d, eid, at = event.data, str(event.event_id), event.occurred_at
    if isinstance(d, TicketSold):
        c = state.concerts[d.concert_id]
        a, v = state.artists[c.artist_id], state.venues[c.venue_id]
        sold = state.sold.get(c.concert_id, 0) + d.quantity
        state.sold[c.concert_id] = sold
        return "fact_ticket_sales", {
            "event_id": eid,
            "sale_id": d.sale_id,
            "concert_id": c.concert_id,
            "artist_id": a.artist_id,
            "venue_id": v.venue_id,
            "customer_id": d.customer_id,
            "sold_at": at,
            "date_key": date_key(at),
            "tier": d.tier,
            "quantity": d.quantity,
            "unit_price": d.unit_price.amount,
            "revenue": d.total.amount,
            "currency": d.unit_price.currency,
            "channel": d.channel,
            "price_band": price_band(d.unit_price.amount),
            "city": v.city,
            "state": v.state,
            "venue_capacity": v.capacity,
            "concert_capacity": c.capacity,
            "genre": a.genre,
            "artist_popularity": a.popularity,
            "days_to_show": (c.starts_at - at).days,
            "running_sold": sold,
            "sell_through": round(sold / c.capacity, 6) if c.capacity else None,
        }
    if isinstance(d, TicketRefunded):
        c = state.concerts[d.concert_id]
        state.sold[c.concert_id] = state.sold.get(c.concert_id, 0) - d.quantity
        return "fact_refunds", {
            "event_id": eid,
            "refund_id": d.refund_id,
            "sale_id": d.sale_id,
            "concert_id": c.concert_id,
            "artist_id": c.artist_id,
            "venue_id": c.venue_id,
            "customer_id": d.customer_id,
            "refunded_at": at,
            "date_key": date_key(at),
            "quantity": d.quantity,
            "amount": d.amount.amount,
            "currency": d.amount.currency,
            "reason": d.reason,
        }
    return None
