"""One batch from records to a durable landing, the same for every consumer kind.

`handle` routes the records through the core once, then lands the result in order: lake files,
the dead letters (archive and DLQ), the entry in the landing ledger naming the curated files
with their sizes and rows (the point from which the batch is safe and whole) and the shards'
states (their held events).
Then the caller may checkpoint: the worker never waits for the warehouse. Loading is the ETL
workflow's, in cycles over everything landed (see consumers/etl/cycle.py), started by the
`CuratedBatchLanded` event the trigger sends after landings. Each step is idempotent
(deterministic file names; the load MERGEs on event id and the cycle takes a batch id once),
so a failed step is retried with backoff on the same output until it succeeds or
`should_stop` says the lease is gone.

Batches of all shards are routed one at a time (one short lock around the core, no I/O under
it); their files are then written side by side, each shard's on its own thread, and only the
ledger entries and shard states are written in the order the batches were routed (`Turns`):
a batch is visible to a load cycle only after every batch routed before it, so a fact whose
dimension an earlier batch brought (or a held fact another shard's batch released) is never
loaded before that dimension, and a shard's state is never overwritten by an older one.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from consumers.core import BatchOutput, ConsumerCore, Held
from consumers.dead_letter import DeadLetter
from consumers.etl.compaction import partition_of
from consumers.etl.manifest import files_field
from consumers.lake import WrittenBatch
from consumers.records import StreamRecord


class Stopped(RuntimeError):
    """The batch was abandoned because the shard's lease was lost or the worker is stopping."""


class Lake(Protocol):
    """Where a batch's files go (consumers/lake.py's LakeWriter on S3)."""

    def write(
        self,
        batch_id: str,
        records: Sequence[tuple[StreamRecord, str | None, str]],
        tables: dict[str, list[dict[str, Any]]],
    ) -> WrittenBatch:
        """Write the raw records and curated rows."""
        ...

    def write_dead(self, batch_id: str, dead: Sequence[DeadLetter]) -> str | None:
        """Archive the batch's dead letters; their key (None when there are none)."""
        ...


class DeadLetterSink(Protocol):
    """Where dead letters go for operators (SQS, with the quarantine bucket for large ones)."""

    def send(self, letters: list[DeadLetter]) -> Any:
        """Send the letters; raise if any was not accepted."""


class ShardStates(Protocol):
    """A shard's resumable state (its held events), saved with each landed batch."""

    def save(self, shard_id: str, held: list[Held], last_batch: str) -> None:
        """Replace the shard's state."""

    def load(self, shard_id: str) -> tuple[list[Held], str | None]:
        """The shard's held events and last batch."""


class Ledger(Protocol):
    """The landing ledger (consumers/etl/landing_ledger.py)."""

    def record(self, batch: dict[str, Any], now_ms: int | None = None) -> dict[str, Any]:
        """Write the entry of a landed batch."""


class Trigger(Protocol):
    """What starts a load cycle (consumers/batch_events.py)."""

    def landed(self, batch: dict[str, Any]) -> None:
        """Say a batch landed; never raises (a missed trigger is sent again later)."""


@dataclass
class BatchReport:
    """Counts of one landed batch."""

    batch_id: str
    records: int
    loaded: int  # events landed for the warehouse (loaded by the next cycle)
    dead: int
    duplicates: int
    held: int
    attempts: int
    seconds: float


class Turns:
    """Ordered turns across threads: `wait(n)` returns once turns 0..n-1 are `done`. A turn given
    up (its batch abandoned) is `done` at once, so the turns after it go on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0  # the next turn handed out
        self._upto = -1  # every turn up to this one is done
        self._done: set[int] = set()

    def take(self) -> int:
        """A new turn, after every turn taken before it."""
        with self._cond:
            self._next += 1
            return self._next - 1

    def wait(self, turn: int, should_stop: Callable[[], bool], poll_s: float = 0.2) -> None:
        """Block until every earlier turn is done; raise Stopped if `should_stop` says so first."""
        with self._cond:
            while self._upto < turn - 1:
                if should_stop():
                    raise Stopped(f"turn {turn}: abandoned while waiting for turn {self._upto + 1}")
                self._cond.wait(poll_s)

    def done(self, turn: int) -> None:
        """Mark the turn done (idempotent)."""
        with self._cond:
            self._done.add(turn)
            while self._upto + 1 in self._done:
                self._upto += 1
                self._done.discard(self._upto)
            self._cond.notify_all()


class Pipeline:
    """Core + sinks, shared by the shard processors of one worker."""

    def __init__(
        self,
        core: ConsumerCore,
        lake: Lake,
        dlq: DeadLetterSink,
        state: ShardStates,
        ledger: Ledger,
        *,
        lake_bucket: str,
        trigger: Trigger,
        max_backoff_s: float = 10.0,
        log: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.core, self.lake, self.dlq, self.state, self.ledger = core, lake, dlq, state, ledger
        self.lake_bucket = lake_bucket
        self.trigger = trigger
        self.max_backoff_s = max_backoff_s
        self.log = log
        self.lock = threading.Lock()
        self.turns = Turns()

    def restore_shard(self, shard_id: str, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Give the core back a just-leased shard's held events."""
        held, _last = self._retry(lambda: self.state.load(shard_id), should_stop, f"state of {shard_id}")[0]
        with self.lock:
            self.core.restore_held(held)
        return len(held)

    def handle(
        self, shard_id: str, records: list[StreamRecord], should_stop: Callable[[], bool]
    ) -> BatchReport:
        """Route and land one batch; raise Stopped if abandoned."""
        started = time.monotonic()
        first, last = (
            (records[0].sequence_number, records[-1].sequence_number) if records else ("empty", "empty")
        )
        batch_id = f"{shard_id}-{first}-{last}"
        with self.lock:
            before = {h.record.shard_id for h in self.core.held.values()}
            out = self.core.process(records, batch_id)
            # Held events of any shard may be released by this batch: every shard whose held set
            # may have changed gets its state saved, so no state file lists an event landed.
            shards = before | {h.record.shard_id for h in self.core.held.values()} | {shard_id}
            held = {s: [h for h in self.core.held.values() if h.record.shard_id == s] for s in sorted(shards)}
            turn = self.turns.take()
        try:
            attempts, landed = self._land(out, held, should_stop, turn)
        finally:
            self.turns.done(turn)
        if landed is not None:
            self.trigger.landed(landed)
        return BatchReport(
            batch_id,
            out.user_records,
            len(out.event_ids),
            len(out.dead),
            out.duplicates,
            len(held[shard_id]),
            attempts,
            round(time.monotonic() - started, 3),
        )

    def _land(
        self, out: BatchOutput, held: dict[str, list[Held]], should_stop: Callable[[], bool], turn: int
    ) -> tuple[int, dict[str, Any] | None]:
        """The files first (beside other shards' batches), then, in the batches' routing order,
        the ledger entry and the shards' states."""

        def write_files() -> WrittenBatch:
            written = self.lake.write(out.batch_id, out.raw, out.tables)
            if out.dead:
                self.lake.write_dead(out.batch_id, out.dead)
                self.dlq.send(out.dead)
            return written

        def write_entry(written: WrittenBatch) -> dict[str, Any] | None:
            landed = None
            if written.curated:
                landed = self.ledger.record(
                    {
                        "batch_id": out.batch_id,
                        "bucket": self.lake_bucket,
                        "files": files_field(written.curated),
                        "rows": written.rows(),
                        "partitions": sorted({partition_of(f.key) for f in written.curated}),
                    }
                )
            for shard, events in held.items():
                self.state.save(shard, events, out.batch_id)
            return landed

        written, attempts = self._retry(write_files, should_stop, f"batch {out.batch_id}")
        self.turns.wait(turn, should_stop)
        landed, more = self._retry(
            lambda: write_entry(written), should_stop, f"ledger entry of {out.batch_id}"
        )
        return attempts + more - 1, landed

    def _retry(self, fn: Callable[[], Any], should_stop: Callable[[], bool], what: str) -> tuple[Any, int]:
        delay, attempt = 0.2, 0
        while True:
            attempt += 1
            try:
                return fn(), attempt
            except Exception as err:
                if should_stop():
                    raise Stopped(f"{what}: abandoned after {attempt} attempts ({err})") from err
                self.log(
                    f"{what}: attempt {attempt} failed ({type(err).__name__}: {err}); retry {delay:.1f}s"
                )
                time.sleep(delay * random.uniform(0.5, 1.0))
                delay = min(self.max_backoff_s, delay * 2)
