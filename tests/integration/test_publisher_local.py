"""The publisher against the real local cloud: exactly-once delivery of accepted events, with faults."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from cloud.clients import client
from concert.stream_stats import read_stream
from producers.publisher import KinesisPublisher
from producers.synthetic import events_for
from schemas import parse_event, to_json
from tests.conftest import Platform


def _fresh_stream(shards: int = 2) -> str:
    name = f"it-{uuid.uuid4().hex[:8]}"
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    return name


def _ids_in(stream: str) -> Counter[str]:
    count = read_stream(client("kinesis"), stream, keep_payloads=True)
    assert count.complete
    return Counter(str(parse_event(p).event_id) for p in count.payloads)


@pytest.mark.parametrize("aggregate", [False, True], ids=["plain", "kpl-aggregated"])
def test_accepted_events_land_exactly_once(aws_env: Platform, aggregate: bool) -> None:
    stream = _fresh_stream()
    events = list(events_for(3_000, seed=11))
    report = KinesisPublisher(stream, client("kinesis"), aggregate=aggregate).publish(events)
    assert report.ok and len(report.accepted) == 3_000
    ids = _ids_in(stream)
    assert ids == Counter(str(e.event_id) for e in events)
    assert {a.event_id for a in report.accepted} == set(ids)


class FaultyKinesis:
    """Wraps the real client: flaky events fail their first `failures` attempts, doomed ones every
    attempt; a failed entry gets an ErrorCode and is NOT sent. Per event, so lanes cannot race it."""

    def __init__(self, real: Any, fail_ids: set[str], always_fail: set[str], failures: int) -> None:
        self.real, self.fail_ids, self.always_fail, self.failures = real, fail_ids, always_fail, failures
        self.attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def put_records(self, StreamName: str, Records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        verdict = []
        with self._lock:
            for r in Records:
                eid = str(parse_event(r["Data"]).event_id)
                self.attempts[eid] += 1
                fail = eid in self.always_fail or (
                    eid in self.fail_ids and self.attempts[eid] <= self.failures
                )
                verdict.append(fail)
        sent = [r for r, fail in zip(Records, verdict, strict=True) if not fail]
        real = self.real.put_records(StreamName=StreamName, Records=sent)["Records"] if sent else []
        it = iter(real)
        out = [
            {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded for shard"}
            if fail
            else next(it)
            for fail in verdict
        ]
        return {"FailedRecordCount": sum(verdict), "Records": out}


def test_partial_failures_retried_exactly_once_and_refusals_reported(aws_env: Platform) -> None:
    stream = _fresh_stream()
    events = list(events_for(2_000, seed=12))
    flaky = {str(e.event_id) for e in events[::9]}
    doomed = {str(e.event_id) for e in events[5:8]}
    faulty = FaultyKinesis(client("kinesis"), flaky, doomed, failures=2)
    invalid: list[Any] = [
        b"{not json",
        to_json(events[0]).replace(b'"source":"synthetic"', b'"source":"BAD"'),
    ]
    publisher = KinesisPublisher(stream, faulty, max_attempts=5, base_delay_s=0.001, lanes=2)

    report = publisher.publish([*events, *invalid])

    assert {r.index for r in report.refused} == {2_000, 2_001}
    assert {f.event_id for f in report.failed} == doomed
    assert all("ProvisionedThroughputExceeded" in f.reason for f in report.failed)
    ids = _ids_in(stream)
    assert all(n == 1 for n in ids.values()), "no event may be in the stream twice"
    assert set(ids) == {str(e.event_id) for e in events} - doomed
    assert {a.event_id for a in report.accepted} == set(ids)
    assert report.retried_entries == 2 * len(flaky) + 4 * len(doomed)
    assert all(faulty.attempts[e] == 3 for e in flaky) and all(faulty.attempts[e] == 5 for e in doomed)
