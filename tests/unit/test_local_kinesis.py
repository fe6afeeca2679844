"""The local cloud's Kinesis patches: expiry keeps what ministack keeps and moves no reader past
an unread record; the mapping poller runs shards in parallel, one batch in flight per shard,
and keeps ministack's failure handling."""

from __future__ import annotations

import contextvars
import random
import threading
import time
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cloud import local_kinesis
from cloud.local_kinesis import TRIMMED, ShardPoller, expire_in_order, patch_kinesis

ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/events"


def _stream(ages_s: list[float], retention_h: int = 24) -> dict[str, Any]:
    now = time.time()
    records = [{"ApproximateArrivalTimestamp": round(now - a, 3), "n": i} for i, a in enumerate(ages_s)]
    return {
        "RetentionPeriodHours": retention_h,
        "StreamARN": ARN,
        "shards": {"shardId-0": {"records": records}},
    }


@settings(max_examples=40, deadline=None)
@given(ages=st.lists(st.floats(0, 48 * 3600), max_size=60))
def test_it_keeps_what_ministack_keeps(ages: list[float]) -> None:
    ordered = sorted(ages, reverse=True)  # appended in arrival order: oldest first
    ours, theirs = _stream(ordered), _stream(ordered)
    cutoff = time.time() - 24 * 3600
    for shard in theirs["shards"].values():  # ministack's own rule
        shard["records"] = [r for r in shard["records"] if r["ApproximateArrivalTimestamp"] >= cutoff]
    expire_in_order(ours)
    assert [r["n"] for r in ours["shards"]["shardId-0"]["records"]] == [
        r["n"] for r in theirs["shards"]["shardId-0"]["records"]
    ]


def test_nothing_expired_is_not_copied() -> None:
    stream = _stream([random.uniform(0, 3600) for _ in range(100)])
    before = stream["shards"]["shardId-0"]["records"]
    expire_in_order(stream)
    assert stream["shards"]["shardId-0"]["records"] is before


def test_expiry_moves_iterators_and_mapping_positions_back_to_the_same_record() -> None:
    from ministack.services import kinesis, lambda_svc  # type: ignore[import-untyped]

    ages = [30.5 * 3600 - i * 3600 for i in range(10)]  # 30.5 h .. 21.5 h old: the first 7 expire
    stream = _stream(ages)
    records = stream["shards"]["shardId-0"]["records"]
    kinesis._shard_iterators._data[("a", "r", "tok")] = {
        "stream_arn": ARN,
        "shard_id": "shardId-0",
        "position": 8,
    }
    lambda_svc._esms._data[("a", "r", "esm-1")] = {"UUID": "esm-1", "EventSourceArn": ARN}
    lambda_svc._kinesis_positions._data[("a", "r", "esm-1")] = {"shardId-0": 9}
    lambda_svc._kinesis_positions._data[("a", "r", "esm-other")] = {"shardId-0": 9}  # another stream's
    try:
        next_for_iterator, next_for_mapping = records[8]["n"], records[9]["n"]
        expire_in_order(stream)
        kept = stream["shards"]["shardId-0"]["records"]
        assert len(kept) == 3 and stream["shards"]["shardId-0"][TRIMMED] == 7
        assert kept[kinesis._shard_iterators._data[("a", "r", "tok")]["position"]]["n"] == next_for_iterator
        assert (
            kept[lambda_svc._kinesis_positions._data[("a", "r", "esm-1")]["shardId-0"]]["n"]
            == next_for_mapping
        )
        assert lambda_svc._kinesis_positions._data[("a", "r", "esm-other")]["shardId-0"] == 9
    finally:
        kinesis._shard_iterators._data.pop(("a", "r", "tok"))
        lambda_svc._esms._data.pop(("a", "r", "esm-1"))
        lambda_svc._kinesis_positions._data.pop(("a", "r", "esm-1"))
        lambda_svc._kinesis_positions._data.pop(("a", "r", "esm-other"))


class FakeMinistack:
    """The pieces of ministack's lambda and kinesis modules the poller uses, over one stream
    of two shards and one mapping; `invoke` decides each invocation's result."""

    def __init__(self, invoke: Any, shards: int = 2, records: int = 5) -> None:
        now = time.time()
        self.stream: dict[str, Any] = {
            "StreamARN": ARN, "StreamStatus": "ACTIVE", "RetentionPeriodHours": 24,
            "shards": {
                f"shardId-{s}": {"records": [
                    {"PartitionKey": "k", "SequenceNumber": f"{s}{i:05d}", "Data": b"{}",
                     "ApproximateArrivalTimestamp": now}
                    for i in range(records)
                ]}
                for s in range(shards)
            },
        }  # fmt: skip
        self.esm: dict[str, Any] = {"UUID": "esm-1", "EventSourceArn": ARN, "FunctionName": "f", "BatchSize": 3,
                    "StartingPosition": "TRIM_HORIZON"}  # fmt: skip
        self.positions: dict[str, dict[str, int]] = {}
        self.backoff: dict[str, float] = {}
        self.wake = threading.Event()
        self.invoke = invoke
        self.lam = SimpleNamespace(
            _iter_all_esms=lambda: [("000000000000", "us-east-1", self.esm)],
            _request_account_id=contextvars.ContextVar("a"),
            _request_region=contextvars.ContextVar("r"),
            parse_arn=lambda arn: SimpleNamespace(
                service="kinesis", region="us-east-1", account_id="000000000000"
            ),
            ArnParseError=ValueError,
            get_region=lambda: "us-east-1",
            get_account_id=lambda: "000000000000",
            _kinesis_stream_name_from_arn_spec=lambda spec: "events",
            _get_func_record_for_qualifier=lambda name, q: ({"config": {"FunctionName": name}}, {}),
            _cross_account_read_blocked=lambda *a: False,
            _esm_backoff_until=self.backoff,
            _ESM_BACKOFF_SECONDS=60.0,
            _kinesis_positions=self.positions,
            _apply_filter_criteria=lambda records, esm: records,
            _execute_function=lambda func, event: self.invoke(event),
            _esm_wake=self.wake,
            logger=SimpleNamespace(warning=lambda *a: None, info=lambda *a: None, exception=lambda *a: None),
        )
        self.kin = SimpleNamespace(_streams=SimpleNamespace(get_scoped=lambda a, r, name: self.stream))


def _wait(condition: Any, bound_s: float = 10) -> None:
    deadline = time.monotonic() + bound_s
    while not condition():
        assert time.monotonic() < deadline, "not within the bound"
        time.sleep(0.005)


def test_shards_run_in_parallel_with_one_batch_in_flight_each() -> None:
    started: list[str] = []
    release = threading.Event()

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        started.append(event["Records"][0]["eventID"].split(":")[0])
        release.wait(10)  # held until both shards are in flight: a serial poller never gets there
        return {"body": None}

    fake = FakeMinistack(invoke)
    poller = ShardPoller(fake.lam, fake.kin)
    poller.poll()
    _wait(lambda: len(started) == 2)
    for _ in range(5):
        poller.poll()  # both shards busy: nothing more starts
    assert sorted(started) == ["shardId-0", "shardId-1"]
    release.set()
    _wait(lambda: fake.positions["esm-1"] == {"shardId-0": 3, "shardId-1": 3})
    _wait(lambda: poller.poll() or fake.positions["esm-1"] == {"shardId-0": 5, "shardId-1": 5})
    _wait(lambda: fake.positions["esm-1"] == {"shardId-0": 5, "shardId-1": 5})
    assert len(started) == 4 and fake.wake.is_set()


def test_a_failed_batch_keeps_its_position_and_backs_the_mapping_off() -> None:
    calls: list[int] = []

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        calls.append(len(event["Records"]))
        return {"error": True, "body": {"errorType": "Boom", "errorMessage": "no"}}

    fake = FakeMinistack(invoke, shards=1)
    poller = ShardPoller(fake.lam, fake.kin)
    poller.poll()
    _wait(lambda: bool(fake.backoff))
    assert fake.positions["esm-1"] == {"shardId-0": 0} and fake.esm["LastProcessingResult"] == "FAILED"
    assert not poller.poll() and calls == [3]  # backing off: nothing new starts


def test_records_expiring_while_a_batch_runs_do_not_move_it() -> None:
    release = threading.Event()

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        release.wait(10)
        return {"body": None}

    fake = FakeMinistack(invoke, shards=1, records=6)
    poller = ShardPoller(fake.lam, fake.kin)
    poller.poll()  # records 0-2 in flight
    shard = fake.stream["shards"]["shardId-0"]
    _wait(lambda: ("esm-1", "shardId-0") in poller._busy)
    with local_kinesis._LOCK:  # two records expire meanwhile (as expire_in_order drops them)
        shard["records"], shard[TRIMMED] = shard["records"][2:], 2
    release.set()
    _wait(lambda: ("esm-1", "shardId-0") not in poller._busy)
    assert shard["records"][fake.positions["esm-1"]["shardId-0"]]["SequenceNumber"] == "000003"


def test_the_patch_finds_what_it_replaces() -> None:
    from ministack.services import kinesis, lambda_svc

    expiry, poll = kinesis._expire_records, lambda_svc._poll_kinesis
    try:
        assert patch_kinesis() == ["expiry", "shard poller"]
        assert kinesis._expire_records is expire_in_order
        assert getattr(lambda_svc._poll_kinesis, "__self__", None).__class__ is ShardPoller
    finally:
        kinesis._expire_records, lambda_svc._poll_kinesis = expiry, poll
