"""One batch from records to durable sinks, the same for every consumer kind.

`handle` routes the records through the core once, then makes the result durable in order:
lake files (with the COPY manifest last), the DLQ, the shard's state (naming the batch as
pending), and the `CuratedBatchLanded` event that starts the ETL workflow, which loads the
warehouse. It then waits for the workflow's ledger entry (loaded, or rejected by a quality
gate), announcing the batch again if none comes in time. Each step is idempotent
(deterministic file names, MERGE on event id, a finished batch skipped by the workflow), so a
failed step is retried with backoff on the same output until it succeeds or `should_stop`
says the lease is gone. Only then may the caller checkpoint. A restarted worker waits for its
shards' pending batches before it reads on, so nothing is landed twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from consumers.batch_events import BatchAnnouncer
from consumers.core import BatchOutput, ConsumerCore
from consumers.dlq import DeadLetterQueue
from consumers.etl.compaction import partition_of
from consumers.lake import LakeWriter
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from consumers.warehouse.client import DataApiWarehouse


class Stopped(RuntimeError):
    """The batch was abandoned because the shard's lease was lost or the worker is stopping."""


@dataclass
class BatchReport:
    """Counts of one durable batch."""

    batch_id: str
    records: int
    loaded: int
    dead: int
    duplicates: int
    held: int
    attempts: int
    seconds: float


class Pipeline:
    """Core + sinks, shared by the shard processors of one worker (batches run one at a time)."""

    def __init__(
        self,
        core: ConsumerCore,
        lake: LakeWriter,
        warehouse: DataApiWarehouse,
        dlq: DeadLetterQueue,
        state: ShardStateStore,
        *,
        lake_bucket: str,
        announcer: BatchAnnouncer,
        etl_wait_s: float = 120.0,
        poll_s: float = 0.2,
        max_backoff_s: float = 10.0,
        log: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.core, self.lake, self.warehouse, self.dlq, self.state = core, lake, warehouse, dlq, state
        self.lake_bucket = lake_bucket
        self.announcer = announcer
        self.etl_wait_s, self.poll_s = etl_wait_s, poll_s
        self.max_backoff_s = max_backoff_s
        self.log = log
        self.lock = threading.Lock()
        self.pending: dict[str, dict[str, Any]] = {}  # shard -> its landed batch not yet finished

    def restore_shard(self, shard_id: str, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Give the core back a just-leased shard's held events, once its pending batch is finished."""
        held, _last = self.state.load(shard_id)
        pending = self.state.load_pending(shard_id)
        if pending is not None:
            self.pending[shard_id] = pending
            self._await_etl(shard_id, pending, should_stop, announced=False)
        with self.lock:
            self.core.restore_held(held)
        return len(held)

    def handle(
        self, shard_id: str, records: list[StreamRecord], should_stop: Callable[[], bool]
    ) -> BatchReport:
        """Route and persist one batch; raise Stopped if abandoned."""
        started = time.monotonic()
        first, last = (
            (records[0].sequence_number, records[-1].sequence_number) if records else ("empty", "empty")
        )
        batch_id = f"{shard_id}-{first}-{last}"
        with self.lock:
            before = {h.record.shard_id for h in self.core.held.values()}
            out = self.core.process(records, batch_id, known_ids=self._known_ids(should_stop))
            # Held events of any shard may be released by this batch: every shard whose held set
            # may have changed gets its state saved, so no state file lists an event already loaded.
            shards = before | {h.record.shard_id for h in self.core.held.values()} | {shard_id}
            held = {s: [h for h in self.core.held.values() if h.record.shard_id == s] for s in sorted(shards)}
            attempts, landed = self._persist(shard_id, out, held, should_stop)
            # Still under the lock: a later batch may carry held facts whose dimensions this
            # batch lands, so batches are loaded in the order the core routed them.
            if landed is not None:
                status = self._await_etl(shard_id, landed, should_stop, announced=True)
                if status != "loaded":
                    self.log(f"batch {batch_id} {status} by the ETL workflow: see its quality report")
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

    def _known_ids(self, should_stop: Callable[[], bool]) -> Callable[[list[str]], set[str]]:
        def known(ids: list[str]) -> set[str]:
            lookup = self.warehouse.known_event_ids
            found: set[str] = self._retry(lambda: lookup(ids), should_stop, "dedupe")[0]
            return found

        return known

    def _persist(
        self, shard_id: str, out: BatchOutput, held: dict[str, list[Any]], should_stop: Callable[[], bool]
    ) -> tuple[int, dict[str, Any] | None]:
        landed: dict[str, Any] | None = None

        def write() -> None:
            nonlocal landed
            written = self.lake.write(out.batch_id, out.raw, out.tables)
            if out.dead:
                self.lake.write_dead(out.batch_id, out.dead)
                self.dlq.send(out.dead)
            if written.manifests:
                rows = {t: sum(n for _, n in files) for t, files in written.curated.items()}
                partitions = sorted({partition_of(k) for files in written.curated.values() for k, _ in files})
                landed = {
                    "batch_id": out.batch_id,
                    "bucket": self.lake_bucket,
                    "manifests": written.manifests,
                    "rows": rows,
                    "partitions": partitions,
                }
                self.pending[shard_id] = landed
            for shard, events in held.items():
                self.state.save(shard, events, out.batch_id, pending=self.pending.get(shard))
            if landed is not None:
                self.announcer.announce(**landed)

        attempts = self._retry(write, should_stop, f"batch {out.batch_id}")[1]
        return attempts, landed

    def _await_etl(
        self, shard_id: str, landed: dict[str, Any], should_stop: Callable[[], bool], *, announced: bool
    ) -> str:
        """Wait for the workflow's ledger entry of the batch; announce it (again) while it is missing."""
        announce = not announced

        def finished() -> str:
            nonlocal announce
            status = self.warehouse.batch_status(landed["batch_id"])
            if status is not None:
                return status
            if announce:
                self.announcer.announce(**landed)
            announce = True  # a later attempt means the last announcement went unanswered
            deadline = time.monotonic() + self.etl_wait_s
            while True:
                time.sleep(self.poll_s)
                status = self.warehouse.batch_status(landed["batch_id"])
                if status is not None:
                    return status
                if should_stop():
                    raise Stopped(f"batch {landed['batch_id']}: stopped while the ETL was running")
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"no ETL result for batch {landed['batch_id']} in {self.etl_wait_s:.0f}s"
                    )

        status: str = self._retry(finished, should_stop, f"ETL of {landed['batch_id']}")[0]
        if self.pending.get(shard_id) is landed:
            del self.pending[shard_id]
        return status

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
