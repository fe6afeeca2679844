"""Live aggregates for the dashboard: what each ticket event adds to which counters.

Pure: no AWS client. The Lambda consumer turns a chunk of validated events into counter
increments keyed by (pk, sk), merged per key, plus one idempotency marker per event so an
event that is delivered twice is counted once. Keys, all in one table:

- `CONCERT#<id>` / `MINUTE#<yyyy-mm-ddThh:mm>` and `CONCERT#<id>` / `TOTAL`
- `VENUE#<id>`   / `MINUTE#...`               and `VENUE#<id>`   / `TOTAL`
- `ALL`          / `MINUTE#...`               and `ALL`          / `TOTAL`
- `CONCERT#<id>` / `PROFILE`: venue and capacity of the concert (from its concert events)
- `EVENT#<event id>` / `SEEN`: the marker

Minutes are event time (`occurred_at`, UTC), so a replay adds to the same buckets and the
totals equal the warehouse's. Money is counted in cents per currency (`revenue_cents_usd`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from schemas import (
    ConcertCancelled,
    ConcertScheduled,
    ConcertUpdated,
    Envelope,
    InvalidEvent,
    TicketRefunded,
    TicketSold,
    parse_event,
)

UNKNOWN_VENUE = "unknown"
MAX_TRANSACTION_ITEMS = 100  # DynamoDB TransactWriteItems limit

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ConcertProfile:
    """What a ticket event needs to know about its concert to be counted per venue."""

    venue_id: int
    capacity: int
    cancelled: bool = False
    as_of: str = ""  # occurred_at (ISO) of the event that set it: newer wins


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one event adds: counters per key (empty for catalog-only events)."""

    event_id: str
    increments: Mapping[Key, Mapping[str, int]]
    record: str = ""  # the Kinesis record it came in (for per-record outcomes)


@dataclass(slots=True)
class Chunk:
    """Events applied in one transaction: one marker per event, increments merged per key."""

    contributions: list[Contribution] = field(default_factory=list)

    @property
    def event_ids(self) -> list[str]:
        """The events of the chunk, in order."""
        return [c.event_id for c in self.contributions]

    @property
    def increments(self) -> dict[Key, dict[str, int]]:
        """Counters to add per key, summed over the chunk's events."""
        merged: dict[Key, dict[str, int]] = {}
        for c in self.contributions:
            for key, counters in c.increments.items():
                into = merged.setdefault(key, {})
                for name, value in counters.items():
                    into[name] = into.get(name, 0) + value
        return merged

    @property
    def items(self) -> int:
        """Transaction items this chunk needs (one marker per event, one update per key)."""
        return len(self.contributions) + len({k for c in self.contributions for k in c.increments})

    def without(self, event_ids: set[str]) -> Chunk:
        """The same chunk minus some events (those already counted)."""
        return Chunk([c for c in self.contributions if c.event_id not in event_ids])


@dataclass(frozen=True, slots=True)
class Applied:
    """What a store did with a chunk: how many events it counted now, and which it had before."""

    counted: int
    duplicate_ids: frozenset[str] = frozenset()


@dataclass(slots=True)
class Outcome:
    """What one Kinesis record gave: events, invalid ones, counted, duplicates, or the error."""

    events: int = 0
    invalid: int = 0
    counted: int = 0
    duplicates: int = 0
    error: BaseException | None = None
    changed: set[Key] = field(default_factory=set)  # the keys its counted events added to


class AggregateStore(Protocol):
    """Where live aggregates are kept (DynamoDB on AWS and in the local cloud; a fake in tests)."""

    def profiles(self, concert_ids: set[int]) -> dict[int, ConcertProfile]:
        """The known profiles of these concerts."""
        ...

    def save_profiles(self, profiles: Mapping[int, ConcertProfile]) -> None:
        """Store these profiles (they are the newest: older events were refused before)."""
        ...

    def apply(self, chunk: Chunk) -> Applied:
        """Count the chunk's events atomically, each at most once ever."""
        ...


def minute_of(at: datetime) -> str:
    """The UTC minute bucket of a timestamp, e.g. `2026-11-22T07:10`."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def concert_key(concert_id: int) -> str:
    """Partition key of a concert's items."""
    return f"CONCERT#{concert_id}"


def profile_update(event: Envelope[Any], known: ConcertProfile | None) -> ConcertProfile | None:
    """The concert's profile after a concert event, or None if the event does not change one."""
    data = event.data
    as_of = event.occurred_at.astimezone(UTC).isoformat()
    if known is not None and known.as_of > as_of:
        return None  # an older event arriving late: the newer profile stands
    if isinstance(data, ConcertScheduled):
        return ConcertProfile(data.venue_id, data.capacity, as_of=as_of)
    if isinstance(data, ConcertUpdated) and known is not None:
        capacity = sum(t.seats for t in data.price_tiers) if data.price_tiers else known.capacity
        return ConcertProfile(data.venue_id or known.venue_id, capacity, known.cancelled, as_of)
    if isinstance(data, ConcertCancelled) and known is not None:
        return ConcertProfile(known.venue_id, known.capacity, True, as_of)
    return None


def contribution(event: Envelope[Any], profile: ConcertProfile | None) -> Contribution:
    """The counters a ticket event adds (none for other events) at concert, venue and global level."""
    data = event.data
    counters: dict[str, int]
    if isinstance(data, TicketSold):
        cents = int(data.total.amount * 100)
        counters = {
            "orders": 1,
            "tickets": data.quantity,
            f"revenue_cents_{data.unit_price.currency.lower()}": cents,
        }
    elif isinstance(data, TicketRefunded):
        cents = int(data.amount.amount * 100)
        counters = {
            "refunds": 1,
            "tickets_refunded": data.quantity,
            f"refunded_cents_{data.amount.currency.lower()}": cents,
        }
    else:
        return Contribution(str(event.event_id), {})
    minute = f"MINUTE#{minute_of(event.occurred_at)}"
    venue = f"VENUE#{profile.venue_id if profile else UNKNOWN_VENUE}"
    concert = concert_key(data.concert_id)
    keys = [
        (concert, minute),
        (concert, "TOTAL"),
        (venue, minute),
        (venue, "TOTAL"),
        ("ALL", minute),
        ("ALL", "TOTAL"),
    ]
    return Contribution(str(event.event_id), {key: counters for key in keys})


def chunks(contributions: Iterable[Contribution], max_items: int = MAX_TRANSACTION_ITEMS) -> list[Chunk]:
    """Group contributions, in order and each event once, into chunks that fit one transaction."""
    out: list[Chunk] = []
    current = Chunk()
    keys: set[Key] = set()
    seen: set[str] = set()
    for c in contributions:
        if c.event_id in seen or not c.increments:
            continue  # a repeat within the same delivery, or nothing to count
        seen.add(c.event_id)
        new_keys = {key for key in c.increments if key not in keys}
        if current.contributions and len(current.contributions) + len(keys) + 1 + len(new_keys) > max_items:
            out.append(current)
            current, keys = Chunk(), set()
            new_keys = set(c.increments)
        current.contributions.append(c)
        keys |= new_keys
    if current.contributions:
        out.append(current)
    return out


def _concert_id(event: Envelope[Any]) -> int | None:
    value = getattr(event.data, "concert_id", None)
    return value if isinstance(value, int) else None


def count_batch(records: Sequence[tuple[str, Sequence[bytes]]], store: AggregateStore) -> dict[str, Outcome]:
    """Add the ticket events of a delivery (record id → its user records) to the store.

    The whole delivery is planned at once (one profile lookup, transactions of up to 100
    items across records), and each record gets its own outcome: a record whose events could
    not all be stored carries the error, so the caller reports it as a batch item failure.
    Invalid events are skipped and counted (the KCL consumer sends them to the DLQ). Concert
    events update profiles first, in order, so later ticket events see them.
    """
    outcomes = {rid: Outcome() for rid, _ in records}
    events: list[tuple[str, Envelope[Any]]] = []
    for rid, raws in records:
        for raw in raws:
            try:
                events.append((rid, parse_event(raw)))
                outcomes[rid].events += 1
            except InvalidEvent:
                outcomes[rid].invalid += 1
    contributions: list[Contribution] = []
    try:
        profiles = store.profiles({cid for _, e in events if (cid := _concert_id(e)) is not None})
        changed: dict[int, ConcertProfile] = {}
        for rid, event in events:
            cid = _concert_id(event)
            if cid is None:
                continue
            updated = profile_update(event, profiles.get(cid))
            if updated is not None:
                profiles[cid] = changed[cid] = updated
            contributions.append(replace(contribution(event, profiles.get(cid)), record=rid))
        if changed:
            store.save_profiles(changed)
    except Exception as err:  # the store is unreachable: every record is retried
        for outcome in outcomes.values():
            outcome.error = err
        return outcomes
    planned = chunks(contributions)
    kept = {id(c) for chunk in planned for c in chunk.contributions}
    for c in contributions:
        if c.increments and id(c) not in kept:
            outcomes[c.record].duplicates += 1  # a repeat within this delivery
    for chunk in planned:
        try:
            applied = store.apply(chunk)
        except Exception as err:
            for c in chunk.contributions:
                outcomes[c.record].error = err
            continue
        for c in chunk.contributions:
            if c.event_id in applied.duplicate_ids:
                outcomes[c.record].duplicates += 1
            else:
                outcomes[c.record].counted += 1
                outcomes[c.record].changed.update(c.increments)
    return outcomes


LIVE_MINUTES = 60  # the dashboard shows the newest hour of minute buckets


def live_keys(outcomes: Iterable[Outcome], minutes: int = LIVE_MINUTES) -> list[Key]:
    """The changed keys the dashboard shows, sorted: every total, and the newest `minutes`
    global minute buckets (a replay of old events touches old minutes: they stay out of the
    frame, which keeps it well under the WebSocket frame limit)."""
    changed = {k for o in outcomes for k in o.changed}
    totals = {k for k in changed if k[1] == "TOTAL"}
    newest = sorted(k for k in changed if k[0] == "ALL" and k[1].startswith("MINUTE#"))[-minutes:]
    return sorted(totals | set(newest))
