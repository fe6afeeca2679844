"""The stream's records and events, counted by reading only what arrived since the last count
(Kinesis has no count API); `concert status` keeps the count beside its data directory.

`concert/stream_stats.py` is the other reader: end to end, for reconciliation.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


def count_stream(
    kinesis: KinesisClient, stream: str, cache: Path, *, timeout_s: float = 120.0
) -> dict[str, Any]:
    """Records and events in `stream`, reading only what arrived since the last count.

    Kinesis has no count API, so counting reads the stream: a full read costs time in
    proportion to the records held (about 14k records/s on the local cloud). The counts, the
    last sequence number read and the iterator after it are kept per shard in `cache` (JSON,
    written atomically), and the next count resumes there: on an idle stream, one empty
    GetRecords per shard (two once the kept iterator is too old). A shard is known by its id
    and starting sequence number, so a re-created stream is counted anew; a position that is
    gone restarts its shard; a count cut short by `timeout_s` (`complete` false) resumes next
    time. Records trimmed by retention after they were counted stay counted.
    """
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    identity = f"{summary['StreamARN']}@{summary['StreamCreationTimestamp']}"
    retention_s = float(summary.get("RetentionPeriodHours", 24)) * 3600
    state = _load_counts(cache)
    if state.get("stream") != identity:
        state = {"stream": identity, "shards": {}}
    shards: dict[str, dict[str, Any]] = state["shards"]
    deadline = time.monotonic() + timeout_s
    complete = True
    kwargs: dict[str, Any] = {"StreamName": stream}
    starts: dict[str, str] = {}
    while True:
        page = kinesis.list_shards(**kwargs)
        starts.update(
            (sh["ShardId"], sh["SequenceNumberRange"]["StartingSequenceNumber"]) for sh in page["Shards"]
        )
        if not page.get("NextToken"):
            break
        kwargs = {"NextToken": page["NextToken"]}
    shard_ids = list(starts)
    for sid in shard_ids:
        if shards.get(sid, {}).get("start") != starts[sid]:  # new, or a shard of a re-created stream
            shards[sid] = {"start": starts[sid], "records": 0, "events": 0, "sequence": None, "closed": False}
        entry = shards[sid]
        if entry["closed"]:
            continue
        if not _read_shard(kinesis, stream, sid, entry, deadline, retention_s):
            complete = False
            break
    _save_counts(cache, state)
    known = [shards[s] for s in shard_ids]
    return {
        "records": sum(e["records"] for e in known),
        "events": sum(e["events"] for e in known),
        "by_shard": {sid: shards[sid]["events"] for sid in shard_ids},
        "complete": complete,
    }


# A shard iterator is valid 5 minutes; one kept from the last count is reused within this age.
ITERATOR_REUSE_S = 240.0


def _read_shard(
    kinesis: KinesisClient, stream: str, sid: str, entry: dict[str, Any], deadline: float, retention_s: float
) -> bool:
    """Count the shard's records after `entry['sequence']` into `entry`; False if out of time.

    The iterator the last count ended with is used while it is valid and no record of the
    shard can have expired since (the local cloud's iterators are positions in the shard's
    list, which expiry shifts): on an idle stream that is a single empty GetRecords.
    """
    from botocore.exceptions import ClientError

    it = _kept_iterator(entry, retention_s)
    if it is not None:
        try:
            resp = kinesis.get_records(ShardIterator=it, Limit=10_000)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in (
                "ExpiredIteratorException",
                "ResourceNotFoundException",
            ):
                raise
            it = None  # expired (or the local cloud restarted): resume after the sequence number
        else:
            _add(entry, resp["Records"])
            it = resp.get("NextShardIterator")
            if not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0:
                entry["iterator"], entry["iterator_at"] = it, time.time()
                return True
    if it is None:
        where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        if entry["sequence"]:
            where = {
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": entry["sequence"],
            }
        try:
            it = kinesis.get_shard_iterator(StreamName=stream, ShardId=sid, **where)["ShardIterator"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "InvalidArgumentException":
                raise
            entry.update(records=0, events=0, sequence=None, first_arrival=None)  # position gone: recount
            it = kinesis.get_shard_iterator(StreamName=stream, ShardId=sid, ShardIteratorType="TRIM_HORIZON")[
                "ShardIterator"
            ]
    while it:
        if time.monotonic() > deadline:
            return False
        resp = kinesis.get_records(ShardIterator=it, Limit=10_000)
        _add(entry, resp["Records"])
        it = resp.get("NextShardIterator")
        if not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0:
            break
    entry["iterator"], entry["iterator_at"] = it, time.time()
    if not it:
        entry["closed"] = True  # a closed shard read to its end never changes again
    return True


def _kept_iterator(entry: dict[str, Any], retention_s: float) -> str | None:
    """The last count's iterator if still usable, else None (then the sequence number is used)."""
    now = time.time()
    fresh = entry.get("iterator") and now - float(entry.get("iterator_at") or 0) < ITERATOR_REUSE_S
    first = entry.get("first_arrival")
    unexpired = first is not None and now - float(first) < retention_s - ITERATOR_REUSE_S - 60
    if not (fresh and unexpired):
        return None
    return str(entry["iterator"])


def _add(entry: dict[str, Any], records: Sequence[Mapping[str, Any]]) -> None:
    """Count `records` (KPL aggregates by user record) into the shard's entry."""
    from aws_kinesis_agg.deaggregator import iter_deaggregate_records

    from consumers.records import KPL_MAGIC

    for r in records:
        entry["records"] += 1
        if r["Data"][:4] == KPL_MAGIC:
            entry["events"] += sum(1 for _ in iter_deaggregate_records([r], data_format="Boto3"))
        else:
            entry["events"] += 1
    if records:
        entry["sequence"], entry["iterator"] = records[-1]["SequenceNumber"], None  # kept one is behind
        if entry.get("first_arrival") is None:
            entry["first_arrival"] = records[0]["ApproximateArrivalTimestamp"].timestamp()


def _load_counts(cache: Path) -> dict[str, Any]:
    try:
        data = json.loads(cache.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_counts(cache: Path, state: dict[str, Any]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(cache)
