"""Typed events of the Concert Data Platform: payloads, the versioned envelope, JSON Schemas."""

from schemas.envelope import (
    EVENT_CLASSES,
    EVENT_TYPES,
    MAX_EVENT_BYTES,
    Envelope,
    Event,
    InvalidEvent,
    new_event,
    parse_event,
    to_json,
    validate_event,
)
from schemas.payloads import (
    ArtistUpserted,
    ConcertCancelled,
    ConcertScheduled,
    ConcertUpdated,
    Money,
    Payload,
    PriceTier,
    TicketRefunded,
    TicketSold,
    VenueUpserted,
)

__all__ = [
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "MAX_EVENT_BYTES",
    "ArtistUpserted",
    "ConcertCancelled",
    "ConcertScheduled",
    "ConcertUpdated",
    "Envelope",
    "Event",
    "InvalidEvent",
    "Money",
    "Payload",
    "PriceTier",
    "TicketRefunded",
    "TicketSold",
    "VenueUpserted",
    "new_event",
    "parse_event",
    "to_json",
    "validate_event",
]
