"""What `up`, `query`, `reconcile` and `status` do beyond starting things: wait for processing,
measure, guard, count the stream incrementally."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloud.clients import client

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


Totals = dict[str, int]  # ticket sales: {"orders": ..., "tickets": ...}
SALES_TOTALS = "SELECT COUNT(*) AS orders, COALESCE(SUM(quantity), 0) AS tickets FROM fact_ticket_sales"


@dataclass
class CatchUp:
    """When, after the last event produced, the warehouse's and the live path's sales totals
    reached the figures they settled on (seconds; None if they did not settle in time)."""

    warehouse_s: float | None = None
    live_s: float | None = None
    totals: Totals = field(default_factory=dict)
    settled: bool = False

    def summary(self) -> dict[str, Any]:
        """The JSON form (`up --json`)."""
        return {
            "warehouse_s": self.warehouse_s,
            "live_s": self.live_s,
            "totals": self.totals,
            "settled": self.settled,
        }


def catch_up(
    live: Callable[[], Totals],
    warehouse: Callable[[], Totals],
    *,
    since: float,
    quiet_s: float = 10.0,
    timeout_s: float = 900.0,
    every_s: float = 0.5,
    clock: Callable[[], float] = time.time,
    stop: threading.Event | None = None,
    complete: threading.Event | None = None,
) -> CatchUp:
    """Poll both totals until they are equal and neither changed for `quiet_s` (or at once once
    `complete` is set: every event is known to be placed): each one's time is when it first took
    that final value, from `since` (the last event produced, epoch s). Cheap enough to run
    beside the platform (one live item and one aggregate query a poll); `stop` or the timeout
    end it unsettled."""
    pause = stop or threading.Event()
    seen: dict[str, tuple[float, Totals]] = {}  # per side: (when it last changed, its totals)
    while True:
        now = clock()
        for side, read in (("live", live), ("warehouse", warehouse)):
            totals = read()
            if side not in seen or seen[side][1] != totals:
                seen[side] = (now, totals)
        (live_at, live_totals), (wh_at, wh_totals) = seen["live"], seen["warehouse"]
        quiet = (complete is not None and complete.is_set()) or now - max(live_at, wh_at) >= quiet_s
        if live_totals == wh_totals and quiet:
            return CatchUp(
                warehouse_s=round(max(0.0, wh_at - since), 1),
                live_s=round(max(0.0, live_at - since), 1),
                totals=wh_totals,
                settled=True,
            )
        if now - since > timeout_s or pause.wait(every_s):
            return CatchUp(totals=wh_totals)


def live_total(dynamodb: Any, table: str) -> dict[str, int]:
    """The live aggregates' `ALL/TOTAL` item: its numeric attributes (counters and the newest
    counted event's arrival, `newest_arrival_ms`), read consistently."""
    item = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}}, ConsistentRead=True
    ).get("Item", {})
    return {k: int(v["N"]) for k, v in item.items() if "N" in v}


def sales_totals(row: dict[str, Any]) -> Totals:
    """Orders and tickets of a totals row or item, as integers (absent: 0)."""
    return {k: int(row.get(k) or 0) for k in ("orders", "tickets")}


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
    kinesis: Any, stream: str, sid: str, entry: dict[str, Any], deadline: float, retention_s: float
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


def _add(entry: dict[str, Any], records: list[dict[str, Any]]) -> None:
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
