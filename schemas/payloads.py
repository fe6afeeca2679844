"""Event payloads (the `data` of an envelope): artists, venues, concerts and ticket sales.

Pure domain code: standard library and pydantic only. Every model forbids unknown fields,
bounds its numbers and carries money as `Money` (Decimal with an ISO currency).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[int, Field(ge=1, le=2_000_000_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
UsState = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Genre = Literal[
    "pop",
    "rock",
    "jazz",
    "classical",
    "hip-hop",
    "electronic",
    "country",
    "latin",
    "musicals",
    "opera",
    "plays",
    "other",
]
PriceTierName = Literal["ga", "floor", "lower", "upper", "balcony", "vip"]
SalesChannel = Literal["web", "mobile", "box_office", "partner"]

MAX_CAPACITY = 150_000
MAX_TICKETS_PER_ORDER = 10
MAX_TICKET_PRICE = Decimal("25000.00")


class Strict(BaseModel):
    """Base for every payload: unknown fields rejected, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Money(Strict):
    """An amount of money: a non-negative Decimal with at most two places and a currency."""

    amount: Annotated[Decimal, Field(ge=0, le=MAX_TICKET_PRICE * MAX_TICKETS_PER_ORDER, decimal_places=2)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"


class ArtistUpserted(Strict):
    """An artist created or changed in the catalog."""

    artist_id: Id
    name: Name
    genres: Annotated[list[Genre], Field(min_length=1, max_length=5)]
    popularity: Annotated[int, Field(ge=0, le=100)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None

    def partition_key(self) -> str:
        """Catalog events for one artist stay ordered."""
        return f"artist-{self.artist_id}"


class VenueUpserted(Strict):
    """A venue created or changed in the catalog."""

    venue_id: Id
    name: Name
    city: Name
    state: UsState
    capacity: Annotated[int, Field(ge=1, le=MAX_CAPACITY)]

    def partition_key(self) -> str:
        """Catalog events for one venue stay ordered."""
        return f"venue-{self.venue_id}"


class PriceTier(Strict):
    """One price tier of a concert: its name, price per ticket and number of seats."""

    tier: PriceTierName
    price: Money
    seats: Annotated[int, Field(ge=1, le=MAX_CAPACITY)]

    @model_validator(mode="after")
    def _price_in_range(self) -> PriceTier:
        if self.price.amount > MAX_TICKET_PRICE:
            raise ValueError(f"tier price {self.price.amount} exceeds {MAX_TICKET_PRICE}")
        return self


def _check_tiers(tiers: list[PriceTier]) -> None:
    names = [t.tier for t in tiers]
    if len(set(names)) != len(names):
        raise ValueError("price tier names must be unique")
    if sum(t.seats for t in tiers) > MAX_CAPACITY:
        raise ValueError(f"total seats exceed {MAX_CAPACITY}")


class ConcertScheduled(Strict):
    """A concert announced: who plays where and when, at which prices."""

    concert_id: Id
    artist_id: Id
    venue_id: Id
    starts_at: AwareDatetime
    on_sale_at: AwareDatetime
    price_tiers: Annotated[list[PriceTier], Field(min_length=1, max_length=6)]

    @model_validator(mode="after")
    def _consistent(self) -> ConcertScheduled:
        _check_tiers(self.price_tiers)
        if self.on_sale_at > self.starts_at:
            raise ValueError("on_sale_at must not be after starts_at")
        return self

    @property
    def capacity(self) -> int:
        """Seats on sale across all tiers."""
        return sum(t.seats for t in self.price_tiers)

    def partition_key(self) -> str:
        """Concert and ticket events share the concert's key so a concert's sales stay ordered."""
        return str(self.concert_id)


class ConcertUpdated(Strict):
    """A change to a scheduled concert; at least one field changes."""

    concert_id: Id
    starts_at: AwareDatetime | None = None
    venue_id: Id | None = None
    price_tiers: Annotated[list[PriceTier], Field(min_length=1, max_length=6)] | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ConcertUpdated:
        if self.starts_at is None and self.venue_id is None and self.price_tiers is None:
            raise ValueError("ConcertUpdated must change starts_at, venue_id or price_tiers")
        if self.price_tiers is not None:
            _check_tiers(self.price_tiers)
        return self

    def partition_key(self) -> str:
        """Same key as the concert's other events."""
        return str(self.concert_id)


class ConcertCancelled(Strict):
    """A concert called off."""

    concert_id: Id
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]

    def partition_key(self) -> str:
        """Same key as the concert's other events."""
        return str(self.concert_id)


class TicketSold(Strict):
    """An order of tickets for one concert and tier."""

    sale_id: Id
    concert_id: Id
    customer_id: Id
    tier: PriceTierName
    quantity: Annotated[int, Field(ge=1, le=MAX_TICKETS_PER_ORDER)]
    unit_price: Money
    channel: SalesChannel = "web"

    @model_validator(mode="after")
    def _price_in_range(self) -> TicketSold:
        if self.unit_price.amount > MAX_TICKET_PRICE:
            raise ValueError(f"unit price {self.unit_price.amount} exceeds {MAX_TICKET_PRICE}")
        return self

    @property
    def total(self) -> Money:
        """Quantity times unit price, in the sale's currency."""
        return Money(amount=self.unit_price.amount * self.quantity, currency=self.unit_price.currency)

    def partition_key(self) -> str:
        """Ticket events are keyed by concert so a concert's sales stay ordered."""
        return str(self.concert_id)


class TicketRefunded(Strict):
    """Tickets of an earlier sale given back."""

    refund_id: Id
    sale_id: Id
    concert_id: Id
    customer_id: Id
    quantity: Annotated[int, Field(ge=1, le=MAX_TICKETS_PER_ORDER)]
    amount: Money
    reason: Literal["customer_request", "concert_cancelled", "duplicate_order", "fraud"] = "customer_request"

    def partition_key(self) -> str:
        """Ticket events are keyed by concert so a concert's sales stay ordered."""
        return str(self.concert_id)


Payload = (
    ArtistUpserted
    | VenueUpserted
    | ConcertScheduled
    | ConcertUpdated
    | ConcertCancelled
    | TicketSold
    | TicketRefunded
)
