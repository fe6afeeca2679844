"""The Kinesis publisher against an in-memory Kinesis with injected failures."""

from __future__ import annotations

import base64
import random
from collections.abc import Mapping
from typing import Any

import pytest
from aws_kinesis_agg.deaggregator import iter_deaggregate_records

from producers.publisher import KinesisPublisher
from schemas import Money, TicketSold, new_event, parse_event, to_json
from tests.fakes.kinesis import FakeKinesis, client_error


def _events(n: int, concerts: int = 20) -> list[Any]:
    return [
        new_event(
            TicketSold(
                sale_id=i + 1,
                concert_id=i % concerts + 1,
                customer_id=1,
                tier="ga",
                quantity=1,
                unit_price=Money(amount="10"),
            ),
            source="synthetic",
        )
        for i in range(n)
    ]


def _publisher(kinesis: FakeKinesis, **kw: Any) -> KinesisPublisher:
    sleeps: list[float] = []
    pub = KinesisPublisher("s", kinesis, sleep=sleeps.append, rng=random.Random(1), **kw)
    pub.sleeps = sleeps  # type: ignore[attr-defined]
    return pub


def _stored_ids(kinesis: FakeKinesis) -> list[str]:
    return [str(parse_event(d).event_id) for d in kinesis.all_data()]


def test_every_event_accepted_once_in_batches_of_500() -> None:
    kin = FakeKinesis()
    report = _publisher(kin, lanes=1).publish(_events(1_234))
    assert report.ok and len(report.accepted) == 1_234
    assert [len(c) for c in kin.calls] == [500, 500, 234]
    assert sorted(_stored_ids(kin)) == sorted(a.event_id for a in report.accepted)


def test_only_failed_entries_are_resent_and_all_end_accepted() -> None:
    evs = _events(300)
    flaky = {str(e.event_id) for e in evs[::7]}

    def fail(entry: Mapping[str, Any], call_no: int) -> str | None:
        eid = str(parse_event(entry["Data"]).event_id)
        return "ProvisionedThroughputExceededException" if eid in flaky and call_no <= 2 else None

    kin = FakeKinesis(fail=fail)
    pub = _publisher(kin, lanes=1)
    report = pub.publish(evs)
    assert report.ok
    assert len(kin.calls) == 3
    resent = {str(parse_event(e["Data"]).event_id) for e in kin.calls[1]}
    assert resent == flaky, "the retry must carry exactly the failed entries"
    assert report.retried_entries == 2 * len(flaky)
    assert sorted(_stored_ids(kin)) == sorted(str(e.event_id) for e in evs)
    assert len(pub.sleeps) == 2 and all(0 <= s <= 2.0 for s in pub.sleeps)  # type: ignore[attr-defined]


def test_entries_failing_every_attempt_are_reported_not_accepted() -> None:
    evs = _events(50)
    doomed = {str(e.event_id) for e in evs[:5]}
    kin = FakeKinesis(
        fail=lambda e, _n: "InternalFailure" if str(parse_event(e["Data"]).event_id) in doomed else None
    )
    report = _publisher(kin, lanes=1, max_attempts=4).publish(evs)
    assert {f.event_id for f in report.failed} == doomed
    assert all("InternalFailure" in f.reason and "after 4 attempts" in f.reason for f in report.failed)
    assert {f.index for f in report.failed} == {0, 1, 2, 3, 4}
    assert doomed.isdisjoint(_stored_ids(kin)) and doomed.isdisjoint(a.event_id for a in report.accepted)
    assert len(report.accepted) == 45 and len(kin.calls) == 4


def test_backoff_grows_and_stays_bounded() -> None:
    pub = KinesisPublisher("s", FakeKinesis(), base_delay_s=0.1, max_delay_s=1.0, rng=random.Random(3))
    caps = [min(1.0, 0.1 * 2 ** (a - 1)) for a in range(1, 10)]
    for attempt, cap in enumerate(caps, start=1):
        assert all(0 <= pub._backoff(attempt) <= cap for _ in range(50))


def test_a_non_retryable_error_fails_the_batch_at_once() -> None:
    kin = FakeKinesis()
    kin.raise_on_call[1] = client_error("ResourceNotFoundException")
    report = _publisher(kin, lanes=1).publish(_events(10))
    assert len(report.failed) == 10 and not report.accepted and len(kin.calls) == 1
    assert "ResourceNotFoundException" in report.failed[0].reason


def test_a_throttled_request_is_retried_whole() -> None:
    kin = FakeKinesis()
    kin.raise_on_call[1] = client_error("ProvisionedThroughputExceededException")
    report = _publisher(kin, lanes=1).publish(_events(10))
    assert report.ok and len(report.accepted) == 10 and len(kin.calls) == 2


def test_invalid_items_are_refused_with_reason_and_never_sent() -> None:
    good = _events(3)
    items: list[Any] = [
        good[0],
        b"{broken",
        {"event_type": "TicketSold"},
        good[1],
        to_json(good[2]),
        to_json(good[2]).replace(b'"quantity":1', b'"quantity":99'),
    ]
    kin = FakeKinesis()
    report = _publisher(kin).publish(items)
    assert [r.index for r in report.refused] == [1, 2, 5]
    assert "quantity" in report.refused[2].reason and report.refused[2].event_id == str(good[2].event_id)
    assert len(report.accepted) == 3 and len(kin.all_data()) == 3


def test_lanes_keep_each_concerts_events_in_order() -> None:
    kin = FakeKinesis(shards=4)
    evs = _events(2_000, concerts=37)
    _publisher(kin, lanes=4).publish(evs)
    sent = [parse_event(d) for d in kin.all_data()]
    by_concert: dict[int, list[int]] = {}
    for shard_records in kin.stored.values():
        for r in shard_records:
            e = parse_event(r["Data"])
            by_concert.setdefault(e.data.concert_id, []).append(e.data.sale_id)  # type: ignore[union-attr]
    assert len(sent) == 2_000
    assert all(ids == sorted(ids) for ids in by_concert.values())


def test_aggregated_records_carry_every_event_to_its_shard() -> None:
    kin = FakeKinesis(shards=3)
    evs = _events(1_000, concerts=50)
    report = _publisher(kin, aggregate=True, aggregate_max_bytes=64 * 1024).publish(evs)
    assert report.ok and len(report.accepted) == 1_000
    n_records = sum(len(v) for v in kin.stored.values())
    assert n_records < 100, "events should be packed several to a record"
    seen = []
    for shard_id, records in kin.stored.items():
        for r in records:
            boto = {
                "Data": r["Data"],
                "PartitionKey": r["PartitionKey"],
                "SequenceNumber": r["SequenceNumber"],
                "ApproximateArrivalTimestamp": 0,
            }
            for user in iter_deaggregate_records([boto], data_format="Boto3"):
                event = parse_event(base64.b64decode(user["kinesis"]["data"]))
                assert kin._shard_for({"PartitionKey": event.partition_key()}) == shard_id
                seen.append(str(event.event_id))
    assert sorted(seen) == sorted(str(e.event_id) for e in evs)
    assert {a.event_id for a in report.accepted} == set(seen)


def test_invalid_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        KinesisPublisher("s", FakeKinesis(), max_attempts=0)
