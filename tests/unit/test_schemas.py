"""The typed events: envelope, payload rules, partition keys, drift and backward compatibility."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas import (
    EVENT_CLASSES,
    MAX_EVENT_BYTES,
    ConcertScheduled,
    InvalidEvent,
    Money,
    PriceTier,
    TicketSold,
    VenueUpserted,
    new_event,
    parse_event,
    to_json,
    validate_event,
)
from schemas.export import SCHEMA_DIR, main, render_schemas

FIXTURES = Path(__file__).parent.parent / "fixtures" / "events" / "v1"


def _sale(**over: object) -> TicketSold:
    base: dict[str, object] = dict(
        sale_id=1, concert_id=7, customer_id=3, tier="ga", quantity=2, unit_price=Money(amount="49.50")
    )
    return TicketSold(**{**base, **over})


def test_round_trip_keeps_every_field() -> None:
    event = new_event(_sale(), source="synthetic", occurred_at=datetime(2026, 3, 1, tzinfo=UTC))
    again = parse_event(to_json(event))
    assert again == event
    assert again.data.total.amount == 99  # type: ignore[union-attr]


def test_ticket_and_concert_events_share_the_concert_partition_key() -> None:
    sale = new_event(_sale(concert_id=42), source="synthetic")
    concert = new_event(
        ConcertScheduled(
            concert_id=42,
            artist_id=1,
            venue_id=1,
            starts_at=datetime(2026, 6, 1, 20, tzinfo=UTC),
            on_sale_at=datetime(2026, 3, 1, tzinfo=UTC),
            price_tiers=[PriceTier(tier="ga", price=Money(amount="10"), seats=100)],
        ),
        source="synthetic",
    )
    venue = new_event(
        VenueUpserted(venue_id=42, name="V", city="C", state="TX", capacity=10), source="synthetic"
    )
    assert sale.partition_key() == concert.partition_key() == "42"
    assert venue.partition_key() == "venue-42"


@pytest.mark.parametrize("line", (FIXTURES / "accepted.jsonl").read_text().splitlines())
def test_events_v1_accepted_at_release_are_still_accepted(line: str) -> None:
    """Backward compatibility: a change to v1 that rejects any of these breaks producers."""
    event = parse_event(line)
    assert str(event.event_id) == json.loads(line)["event_id"]


@pytest.mark.parametrize(
    "case",
    [json.loads(x) for x in (FIXTURES / "rejected.jsonl").read_text().splitlines()],
    ids=lambda c: c["reason"],
)
def test_invalid_events_are_rejected_with_a_reason(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidEvent) as info:
        validate_event(case["event"])
    assert info.value.reason and "\n" not in info.value.reason


def test_malformed_json_is_an_invalid_event() -> None:
    with pytest.raises(InvalidEvent, match="JSON"):
        parse_event(b'{"event_id": ')


def test_an_oversize_event_is_invalid_even_when_its_content_is_valid() -> None:
    valid = (FIXTURES / "accepted.jsonl").read_text().splitlines()[0].encode()
    padded = valid[:-1] + b" " * MAX_EVENT_BYTES + b"}"
    assert parse_event(valid) and parse_event(valid + b" " * (MAX_EVENT_BYTES - len(valid)))
    with pytest.raises(InvalidEvent, match="oversize"):
        parse_event(padded)


def test_committed_json_schemas_match_the_models() -> None:
    rendered = render_schemas()
    assert len(rendered) == len(EVENT_CLASSES)
    for name, text in rendered.items():
        assert (SCHEMA_DIR / name).read_text() == text, f"schemas/json/{name} drifted: run `make schemas`"
    assert main(["--check"]) == 0


def test_drift_check_fails_when_a_model_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    import schemas.export as export

    real = export.render_schemas
    monkeypatch.setattr(
        export,
        "render_schemas",
        lambda: {k: v.replace('"maximum": 10', '"maximum": 12') for k, v in real().items()},
    )
    assert export.main(["--check"]) == 1


def test_json_schema_declares_the_bounds() -> None:
    schema = json.loads((SCHEMA_DIR / "TicketSold.v1.schema.json").read_text())
    sold = schema["$defs"]["TicketSold"]
    assert sold["additionalProperties"] is False
    assert sold["properties"]["quantity"]["maximum"] == 10
    assert schema["properties"]["occurred_at"]["format"] == "date-time"
