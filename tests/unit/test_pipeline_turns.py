"""Shards land side by side, visible in the order they were routed (consumers/pipeline.py): a
batch's files are written beside another shard's batch, its ledger entry and shard states only
after every batch routed before it; an abandoned batch never holds the others back."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from consumers.core import ConsumerCore, Held
from consumers.etl.landing_ledger import LandingLedger
from consumers.lake import LakeWriter, WrittenBatch
from consumers.pipeline import Pipeline, Stopped, Turns
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from producers.synthetic import Spec, generate
from schemas import to_json
from tests.fakes.clients import s3_client
from tests.fakes.dead_letters import MemoryDeadLetters
from tests.fakes.landings import MemoryTrigger
from tests.fakes.s3 import MemoryS3

EVENTS = generate(Spec(seed=8).scaled(0.002)).events
BOUND_S = 10.0  # every wait below is on a condition, bounded by this


def _records(events: list[Any], shard: str, start: int) -> list[StreamRecord]:
    return [
        StreamRecord(to_json(e), e.partition_key(), str(start + i), shard, "s") for i, e in enumerate(events)
    ]


class GatedLake:
    """The lake, where the first batch's files wait until the second batch's are written."""

    def __init__(self, lake: LakeWriter) -> None:
        self.lake = lake
        self.first_started = threading.Event()
        self.second_written = threading.Event()
        self.first_saw_second = False
        self.calls = 0
        self.lock = threading.Lock()

    def write(
        self,
        batch_id: str,
        records: Sequence[tuple[StreamRecord, str | None, str]],
        tables: dict[str, list[dict[str, Any]]],
    ) -> WrittenBatch:
        with self.lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.first_started.set()
            self.first_saw_second = self.second_written.wait(BOUND_S)
            return self.lake.write(batch_id, records, tables)
        out = self.lake.write(batch_id, records, tables)
        self.second_written.set()
        return out

    def write_dead(self, batch_id: str, dead: Sequence[Any]) -> str | None:
        return self.lake.write_dead(batch_id, dead)


class RecordingLedger:
    """The landing ledger, remembering the order of its entries."""

    def __init__(self, ledger: LandingLedger) -> None:
        self.ledger = ledger
        self.order: list[str] = []

    def record(self, batch: dict[str, Any], now_ms: int | None = None) -> dict[str, Any]:
        self.order.append(str(batch["batch_id"]))
        return self.ledger.record(batch, now_ms)


class RecordingStates:
    """Shard states, remembering every save (shard, last batch)."""

    def __init__(self, states: ShardStateStore) -> None:
        self.states = states
        self.saves: list[tuple[str, str]] = []

    def save(self, shard_id: str, held: list[Held], last_batch: str) -> None:
        self.saves.append((shard_id, last_batch))
        self.states.save(shard_id, held, last_batch)

    def load(self, shard_id: str) -> tuple[list[Held], str | None]:
        return self.states.load(shard_id)


def _pipeline(s3: MemoryS3, lake: Any, ledger: Any, states: Any) -> Pipeline:
    return Pipeline(
        ConsumerCore(),
        lake,
        MemoryDeadLetters(expected=False),
        states,
        ledger,
        lake_bucket="lake",
        trigger=MemoryTrigger(),
        max_backoff_s=0.01,
    )


def test_two_shards_write_their_files_side_by_side_and_become_visible_in_routing_order() -> None:
    s3 = MemoryS3()
    lake = GatedLake(LakeWriter(s3_client(s3), "lake"))
    ledger = RecordingLedger(LandingLedger(s3_client(s3), "lake"))
    states = RecordingStates(ShardStateStore(s3_client(s3), "lake", "app"))
    pipeline = _pipeline(s3, lake, ledger, states)
    half = len(EVENTS) // 2
    reports: dict[str, str] = {}

    def run(shard: str, events: list[Any], start: int) -> None:
        reports[shard] = pipeline.handle(shard, _records(events, shard, start), lambda: False).batch_id

    first = threading.Thread(target=run, args=("shard-0", EVENTS[:half], 100))
    first.start()
    # The second batch is routed after the first (the core's lock is free once the first writes).
    assert lake.first_started.wait(BOUND_S)
    second = threading.Thread(target=run, args=("shard-1", EVENTS[half:], 5000))
    second.start()
    first.join(BOUND_S)
    second.join(BOUND_S)
    assert not first.is_alive() and not second.is_alive()
    assert lake.first_saw_second  # the second batch's files were written while the first's waited
    assert ledger.order == [reports["shard-0"], reports["shard-1"]]  # yet it became visible after
    assert [b for _, b in states.saves][:1] == [reports["shard-0"]]
    assert {e["batch_id"] for e in LandingLedger(s3_client(s3), "lake").pending()} == set(reports.values())


def test_a_batch_abandoned_before_its_entry_does_not_hold_back_the_next() -> None:
    s3 = MemoryS3()
    ledger = RecordingLedger(LandingLedger(s3_client(s3), "lake"))
    states = ShardStateStore(s3_client(s3), "lake", "app")

    class FailingLake(LakeWriter):
        def write(
            self,
            batch_id: str,
            records: Sequence[tuple[StreamRecord, str | None, str]],
            tables: dict[str, list[dict[str, Any]]],
        ) -> WrittenBatch:
            if batch_id.startswith("shard-0"):
                raise ConnectionError("the lake is away")
            return super().write(batch_id, records, tables)

    pipeline = _pipeline(s3, FailingLake(s3_client(s3), "lake"), ledger, states)
    half = len(EVENTS) // 2
    with pytest.raises(Stopped):
        pipeline.handle("shard-0", _records(EVENTS[:half], "shard-0", 100), lambda: True)
    report = pipeline.handle("shard-1", _records(EVENTS[half:], "shard-1", 5000), lambda: False)
    assert ledger.order == [report.batch_id]


def test_turns_wait_for_every_earlier_turn_whatever_order_they_end_in() -> None:
    turns = Turns()
    a, b, c = turns.take(), turns.take(), turns.take()
    passed = threading.Event()

    def third() -> None:
        turns.wait(c, lambda: False, poll_s=0.01)
        passed.set()

    waiter = threading.Thread(target=third)
    waiter.start()
    turns.done(b)  # out of order: the third still waits for the first
    assert not passed.wait(0.05)
    turns.done(a)
    assert passed.wait(BOUND_S)
    waiter.join(BOUND_S)
    turns.wait(a, lambda: False)  # a turn whose predecessors are done never blocks
    turns.done(c)
    turns.done(c)  # idempotent
    turns.wait(turns.take(), lambda: False)


def test_a_turn_waiting_raises_stopped_when_its_lease_is_lost() -> None:
    turns = Turns()
    turns.take()
    with pytest.raises(Stopped, match="abandoned while waiting"):
        turns.wait(turns.take(), lambda: True, poll_s=0.01)


class OverlapS3(MemoryS3):
    """An S3 whose first PUT waits (bounded) for a second one to start: it sees whether PUTs
    overlap; every PUT's key in the order they finished."""

    def __init__(self) -> None:
        super().__init__()
        self.second_started = threading.Event()
        self.overlapped = False
        self.order: list[str] = []
        self.started = 0
        self.lock = threading.Lock()

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:
        with self.lock:
            self.started += 1
            n = self.started
        if n == 1:
            self.overlapped = self.second_started.wait(BOUND_S)
        elif n == 2:
            self.second_started.set()
        super().put_object(Bucket, Key, Body)
        with self.lock:
            self.order.append(Key)


def test_a_batch_puts_its_files_at_once_and_names_each_with_its_size() -> None:
    core = ConsumerCore()
    out = core.process(_records(EVENTS, "shard-0", 100), "batch-1")
    s3 = OverlapS3()
    written = LakeWriter(s3_client(s3), "lake", puts_at_once=4).write("batch-1", out.raw, out.tables)
    assert s3.overlapped
    assert set(s3.order) == {f.key for f in written.curated} | set(written.raw) and len(s3.order) >= 3
    assert all(len(s3.objects[("lake", f.key)]) == f.size for f in written.curated)
    one_at_a_time = MemoryS3()
    LakeWriter(s3_client(one_at_a_time), "lake").write("batch-1", out.raw, out.tables)
    assert one_at_a_time.objects == s3.objects  # the same objects, byte for byte
