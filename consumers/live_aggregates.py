"""Live aggregates for the dashboard: what each ticket event adds to which counters.

Pure: no AWS client. The Lambda consumer counts a delivery in memory and writes one update
per counter key per transaction, with the shard's mark (the position up to which it counted)
moved in the same transaction: a redelivered record is recognised by its position, without a
write per event. Ticket events seen again at a new position (a producer's retry, a replay)
are recognised by their hash in the shard's window of recent events. Exact while one
invocation at a time reads a shard (`ParallelizationFactor` 1, as deployed): with a higher
factor, records of one shard are counted concurrently by partition key, and the mark and
window would have to be kept per partition key. Keys, all in one table:

- `CONCERT#<id>` / `TOTAL`, `VENUE#<id>` / `TOTAL`
- `ALL` / `MINUTE#<yyyy-mm-ddThh:mm>` and `ALL` / `TOTAL`

(Minute buckets per concert and per venue were written and never read: they were half of
the writes of a delivery and an item per concert per minute of event time; the warehouse
keeps that history.)
- `CONCERT#<id>` / `PROFILE`: venue and capacity of the concert (from its concert events)
- `SHARD#<stream>#<shard>` / `MARK`: the mark, the window's newest page, the newest arrival
- `SHARD#<stream>#<shard>` / `SEEN#<page>`: a page of the window (8-byte event hashes)

Minutes are event time (`occurred_at`, UTC), so a replay adds to the same buckets and the
totals equal the warehouse's. Money is counted in cents per currency (`revenue_cents_usd`).
"""

from __future__ import annotations

import hashlib
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
PAGE_SIZE = 100  # event hashes per page of a shard's window (under 1 KB: a page write costs its size)
WINDOW_PAGES = 1_000  # pages kept per shard: duplicates of the last ~100k events are recognised

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ConcertProfile:
    """What a ticket event needs to know about its concert to be counted per venue."""

    venue_id: int
    capacity: int
    cancelled: bool = False
    as_of: str = ""  # occurred_at (ISO) of the event that set it: newer wins


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """Where a user record sits in its shard: the Kinesis sequence number, then its index
    inside a KPL aggregate (0 when the record is not aggregated)."""

    sequence: int
    sub: int = 0

    def text(self) -> str:
        """Zero-padded (sequence numbers have up to 129 digits), so text order is number order."""
        return f"{self.sequence:0129d}.{self.sub:06d}"

    @classmethod
    def parse(cls, text: str) -> Position:
        """The position `text()` wrote."""
        sequence, _, sub = text.partition(".")
        return cls(int(sequence), int(sub or 0))


@dataclass(slots=True)
class ShardState:
    """What the live path has counted of one shard: the position up to which every event was
    taken into account (the mark), and the hashes of the ticket events counted most recently,
    kept in pages of `PAGE_SIZE` (the last `WINDOW_PAGES` pages)."""

    shard: str
    mark: Position | None = None
    page: int = 0
    page_count: int = 0
    pages: dict[int, set[bytes]] = field(default_factory=dict)
    recent: set[bytes] = field(default_factory=set)  # the union of the pages

    def advance(self, chunk: Chunk) -> None:
        """Move past a chunk that was stored."""
        self.mark, self.page, self.page_count = chunk.mark, chunk.page, chunk.page_count
        for page, added in chunk.page_hashes.items():
            self.pages.setdefault(page, set()).update(added)
            self.recent.update(added)
        for page in chunk.drop_pages:
            self.recent.difference_update(self.pages.pop(page, set()))


@dataclass(frozen=True, slots=True)
class Delivered:
    """One Kinesis record of a delivery: its id for the batch response, where it sits, its
    user records (one, or those of a KPL aggregate) and when it arrived in the stream."""

    record_id: str
    shard: str
    sequence: str
    users: Sequence[bytes]
    arrival_ms: int = 0


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one event adds: counters per key (empty for catalog-only events)."""

    event_id: str
    increments: Mapping[Key, Mapping[str, int]]
    record: str = ""  # the Kinesis record it came in (for per-record outcomes)
    position: Position = Position(0)
    arrival_ms: int = 0


@dataclass(slots=True)
class Chunk:
    """One transaction of a shard: its counters merged per key, the hashes of its ticket events
    added to the shard's window (filling its newest page, opening pages of `PAGE_SIZE` and
    dropping as many of the oldest), and the shard's mark moved from `expected` to `mark`
    (the transaction fails if another one moved the mark since it was read)."""

    shard: str
    expected: Position | None
    contributions: list[Contribution] = field(default_factory=list)
    page: int = 0  # the shard's newest page after this chunk
    page_count: int = 0  # hashes in that page after this chunk
    page_hashes: dict[int, list[bytes]] = field(default_factory=dict)  # what goes to which page
    drop_pages: list[int] = field(default_factory=list)  # pages that leave the window

    @property
    def mark(self) -> Position:
        """The shard's mark after this chunk: its last event."""
        return self.contributions[-1].position

    @property
    def event_ids(self) -> list[str]:
        """The ticket events the chunk counts, in order."""
        return [c.event_id for c in self.contributions if c.increments]

    @property
    def newest_arrival_ms(self) -> int:
        """When the newest event of the chunk arrived in the stream (epoch ms)."""
        return max((c.arrival_ms for c in self.contributions), default=0)

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
        """Transaction items: the mark, each page written or dropped, one update per counter key."""
        keys = {k for c in self.contributions for k in c.increments}
        return 1 + len(self.page_hashes) + len(self.drop_pages) + len(keys)


class ShardMoved(RuntimeError):
    """The shard's mark is not where it was read: another invocation counted part of it."""


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

    def shard_state(self, shard: str) -> ShardState:
        """The shard's mark and recent window, as stored."""
        ...

    def profiles(self, concert_ids: set[int]) -> dict[int, ConcertProfile]:
        """The known profiles of these concerts."""
        ...

    def save_profiles(self, profiles: Mapping[int, ConcertProfile]) -> None:
        """Store these profiles (they are the newest: older events were refused before)."""
        ...

    def apply(self, chunk: Chunk) -> None:
        """Add the chunk's counters, hashes and mark in one transaction; ShardMoved if the
        shard's mark is no longer `chunk.expected`."""
        ...


def event_hash(event_id: str) -> bytes:
    """The window entry of an event: 8 bytes of BLAKE2b (a collision among the last
    ~100k events of a shard has a probability around 10^-10)."""
    return hashlib.blake2b(event_id.encode(), digest_size=8).digest()


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
    keys = [(concert, "TOTAL"), (venue, "TOTAL"), ("ALL", minute), ("ALL", "TOTAL")]
    return Contribution(str(event.event_id), {key: counters for key in keys})


def chunks(
    state: ShardState, contributions: Iterable[Contribution], max_items: int = MAX_TRANSACTION_ITEMS
) -> list[Chunk]:
    """Cut a shard's new events, in order, into transactions of at most `max_items` items.

    Cuts fall between events (a KPL aggregate can be split: the mark says which of its user
    records were counted). Each chunk expects the mark the previous one leaves. Each ticket
    event's hash goes to the shard's newest page; a full page (`PAGE_SIZE`) opens the next and
    drops the one that leaves the window (`WINDOW_PAGES`), so the window holds a bounded
    number of events whatever the delivery size. Only ticket events cost items (keys, pages),
    so a chunk is only cut before one: a delivery without any writes nothing.
    """
    out: list[Chunk] = []
    page, count, expected = state.page, state.page_count, state.mark
    current = Chunk(state.shard, expected, page=page, page_count=count)
    keys: set[Key] = set()
    for c in contributions:
        opens = bool(c.increments) and count >= PAGE_SIZE
        target = page + 1 if opens else page
        drop = target - WINDOW_PAGES if opens and target >= WINDOW_PAGES else None
        new_keys = set(c.increments) - keys
        cost = len(new_keys) + (bool(c.increments) and target not in current.page_hashes) + (drop is not None)
        items = 1 + len(current.page_hashes) + len(current.drop_pages) + len(keys)  # = current.items
        if current.contributions and items + cost > max_items:
            out.append(current)
            expected, keys = current.mark, set()
            current = Chunk(state.shard, expected, page=page, page_count=count)
        current.contributions.append(c)
        keys |= set(c.increments)
        if c.increments:
            if opens:
                page, count = target, 0
                if drop is not None:
                    current.drop_pages.append(drop)
            current.page_hashes.setdefault(page, []).append(event_hash(c.event_id))
            count += 1
            current.page, current.page_count = page, count
    if current.contributions:
        out.append(current)
    return [c for c in out if c.event_ids]  # only a delivery without ticket events has none


def _concert_id(event: Envelope[Any]) -> int | None:
    value = getattr(event.data, "concert_id", None)
    return value if isinstance(value, int) else None


@dataclass(slots=True)
class ShardCache:
    """The states of the shards this process counted last (a warm Lambda keeps it). A state is
    trusted only while every write to it came from here: any failure forgets it, and a
    transaction that finds the mark elsewhere fails (ShardMoved)."""

    states: dict[str, ShardState] = field(default_factory=dict)
    max_shards: int = 8  # a window is ~100k hashes (~7 MB): the least recently used go

    def get(self, shard: str, store: AggregateStore) -> ShardState:
        """The shard's state, read from the store when not held."""
        state = self.states.pop(shard, None) or store.shard_state(shard)
        self.states[shard] = state  # the most recently used last
        while len(self.states) > self.max_shards:
            self.states.pop(next(iter(self.states)))
        return state

    def forget(self, shard: str) -> None:
        """Read the shard again next time."""
        self.states.pop(shard, None)


def count_batch(
    records: Sequence[Delivered], store: AggregateStore, cache: ShardCache | None = None
) -> dict[str, Outcome]:
    """Add the ticket events of a delivery to the store, one write per counter key per chunk.

    Per shard: user records at or before the shard's mark were counted before (a redelivery)
    and are skipped without a write; ticket events whose hash is in the shard's window are
    duplicates at a new position (a producer's retry, a replay) and skipped too. The rest is
    counted in memory and stored in chunks, each moving the mark in the same transaction.
    Concert events update profiles first, in order, so later ticket events see them. The first
    chunk that fails fails its records and every later record of the shard (the mapping
    re-delivers from the lowest failed one); a mark found moved (another container counted
    the shard since this one cached it) is read again and the shard counted over, once.
    Invalid events are skipped and counted (the KCL
    consumer sends them to the DLQ).
    """
    cache = cache if cache is not None else ShardCache()
    outcomes = {r.record_id: Outcome() for r in records}
    by_shard: dict[str, list[Delivered]] = {}
    for r in records:
        by_shard.setdefault(r.shard, []).append(r)
    for shard, shard_records in by_shard.items():
        for attempt in (1, 2):
            for r in shard_records:
                outcomes[r.record_id] = Outcome()
            try:
                _count_shard(shard_records, store, cache.get(shard, store), cache, outcomes)
                break
            except ShardMoved as err:  # another container counted this shard since we cached it
                cache.forget(shard)
                if attempt == 2:
                    for r in shard_records:
                        outcomes[r.record_id].error = err
            except Exception as err:  # the store is unreachable: every record of the shard is retried
                cache.forget(shard)
                for r in shard_records:
                    outcomes[r.record_id].error = err
                break
    return outcomes


def _count_shard(
    records: list[Delivered],
    store: AggregateStore,
    state: ShardState,
    cache: ShardCache,
    outcomes: dict[str, Outcome],
) -> None:
    events: list[tuple[Delivered, Position, Envelope[Any]]] = []
    for r in records:
        for sub, raw in enumerate(r.users):
            position = Position(int(r.sequence), sub)
            if state.mark is not None and position <= state.mark:
                outcomes[r.record_id].duplicates += 1  # redelivered: counted before
                continue
            try:
                events.append((r, position, parse_event(raw)))
                outcomes[r.record_id].events += 1
            except InvalidEvent:
                outcomes[r.record_id].invalid += 1
    profiles = store.profiles({cid for _, _, e in events if (cid := _concert_id(e)) is not None})
    changed: dict[int, ConcertProfile] = {}
    contributions: list[Contribution] = []
    seen: set[bytes] = set()
    for r, position, event in events:
        cid = _concert_id(event)
        if cid is None:
            continue
        updated = profile_update(event, profiles.get(cid))
        if updated is not None:
            profiles[cid] = changed[cid] = updated
        c = contribution(event, profiles.get(cid))
        if c.increments:
            h = event_hash(c.event_id)
            if h in state.recent or h in seen:
                outcomes[r.record_id].duplicates += 1  # the same event at a new position
                continue
            seen.add(h)
        contributions.append(replace(c, record=r.record_id, position=position, arrival_ms=r.arrival_ms))
    if changed:
        store.save_profiles(changed)
    order = {r.record_id: i for i, r in enumerate(records)}
    for chunk in chunks(state, contributions):
        try:
            store.apply(chunk)
        except ShardMoved:
            raise  # the caller reads the shard again and starts over (once)
        except Exception as err:
            cache.forget(state.shard)
            first = order[chunk.contributions[0].record]
            for r in records[first:]:
                outcomes[r.record_id].error = err
            return
        state.advance(chunk)
        for c in chunk.contributions:
            if c.increments:
                outcomes[c.record].counted += 1
                outcomes[c.record].changed.update(c.increments)


LIVE_MINUTES = 60  # the dashboard shows the newest hour of minute buckets


def live_keys(outcomes: Iterable[Outcome], minutes: int = LIVE_MINUTES) -> list[Key]:
    """The changed keys the dashboard shows, sorted: every total, and the newest `minutes`
    global minute buckets (a replay of old events touches old minutes: they stay out of the
    frame, which keeps it well under the WebSocket frame limit)."""
    changed = {k for o in outcomes for k in o.changed}
    totals = {k for k in changed if k[1] == "TOTAL"}
    newest = sorted(k for k in changed if k[0] == "ALL" and k[1].startswith("MINUTE#"))[-minutes:]
    return sorted(totals | set(newest))
