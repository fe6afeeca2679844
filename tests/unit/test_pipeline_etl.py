"""The pipeline's hand-off to the ETL workflow: announce, wait for the ledger, announce again
when it stays silent, and wait for a pending batch after a restart before reading on."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.core import ConsumerCore
from consumers.lake import LakeWriter
from consumers.pipeline import Pipeline, Stopped
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from producers.synthetic import Spec, generate
from schemas import to_json
from tests.fakes.s3 import MemoryS3

EVENTS = generate(Spec(seed=8).scaled(0.002)).events


class Ledger:
    """The warehouse as the pipeline sees it: known ids and the ETL ledger (filled by `etl`)."""

    def __init__(self) -> None:
        self.status: dict[str, str] = {}

    def known_event_ids(self, ids: list[str]) -> set[str]:
        return set()

    def batch_status(self, batch_id: str) -> str | None:
        return self.status.get(batch_id)


class Announcer:
    def __init__(self, ledger: Ledger, answer_after: int = 1) -> None:
        self.ledger, self.answer_after = ledger, answer_after
        self.sent: list[str] = []

    def announce(self, **batch: Any) -> None:
        self.sent.append(batch["batch_id"])
        if len(self.sent) >= self.answer_after:  # the workflow ran this time
            self.ledger.status[batch["batch_id"]] = "loaded"


class NoDlq:
    def send(self, letters: list[Any]) -> None:
        assert not letters


def _pipeline(s3: MemoryS3, ledger: Ledger, announcer: Announcer) -> Pipeline:
    return Pipeline(
        ConsumerCore(),
        LakeWriter(s3, "lake"),
        ledger,  # type: ignore[arg-type]
        NoDlq(),  # type: ignore[arg-type]
        ShardStateStore(s3, "lake", "app"),
        lake_bucket="lake",
        announcer=announcer,  # type: ignore[arg-type]
        etl_wait_s=0.05,
        poll_s=0.001,
        max_backoff_s=0.01,
    )


def _records() -> list[StreamRecord]:
    return [
        StreamRecord(to_json(e), e.partition_key(), str(100 + i), "shard-0", "s")
        for i, e in enumerate(EVENTS)
    ]


def test_a_batch_is_announced_once_and_done_when_the_ledger_has_it() -> None:
    s3, ledger = MemoryS3(), Ledger()
    announcer = Announcer(ledger)
    report = _pipeline(s3, ledger, announcer).handle("shard-0", _records(), lambda: False)
    assert announcer.sent == [report.batch_id] and ledger.status[report.batch_id] == "loaded"


def test_a_silent_workflow_gets_the_batch_again() -> None:
    s3, ledger = MemoryS3(), Ledger()
    announcer = Announcer(ledger, answer_after=3)  # the first two announcements are lost
    report = _pipeline(s3, ledger, announcer).handle("shard-0", _records(), lambda: False)
    assert announcer.sent == [report.batch_id] * 3 and report.attempts == 1


def test_a_restart_waits_for_the_pending_batch_before_reading_on() -> None:
    s3, ledger = MemoryS3(), Ledger()
    never = Announcer(ledger, answer_after=10**6)
    pipeline = _pipeline(s3, ledger, never)
    with pytest.raises(Stopped):  # the lease is lost while the workflow stays silent
        pipeline.handle("shard-0", _records(), lambda: len(never.sent) >= 2)
    (batch_id,) = set(never.sent)
    assert ShardStateStore(s3, "lake", "app").load_pending("shard-0")["batch_id"] == batch_id  # type: ignore[index]

    answering = Announcer(ledger)
    restarted = _pipeline(s3, ledger, answering)
    restarted.restore_shard("shard-0")
    assert answering.sent == [batch_id] and ledger.status[batch_id] == "loaded"
    again = Announcer(ledger)
    _pipeline(s3, ledger, again).restore_shard("shard-0")
    assert again.sent == [], "a finished pending batch is not announced again"
