"""What `up`, `query`, `reconcile` and `status` do beyond starting things: wait for processing,
measure, guard, count the stream incrementally."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from concert.aws import client

if TYPE_CHECKING:  # imported where used: `concert status` needs none of them (pyarrow, sqlglot)
    from concert.reconcile import Reconciliation
    from consumers.warehouse.client import DataApiWarehouse


class NotReadOnly(ValueError):
    """`concert query` only runs one read-only SELECT."""


def check_read_only(sql: str) -> str:
    """The operator's statement through the SQL guard (one read-only SELECT over the warehouse
    tables, allow-listed functions, no cap on rows); NotReadOnly says why not."""
    from consumers.warehouse.guard import OPERATOR, Refused, guard

    try:
        return guard(sql, OPERATOR)
    except Refused as exc:
        raise NotReadOnly(str(exc)) from None


def reconcile_now(outputs: dict[str, str]) -> Reconciliation:
    """Reconcile the deployed stack's stream, lake, warehouse and DLQ."""
    from concert.reconcile import reconcile
    from consumers.warehouse.client import DataApiWarehouse

    return reconcile(
        kinesis=client("kinesis"),
        s3=client("s3"),
        sqs=client("sqs"),
        warehouse=DataApiWarehouse(client("redshift-data")),
        stream=outputs["EventsStreamName"],
        lake_bucket=outputs["LakeBucketName"],
        dlq_url=outputs["DlqUrl"],
    )


def wait_processed(
    outputs: dict[str, str], *, timeout_s: float, progress: Callable[[Reconciliation], None]
) -> Reconciliation:
    """Poll reconciliation until every produced event is placed (or the timeout: then the last one)."""
    deadline = time.monotonic() + timeout_s
    while True:
        r = reconcile_now(outputs)
        progress(r)
        placed = r.warehouse_events + r.held + r.gave_up + r.quality_rejected >= r.produced_events
        if (r.ok and placed) or time.monotonic() > deadline:
            return r
        time.sleep(2)


def latency(warehouse: DataApiWarehouse, since: datetime | None = None) -> dict[str, Any]:
    """Produced (arrival in the stream) to queryable (loaded) latency in seconds, of events since then."""
    sql = "SELECT arrived_at, loaded_at FROM event_log WHERE arrived_at IS NOT NULL AND loaded_at IS NOT NULL"
    if since is not None:
        sql += f" AND arrived_at >= '{since.astimezone(UTC).isoformat()}'"
    rows = warehouse.query(sql)
    waits = sorted((r["loaded_at"] - r["arrived_at"]).total_seconds() for r in rows)
    if not waits:
        return {"latency_p50_s": None, "latency_p95_s": None, "latency_p99_s": None}
    q = statistics.quantiles(waits, n=100) if len(waits) > 1 else [waits[0]] * 99
    return {
        "latency_p50_s": round(q[49], 3),
        "latency_p95_s": round(q[94], 3),
        "latency_p99_s": round(q[98], 3),
    }


# -- stream counts, kept incrementally ----------------------------------------------------------


def count_stream(kinesis: Any, stream: str, cache: Path, *, timeout_s: float = 120.0) -> dict[str, Any]:
    """Records and events in `stream`, reading only what arrived since the last count.

    Kinesis has no count API, so counting reads the stream; a full read costs time in
    proportion to the records held (about 30k records/s on the local cloud). The count and,
    per shard, the last sequence number read are kept in `cache` (JSON, written atomically);
    the next count resumes after that sequence number, so on an idle stream it costs one
    GetShardIterator and one empty GetRecords per shard. A deleted and re-created stream, a
    shard whose position is gone and a count cut short by `timeout_s` (`complete` false)
    are handled: the first two start over, the last resumes next time. Records trimmed by
    retention after they were counted stay counted.
    """
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    identity = f"{summary['StreamARN']}@{summary['StreamCreationTimestamp']}"
    state = _load_counts(cache)
    if state.get("stream") != identity:
        state = {"stream": identity, "shards": {}}
    shards: dict[str, dict[str, Any]] = state["shards"]
    deadline = time.monotonic() + timeout_s
    complete = True
    kwargs: dict[str, Any] = {"StreamName": stream}
    shard_ids: list[str] = []
    while True:
        page = kinesis.list_shards(**kwargs)
        shard_ids.extend(s["ShardId"] for s in page["Shards"])
        if not page.get("NextToken"):
            break
        kwargs = {"NextToken": page["NextToken"]}
    for sid in shard_ids:
        entry = shards.setdefault(sid, {"records": 0, "events": 0, "sequence": None, "closed": False})
        if entry["closed"]:
            continue
        if not _read_shard(kinesis, stream, sid, entry, deadline):
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


def _read_shard(kinesis: Any, stream: str, sid: str, entry: dict[str, Any], deadline: float) -> bool:
    """Count the shard's records after `entry['sequence']` into `entry`; False if out of time."""
    from aws_kinesis_agg.deaggregator import iter_deaggregate_records
    from botocore.exceptions import ClientError

    from consumers.records import KPL_MAGIC

    where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
    if entry["sequence"]:
        where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": entry["sequence"]}
    try:
        it = kinesis.get_shard_iterator(StreamName=stream, ShardId=sid, **where)["ShardIterator"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "InvalidArgumentException":
            raise
        entry.update(records=0, events=0, sequence=None)  # the position is gone: count again
        it = kinesis.get_shard_iterator(StreamName=stream, ShardId=sid, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
    while it:
        if time.monotonic() > deadline:
            return False
        resp = kinesis.get_records(ShardIterator=it, Limit=10_000)
        recs = resp["Records"]
        for r in recs:
            entry["records"] += 1
            if r["Data"][:4] == KPL_MAGIC:
                entry["events"] += sum(1 for _ in iter_deaggregate_records([r], data_format="Boto3"))
            else:
                entry["events"] += 1
        if recs:
            entry["sequence"] = recs[-1]["SequenceNumber"]
        it = resp.get("NextShardIterator")
        if not recs and resp.get("MillisBehindLatest", 0) == 0:
            break
    if not it:
        entry["closed"] = True  # a closed shard read to its end never changes again
    return True


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
