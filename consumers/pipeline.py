"""One batch from records to durable sinks, the same for every consumer kind.

`handle` routes the records through the core once, then makes the result durable in order:
lake files (with the COPY manifest last), the warehouse load (one transaction), the DLQ, and
the shard's state. Each step is idempotent (deterministic file names, MERGE on event id), so
a failed step is retried with backoff on the same output until it succeeds or `should_stop`
says the lease is gone. Only then may the caller checkpoint.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from consumers.core import BatchOutput, ConsumerCore
from consumers.dlq import DeadLetterQueue
from consumers.lake import LakeWriter
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.load_sql import load_statements


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
        max_backoff_s: float = 10.0,
        log: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.core, self.lake, self.warehouse, self.dlq, self.state = core, lake, warehouse, dlq, state
        self.lake_bucket = lake_bucket
        self.max_backoff_s = max_backoff_s
        self.log = log
        self.lock = threading.Lock()

    def restore_shard(self, shard_id: str) -> int:
        """Give the core back the held events of a shard this worker just leased; return how many."""
        held, _last = self.state.load(shard_id)
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
            attempts = self._persist(out, held, should_stop)
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

    def _persist(self, out: BatchOutput, held: dict[str, list[Any]], should_stop: Callable[[], bool]) -> int:
        def write() -> None:
            loaded_at = datetime.now(UTC)
            for row in out.tables.get("event_log", []):
                row["loaded_at"] = loaded_at
            written = self.lake.write(out.batch_id, out.raw, out.tables)
            if written.manifests:
                self.warehouse.batch(
                    load_statements(
                        written.manifests,
                        bucket=self.lake_bucket,
                        iam_role=self.warehouse.settings.iam_role,
                    )
                )
            if out.dead:
                self.lake.write_dead(out.batch_id, out.dead)
                self.dlq.send(out.dead)
            for shard, events in held.items():
                self.state.save(shard, events, out.batch_id)

        return self._retry(write, should_stop, f"batch {out.batch_id}")[1]

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
