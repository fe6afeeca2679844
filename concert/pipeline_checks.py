"""What `up`, `query`, `reconcile`, `status` and `follow` check of the running pipeline: that
every produced event is placed (reconcile, wait), that the live path and the warehouse agree
(catch-up, sales totals), the produced-to-queryable latency, and that an operator's query only
reads. The stream's own count is `concert/resumable_stream_count.py`."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloud.clients import client

if TYPE_CHECKING:  # imported where used: `concert status` needs none of them (pyarrow, sqlglot)
    from mypy_boto3_dynamodb import DynamoDBClient

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


def live_total(dynamodb: DynamoDBClient, table: str) -> dict[str, int]:
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
