"""Ticketmaster-style event metadata: the Discovery API's events with venues and attractions.

The API key comes from TICKETMASTER_API_KEY; the endpoint from TICKETMASTER_API_URL. Each
event becomes a VenueUpserted and a ConcertScheduled. The Discovery API has no venue
capacity: it is looked up by venue name in the real catalog, else `default_capacity` (the
caller's explicit estimate). Events without a start time (TBA) are skipped with a reason.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from producers.connectors.http import ApiClient, ApiError
from producers.connectors.mapping import skip_reason, stable_id
from schemas import ConcertScheduled, Envelope, Money, PriceTier, VenueUpserted, new_event

SOURCE = "connector:ticketmaster"


class TicketmasterClient(ApiClient):
    """Pages through /discovery/v2/events.json."""

    name = "ticketmaster"

    def __init__(self, *, api_key: str | None = None, api_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            api_url or os.environ.get("TICKETMASTER_API_URL", "https://app.ticketmaster.com"), **kwargs
        )
        self.api_key = api_key or os.environ.get("TICKETMASTER_API_KEY", "")
        if not self.api_key:
            raise ApiError("ticketmaster: set TICKETMASTER_API_KEY")

    async def events(
        self, *, classification: str = "music", size: int = 200, max_pages: int = 5, **filters: str
    ) -> list[dict[str, Any]]:
        """Events across pages (the API caps deep paging; `max_pages` bounds the walk)."""
        out: list[dict[str, Any]] = []
        for page in range(max_pages):
            body = await self.get_json(
                "/discovery/v2/events.json",
                apikey=self.api_key,
                classificationName=classification,
                size=size,
                page=page,
                **filters,
            )
            out.extend(body.get("_embedded", {}).get("events", []))
            info = body.get("page", {})
            if info.get("number", page) + 1 >= info.get("totalPages", 0):
                break
        return out


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def concert_events(
    tm_events: list[dict[str, Any]],
    *,
    capacity_by_venue: dict[str, int],
    default_capacity: int,
    at: datetime | None = None,
) -> tuple[list[Envelope[Any]], list[tuple[str, str]]]:
    """Map Discovery events to VenueUpserted + ConcertScheduled; also return (id, reason) of skipped ones."""
    events: list[Envelope[Any]] = []
    skipped: list[tuple[str, str]] = []
    seen_venues: set[int] = set()
    at = at or datetime.now(UTC)
    for ev in tm_events:
        eid = str(ev.get("id"))
        try:
            emb = ev.get("_embedded", {})
            venue = emb["venues"][0]
            attraction = emb["attractions"][0]
            starts = _dt(ev.get("dates", {}).get("start", {}).get("dateTime"))
            if starts is None:
                skipped.append((eid, "no start dateTime (TBA)"))
                continue
            on_sale = _dt(ev.get("sales", {}).get("public", {}).get("startDateTime")) or starts - timedelta(
                days=60
            )
            capacity = capacity_by_venue.get(venue["name"].strip().lower(), default_capacity)
            venue_id = stable_id("venue", venue["id"])
            if venue_id not in seen_venues:
                seen_venues.add(venue_id)
                events.append(
                    new_event(
                        VenueUpserted(
                            venue_id=venue_id,
                            name=venue["name"],
                            city=venue["city"]["name"],
                            state=venue["state"]["stateCode"],
                            capacity=capacity,
                        ),
                        source=SOURCE,
                        occurred_at=at,
                    )
                )
            ranges = ev.get("priceRanges") or []
            if not ranges:
                skipped.append((eid, "no priceRanges"))
                continue
            pr = ranges[0]
            currency = pr.get("currency", "USD")
            low, high = (
                Decimal(str(pr["min"])).quantize(Decimal("0.01")),
                Decimal(str(pr["max"])).quantize(Decimal("0.01")),
            )
            upper_seats = max(1, round(capacity * 0.7))
            tiers = [PriceTier(tier="upper", price=Money(amount=low, currency=currency), seats=upper_seats)]
            if high > low and capacity - upper_seats > 0:
                tiers.append(
                    PriceTier(
                        tier="floor",
                        price=Money(amount=high, currency=currency),
                        seats=capacity - upper_seats,
                    )
                )
            events.append(
                new_event(
                    ConcertScheduled(
                        concert_id=stable_id("concert", ev["id"]),
                        artist_id=stable_id("artist", attraction["name"]),
                        venue_id=venue_id,
                        starts_at=starts,
                        on_sale_at=min(on_sale, starts),
                        price_tiers=tiers,
                    ),
                    source=SOURCE,
                    occurred_at=at,
                )
            )
        except (KeyError, IndexError, TypeError, ValueError) as err:
            skipped.append((eid, skip_reason(err)))
    return events, skipped
