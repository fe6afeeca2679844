"""The versioned event envelope and the parser for any event on the wire.

Every event is `{event_id, event_type, schema_version, occurred_at, source, data}`. The
`event_type` selects the payload model; `schema_version` selects the version of that model
(v1 is the only one so far: a new version gets a new envelope class, and old ones stay).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from schemas.payloads import (
    ArtistUpserted,
    ConcertCancelled,
    ConcertScheduled,
    ConcertUpdated,
    Payload,
    TicketRefunded,
    TicketSold,
    VenueUpserted,
)

P = TypeVar("P", bound=Payload)

Source = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._:/-]{0,63}$")]


class Envelope(BaseModel, Generic[P]):
    """Fields common to every event; `data` is the typed payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID
    event_type: str  # each concrete event narrows it to its Literal name, the union's discriminator
    schema_version: Literal[1] = 1
    occurred_at: AwareDatetime
    source: Source
    data: P

    def partition_key(self) -> str:
        """The Kinesis partition key: by concert for concert and ticket events, else by entity."""
        return self.data.partition_key()


class ArtistUpsertedV1(Envelope[ArtistUpserted]):
    """ArtistUpserted, schema version 1."""

    event_type: Literal["ArtistUpserted"] = "ArtistUpserted"


class VenueUpsertedV1(Envelope[VenueUpserted]):
    """VenueUpserted, schema version 1."""

    event_type: Literal["VenueUpserted"] = "VenueUpserted"


class ConcertScheduledV1(Envelope[ConcertScheduled]):
    """ConcertScheduled, schema version 1."""

    event_type: Literal["ConcertScheduled"] = "ConcertScheduled"


class ConcertUpdatedV1(Envelope[ConcertUpdated]):
    """ConcertUpdated, schema version 1."""

    event_type: Literal["ConcertUpdated"] = "ConcertUpdated"


class ConcertCancelledV1(Envelope[ConcertCancelled]):
    """ConcertCancelled, schema version 1."""

    event_type: Literal["ConcertCancelled"] = "ConcertCancelled"


class TicketSoldV1(Envelope[TicketSold]):
    """TicketSold, schema version 1."""

    event_type: Literal["TicketSold"] = "TicketSold"


class TicketRefundedV1(Envelope[TicketRefunded]):
    """TicketRefunded, schema version 1."""

    event_type: Literal["TicketRefunded"] = "TicketRefunded"


Event = Annotated[
    ArtistUpsertedV1
    | VenueUpsertedV1
    | ConcertScheduledV1
    | ConcertUpdatedV1
    | ConcertCancelledV1
    | TicketSoldV1
    | TicketRefundedV1,
    Field(discriminator="event_type"),
]

EVENT_CLASSES: dict[str, type[Envelope[Any]]] = {
    "ArtistUpserted": ArtistUpsertedV1,
    "VenueUpserted": VenueUpsertedV1,
    "ConcertScheduled": ConcertScheduledV1,
    "ConcertUpdated": ConcertUpdatedV1,
    "ConcertCancelled": ConcertCancelledV1,
    "TicketSold": TicketSoldV1,
    "TicketRefunded": TicketRefundedV1,
}
_PAYLOAD_TO_CLASS: dict[type[Any], type[Envelope[Any]]] = {
    ArtistUpserted: ArtistUpsertedV1,
    VenueUpserted: VenueUpsertedV1,
    ConcertScheduled: ConcertScheduledV1,
    ConcertUpdated: ConcertUpdatedV1,
    ConcertCancelled: ConcertCancelledV1,
    TicketSold: TicketSoldV1,
    TicketRefunded: TicketRefundedV1,
}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_CLASSES)

_EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
MAX_EVENT_BYTES = 64 * 1024  # the largest valid event is ~2 KB; anything this big is not an event


class InvalidEvent(ValueError):
    """An event that does not match its schema; `reason` is one line fit for a DLQ or a report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        loc = ".".join(str(x) for x in e["loc"]) or "event"
        parts.append(f"{loc}: {e['msg']}")
    more = err.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def parse_event(raw: bytes | str) -> Event:
    """Parse and validate one JSON event of any type; raise InvalidEvent with a one-line reason."""
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"oversize: {len(raw)} bytes exceeds the {MAX_EVENT_BYTES}-byte event limit")
    try:
        return _EVENT_ADAPTER.validate_json(raw)
    except ValidationError as err:
        raise InvalidEvent(_reason(err)) from None


def validate_event(obj: dict[str, Any]) -> Event:
    """Validate an already-decoded event object; raise InvalidEvent with a one-line reason."""
    try:
        return _EVENT_ADAPTER.validate_python(obj)
    except ValidationError as err:
        raise InvalidEvent(_reason(err)) from None


def new_event(
    data: Payload, *, source: str, occurred_at: datetime | None = None, event_id: uuid.UUID | None = None
) -> Event:
    """Wrap a payload in its v1 envelope with a fresh (or given) event id."""
    cls = _PAYLOAD_TO_CLASS[type(data)]
    env = cls.model_validate(
        {
            "event_id": event_id or uuid.uuid4(),
            "occurred_at": occurred_at or datetime.now(UTC),
            "source": source,
            "data": data,
        }
    )
    return env  # type: ignore[return-value]


def to_json(event: Envelope[Any]) -> bytes:
    """Serialize an event to the canonical wire form (compact JSON, UTF-8)."""
    return event.model_dump_json(by_alias=True).encode()
