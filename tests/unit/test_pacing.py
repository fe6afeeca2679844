"""Paced publishing: chunks pipelined through the same lanes, reported in order, keys in order."""

from __future__ import annotations

import random
import threading
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from producers.pacing import publish_stream
from producers.publisher import KinesisPublisher
from schemas import Money, TicketSold, new_event, parse_event
from tests.fakes.kinesis import FakeKinesis

WAIT_S = 10.0


def _sale(sale_id: int, concert_id: int) -> Any:
    return new_event(
        TicketSold(
            sale_id=sale_id, concert_id=concert_id, customer_id=1, tier="ga", quantity=1,
            unit_price=Money(amount="10"),
        ),
        source="synthetic",
    )  # fmt: skip


class GatedKinesis(FakeKinesis):
    """Holds every request for a partition key in `held` until `release` is set."""

    def __init__(self, held: str) -> None:
        super().__init__(shards=2)
        self.held = held
        self.release = threading.Event()
        self.seen: list[str] = []

    def put_records(self, StreamName: str, Records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        keys = [r["PartitionKey"] for r in Records]
        self.seen.extend(keys)
        if self.held in keys:
            assert self.release.wait(WAIT_S), "never released"
        return super().put_records(StreamName, Records)


def _lane(key: str, lanes: int) -> int:
    return zlib.crc32(key.encode()) % lanes


def test_the_next_chunk_is_sent_while_an_earlier_one_is_still_being_put() -> None:
    first, second = _sale(1, 1), _sale(2, 2)
    lanes = 4
    assert _lane(first.partition_key(), lanes) != _lane(second.partition_key(), lanes)
    kin = GatedKinesis(held=first.partition_key())
    reported: list[int] = []
    result: dict[str, Any] = {}

    def run() -> None:
        result["report"] = publish_stream(
            KinesisPublisher("s", kin, lanes=lanes), [first, second], chunk_size=1,
            on_chunk=lambda _r, seen: reported.append(seen),
        )  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while second.partition_key() not in kin.seen and time.monotonic() < deadline:
        time.sleep(0.01)
    # The second chunk reached the stream while the first one's request was held...
    assert second.partition_key() in kin.seen
    # ...and nothing is reported done out of order: the first chunk is not finished yet.
    assert reported == []
    kin.release.set()
    thread.join(WAIT_S)
    assert not thread.is_alive()
    assert reported == [1, 2]
    assert len(result["report"].accepted) == 2


def test_each_concerts_events_stay_in_order_across_pipelined_chunks() -> None:
    rng = random.Random(3)

    class Jittery(FakeKinesis):
        def put_records(self, StreamName: str, Records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
            time.sleep(rng.random() / 500)  # requests finish out of order across lanes
            return super().put_records(StreamName, Records)

    kin = Jittery(shards=2)
    events = [_sale(i + 1, i % 13 + 1) for i in range(1_200)]
    seen: list[int] = []
    report = publish_stream(
        KinesisPublisher("s", kin, lanes=4), events, chunk_size=37, chunks_in_flight=6,
        on_chunk=lambda _r, n: seen.append(n),
    )  # fmt: skip
    assert len(report.accepted) == 1_200 and report.ok
    assert seen == sorted(seen) and seen[-1] == 1_200
    by_concert: dict[int, list[int]] = {}
    for records in kin.stored.values():
        for r in records:
            e = parse_event(r["Data"])
            by_concert.setdefault(e.data.concert_id, []).append(e.data.sale_id)  # type: ignore[union-attr]
    assert sum(map(len, by_concert.values())) == 1_200
    assert all(ids == sorted(ids) for ids in by_concert.values())


def test_refused_items_are_numbered_across_chunks() -> None:
    kin = FakeKinesis()
    items: list[Any] = [_sale(i + 1, 1) for i in range(10)]
    items[7] = {"event_type": "ticket.sold", "data": {}}
    report = publish_stream(KinesisPublisher("s", kin), items, chunk_size=3)
    assert [r.index for r in report.refused] == [7]
    assert len(report.accepted) == 9


def test_failures_after_every_attempt_are_reported_with_their_index() -> None:
    kin = FakeKinesis(fail=lambda e, _n: "InternalFailure" if e["PartitionKey"] == "2" else None)
    items = [_sale(i + 1, 1 if i != 4 else 2) for i in range(6)]
    pub = KinesisPublisher("s", kin, max_attempts=2, sleep=lambda _s: None)
    report = publish_stream(pub, items, chunk_size=2)
    assert [r.index for r in report.failed] == [4]
    assert len(report.accepted) == 5


def test_a_stop_request_ends_the_stream_after_the_chunks_already_sent() -> None:
    kin = FakeKinesis()
    sent: list[int] = []
    report = publish_stream(
        KinesisPublisher("s", kin), [_sale(i + 1, 1) for i in range(10)], chunk_size=2,
        should_stop=lambda: len(kin.calls) >= 2, on_chunk=lambda _r, n: sent.append(n),
    )  # fmt: skip
    assert len(report.accepted) == sent[-1] == len(kin.all_data())
    assert len(report.accepted) < 10


def test_chunks_in_flight_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunks_in_flight"):
        publish_stream(KinesisPublisher("s", FakeKinesis()), [], chunks_in_flight=0)


def test_an_unexpected_error_in_a_put_is_raised_not_swallowed() -> None:
    kin = FakeKinesis()
    kin.raise_on_call[1] = RuntimeError("a bug in a request")
    with pytest.raises(RuntimeError, match="a bug"):
        KinesisPublisher("s", kin, lanes=1).publish([_sale(i + 1, 1) for i in range(1_600)])
    paced = FakeKinesis()
    paced.raise_on_call[2] = RuntimeError("a bug in a request")
    events = [_sale(i + 1, 1) for i in range(40)]
    with pytest.raises(RuntimeError, match="a bug"):
        publish_stream(KinesisPublisher("s", paced, lanes=1), events, chunk_size=5)
