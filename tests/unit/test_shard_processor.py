"""The KCL record processor's contract: checkpoint only after the batch is durable, at shard
end and on shutdown; after a lost lease, write nothing more for the shard."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.kcl_worker import ShardProcessor
from consumers.pipeline import BatchReport, Stopped


@dataclass
class Checkpointer:
    calls: int = 0

    def checkpoint(self) -> None:
        self.calls += 1


@dataclass
class FakePipeline:
    fail_with: BaseException | None = None
    handled: list[tuple[str, int]] = field(default_factory=list)

    def restore_shard(self, shard_id: str, should_stop: Any = None) -> int:
        return 0

    def handle(self, shard_id: str, records: list[Any], should_stop: Any) -> BatchReport:
        if self.fail_with is not None:
            raise self.fail_with
        self.handled.append((shard_id, len(records)))
        return BatchReport(f"{shard_id}-b", len(records), len(records), 0, 0, 0, 1, 0.01)


def _input(n: int, checkpointer: Checkpointer) -> Any:
    records = [
        SimpleNamespace(
            binary_data=b"{}",
            partition_key="k",
            sequence_number=str(100 + i),
            sub_sequence_number=0,
            timestamp_millis=0,
        )
        for i in range(n)
    ]
    return SimpleNamespace(records=records, checkpointer=checkpointer, millis_behind_latest=0)


def _processor(pipeline: FakePipeline) -> ShardProcessor:
    p = ShardProcessor(pipeline, "concert-events")
    p.initialize(SimpleNamespace(shard_id="shardId-000000000001"))
    return p


def test_checkpoint_follows_a_durable_batch() -> None:
    pipeline, cp = FakePipeline(), Checkpointer()
    _processor(pipeline).process_records(_input(3, cp))
    assert pipeline.handled == [("shardId-000000000001", 3)] and cp.calls == 1


def test_an_abandoned_batch_is_not_checkpointed() -> None:
    cp = Checkpointer()
    _processor(FakePipeline(fail_with=Stopped("lease lost"))).process_records(_input(3, cp))
    assert cp.calls == 0


def test_a_failing_sink_is_not_checkpointed_and_propagates() -> None:
    cp = Checkpointer()
    with pytest.raises(ConnectionError):
        _processor(FakePipeline(fail_with=ConnectionError("down"))).process_records(_input(3, cp))
    assert cp.calls == 0


def test_after_a_lost_lease_nothing_is_written_or_checkpointed() -> None:
    pipeline, cp = FakePipeline(), Checkpointer()
    processor = _processor(pipeline)
    processor.lease_lost(SimpleNamespace())
    processor.process_records(_input(3, cp))
    assert pipeline.handled == [] and cp.calls == 0


def test_shard_end_and_shutdown_checkpoint() -> None:
    processor, end, stop = _processor(FakePipeline()), Checkpointer(), Checkpointer()
    processor.shard_ended(SimpleNamespace(checkpointer=end))
    processor.shutdown_requested(SimpleNamespace(checkpointer=stop))
    assert end.calls == stop.calls == 1
