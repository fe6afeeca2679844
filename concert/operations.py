"""What `up`, `query` and `reconcile` do beyond starting things: wait for processing, measure, guard."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from concert.aws import client
from concert.reconcile import Reconciliation, reconcile
from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.guard import OPERATOR, Refused, guard


class NotReadOnly(ValueError):
    """`concert query` only runs one read-only SELECT."""


def check_read_only(sql: str) -> str:
    """The operator's statement through the SQL guard (one read-only SELECT over the warehouse
    tables, allow-listed functions, no cap on rows); NotReadOnly says why not."""
    try:
        return guard(sql, OPERATOR)
    except Refused as exc:
        raise NotReadOnly(str(exc)) from None


def reconcile_now(outputs: dict[str, str]) -> Reconciliation:
    """Reconcile the deployed stack's stream, lake, warehouse and DLQ."""
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
