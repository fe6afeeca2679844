"""The consumer core both consumers share: decode, validate, deduplicate, enrich, route.

Pure: sinks and the id lookup are given to it. One call to `process` takes a batch of
Kinesis records and returns what to write: curated rows by table (dimensions, facts and the
event log), dead letters, and how many duplicates it dropped. Order of work in a batch:

1. decode (KPL aggregates expanded) and validate; an invalid record becomes a dead letter
   with its reason and raw bytes;
2. drop events already seen (in this batch, or known to the sinks through `known_ids`);
3. apply catalog events first (last writer wins), so a ticket event may follow its concert
   within the same batch;
4. ticket events whose concert, artist or venue is not known yet become *pending facts*
   (`fact_*_pending`, their own columns): the warehouse resolves them once the dimension is
   loaded, whatever shard or worker it came through, so nothing waits in a consumer for
   another shard. A concert change (update, cancellation) before its concert is *held* and
   retried on later batches: both share the concert's partition key, so it only waits for an
   earlier record of its own shard; after `max_hold_batches` it becomes a dead letter saying
   what it waited for.

`held` is part of a shard's state: the adapter persists it with each landed batch and gives
it back through `restore_held` after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from consumers.catalog import CatalogState
from consumers.dead_letter import DeadLetter
from consumers.enrich import Row, catalog_row, event_log_row, fact_row, pending_fact_row
from consumers.records import StreamRecord, decode
from schemas import ConcertCancelled, ConcertUpdated, Envelope, InvalidEvent, parse_event

CATALOG_TYPES = frozenset({"ArtistUpserted", "VenueUpserted", "ConcertScheduled"})


@dataclass
class Held:
    """A valid event waiting for the catalog entry it needs."""

    record: StreamRecord
    event: Envelope[Any]
    waiting_for: str
    batches: int = 0


@dataclass
class BatchOutput:
    """What one batch produced for the sinks."""

    batch_id: str
    tables: dict[str, list[Row]] = field(default_factory=dict)
    dead: list[DeadLetter] = field(default_factory=list)
    duplicates: int = 0
    valid: int = 0
    user_records: int = 0
    released: int = 0
    pending: int = 0  # ticket events landed as pending facts (a dimension not known yet)
    raw: list[tuple[StreamRecord, str | None, str]] = field(default_factory=list)  # record, event id, type

    def add(self, table: str, row: Row) -> None:
        """Append a row to a table's output."""
        self.tables.setdefault(table, []).append(row)

    @property
    def event_ids(self) -> list[str]:
        """Ids of the events written by this batch (the event log)."""
        return [r["event_id"] for r in self.tables.get("event_log", [])]


KnownIds = Callable[[list[str]], set[str]]


def _no_known(_ids: list[str]) -> set[str]:
    return set()


class ConsumerCore:
    """Routes batches of records; keeps the catalog state and the held events of its shards."""

    def __init__(self, state: CatalogState | None = None, *, max_hold_batches: int = 100) -> None:
        self.state = state or CatalogState()
        self.max_hold_batches = max_hold_batches
        self.held: dict[str, Held] = {}

    def restore_held(self, held: Iterable[Held]) -> None:
        """Take back the held events persisted with the last committed batch."""
        for h in held:
            self.held[str(h.event.event_id)] = h

    def process(
        self, records: Iterable[StreamRecord], batch_id: str, known_ids: KnownIds = _no_known
    ) -> BatchOutput:
        """Route one batch; never raises on bad input (it becomes dead letters)."""
        out = BatchOutput(batch_id)
        fresh: list[tuple[StreamRecord, Envelope[Any]]] = []
        for rec in records:
            for user in decode(rec):
                out.user_records += 1
                try:
                    parsed: Envelope[Any] = parse_event(user.data)
                except InvalidEvent as err:
                    dead = DeadLetter.of(user, err.reason)
                    out.dead.append(dead)
                    out.raw.append((user, dead.event_id, "_invalid"))
                    continue
                fresh.append((user, parsed))
                out.raw.append((user, str(parsed.event_id), parsed.event_type))
        out.valid = len(fresh)
        fresh = self._drop_duplicates(fresh, known_ids, out)

        for user, event in fresh:
            if event.event_type in CATALOG_TYPES and self.state.apply(event):
                self._emit_catalog(user, event, out)
            elif event.event_type in CATALOG_TYPES:
                self._log(out, user, event)  # stale version: logged, not applied
        pending = [Held(u, e, "") for u, e in fresh if e.event_type not in CATALOG_TYPES]
        retry = list(self.held.values())
        self.held.clear()
        for h in retry + pending:
            self._route(h, out, retried=h in retry)
        return out

    def _drop_duplicates(
        self, fresh: list[tuple[StreamRecord, Envelope[Any]]], known_ids: KnownIds, out: BatchOutput
    ) -> list[tuple[StreamRecord, Envelope[Any]]]:
        seen: set[str] = set(self.held)
        unique: list[tuple[StreamRecord, Envelope[Any]]] = []
        for user, event in fresh:
            eid = str(event.event_id)
            if eid in seen:
                out.duplicates += 1
                continue
            seen.add(eid)
            unique.append((user, event))
        # Held events restored after a crash may have been loaded already: look them up too.
        asked = [str(e.event_id) for _, e in unique] + list(self.held)
        known = known_ids(asked) if asked else set()
        for eid in known & set(self.held):
            del self.held[eid]
            out.duplicates += 1
        out.duplicates += sum(1 for _, e in unique if str(e.event_id) in known)
        return [(u, e) for u, e in unique if str(e.event_id) not in known]

    @staticmethod
    def _log(out: BatchOutput, record: StreamRecord, event: Envelope[Any]) -> None:
        """Record an event once in the event log, with where and when it was read."""
        out.add(
            "event_log",
            event_log_row(
                event,
                out.batch_id,
                record.shard_id,
                record.sequence_number,
                record.sub_sequence_number,
                record.arrival_ms,
            ),
        )

    def _emit_catalog(self, user: StreamRecord, event: Envelope[Any], out: BatchOutput) -> None:
        row = catalog_row(event, self.state)
        if row:
            out.add(*row)
        self._log(out, user, event)

    def _route(self, h: Held, out: BatchOutput, *, retried: bool) -> None:
        waiting = self.state.needs(h.event)
        if waiting and not isinstance(h.event.data, ConcertUpdated | ConcertCancelled):
            row = pending_fact_row(h.event, waiting)
            if row:
                out.add(*row)
                out.pending += 1
            self._log(out, h.record, h.event)
            return
        if waiting:
            h.waiting_for, h.batches = waiting, h.batches + 1
            if h.batches > self.max_hold_batches:
                out.dead.append(
                    DeadLetter.of(
                        h.record,
                        f"waited for {waiting} over {self.max_hold_batches} batches",
                        str(h.event.event_id),
                    )
                )
            else:
                self.held[str(h.event.event_id)] = h
            return
        if retried:
            out.released += 1
        if isinstance(h.event.data, ConcertUpdated | ConcertCancelled):
            if self.state.apply(h.event):
                self._emit_catalog(h.record, h.event, out)
            else:
                self._log(out, h.record, h.event)
            return
        row = fact_row(h.event, self.state)
        if row:
            out.add(*row)
        self._log(out, h.record, h.event)
