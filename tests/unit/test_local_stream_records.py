"""The local cloud's compact stream records read exactly as ministack's dicts, through its own
PutRecords, GetRecords and persistence, and take less memory."""

from __future__ import annotations

import base64
import json
import time
import tracemalloc
from typing import Any

import pytest

from cloud.local_kinesis import expire_in_order
from cloud.local_stream_records import (
    RecordList,
    StreamRecord,
    compact,
    compact_shards,
    patch_stream_records,
    plain_state,
)
from producers.synthetic import events_for


def _record(i: int, data: Any = None) -> dict[str, Any]:
    raw = json.dumps({"n": i}).encode()
    return {
        "SequenceNumber": f"{1764917000000 + i:020d}{i:010d}",
        "ApproximateArrivalTimestamp": round(1764917000.0 + i, 3),
        "Data": base64.b64encode(raw).decode("ascii") if data is None else data,
        "PartitionKey": f"concert-{i % 3}",
    }


def test_a_record_reads_as_the_dict_it_replaces() -> None:
    plain = _record(7)
    kept = compact(dict(plain))
    assert isinstance(kept, StreamRecord)
    for name in plain:
        assert kept[name] == plain[name] and kept.get(name) == plain[name] and name in kept
    assert kept.get("EncryptionType", "NONE") == "NONE" and "EncryptionType" not in kept
    assert dict(kept) == plain == kept.as_dict() and {**kept} == plain and kept == plain
    with pytest.raises(KeyError):
        kept["Other"]


@pytest.mark.parametrize(
    "odd",
    [b"raw bytes", "not base64!", "YQ", {"SequenceNumber": "1"}],  # bytes, not base64, unpadded, other shape
)
def test_anything_else_is_kept_as_it_was(odd: Any) -> None:
    record = odd if isinstance(odd, dict) else _record(1, data=odd)
    assert compact(record) is record


def test_a_shard_list_stays_compact_through_appends_slices_and_expiry() -> None:
    stream: dict[str, Any] = {
        "StreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/s",
        "RetentionPeriodHours": 24,
        "shards": {"shardId-0": {"records": [_record(i) for i in range(3)]}},
    }
    compact_shards(stream)
    records = stream["shards"]["shardId-0"]["records"]
    assert type(records) is RecordList and all(isinstance(r, StreamRecord) for r in records)
    records.append(_record(3))
    records.extend([_record(4)])
    assert [r["SequenceNumber"] for r in records] == [_record(i)["SequenceNumber"] for i in range(5)]
    assert type(records[1:3]) is RecordList and records[1:3] == [_record(1), _record(2)]
    now = time.time()
    for r in records[:2]:
        r.at = now - 25 * 3600  # two records past the retention
    for r in records[2:]:
        r.at = now
    expire_in_order(stream)  # ministack's readers module is imported but has no readers of this stream
    kept = stream["shards"]["shardId-0"]["records"]
    assert type(kept) is RecordList and [r["PartitionKey"] for r in kept] == [
        "concert-2",
        "concert-0",
        "concert-1",
    ]


def test_ministack_puts_reads_and_saves_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    from ministack.services import kinesis  # type: ignore[import-untyped]

    for name in ("_expire_records", "get_state"):  # put back after the test
        monkeypatch.setattr(kinesis, name, getattr(kinesis, name))
    monkeypatch.setattr(kinesis, "concert_compact_records", False, raising=False)
    assert patch_stream_records(kinesis) and patch_stream_records(kinesis), "idempotent"
    name = f"compact-{time.time_ns()}"
    kinesis._create_stream({"StreamName": name, "ShardCount": 1})
    stream = kinesis._streams[name]
    stream["StreamStatus"] = "ACTIVE"
    sent = [base64.b64encode(json.dumps({"i": i}).encode()).decode() for i in range(5)]
    reply = kinesis._put_records(
        {"StreamName": name, "Records": [{"Data": d, "PartitionKey": f"k{i}"} for i, d in enumerate(sent)]}
    )
    assert reply[0] == 200, reply
    shard_id, shard = next(iter(stream["shards"].items()))
    assert type(shard["records"]) is RecordList and all(isinstance(r, StreamRecord) for r in shard["records"])
    it = json.loads(
        kinesis._get_shard_iterator(
            {"StreamName": name, "ShardId": shard_id, "ShardIteratorType": "TRIM_HORIZON"}
        )[2]
    )["ShardIterator"]
    got = json.loads(kinesis._get_records({"ShardIterator": it})[2])["Records"]
    assert [r["Data"] for r in got] == sent and [r["PartitionKey"] for r in got] == [
        f"k{i}" for i in range(5)
    ]
    from ministack.core.persistence import _json_default  # type: ignore[import-untyped]

    saved = json.loads(json.dumps(kinesis.get_state(), default=_json_default))["streams"]["data"]
    records = next(s for s in saved.values() if s.get("StreamName") == name)["shards"][shard_id]["records"]
    assert [r["Data"] for r in records] == sent and all(set(r) == set(_record(0)) for r in records)
    kinesis._streams.pop(name, None)


def test_plain_state_turns_records_back_into_dicts() -> None:
    state = {"streams": {"s": {"shards": {"shardId-0": {"records": RecordList([_record(1), _record(2)])}}}}}
    records = plain_state(state)["streams"]["s"]["shards"]["shardId-0"]["records"]
    assert records == [_record(1), _record(2)] and all(type(r) is dict for r in records)


def test_the_platforms_events_take_less_memory() -> None:
    events = list(events_for(2000, seed=5))
    payload = json.dumps(
        [{"Data": base64.b64encode(e.model_dump_json().encode()).decode(), "PartitionKey": e.partition_key()}
         for e in events]
    )  # fmt: skip

    def held(records: list[Any]) -> float:
        tracemalloc.start()
        for i, rec in enumerate(json.loads(payload)):  # as a request's parser allocates them
            records.append({**_record(i), "Data": rec["Data"], "PartitionKey": rec["PartitionKey"]})
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size / len(events)

    assert held(RecordList()) < 0.75 * held([])
