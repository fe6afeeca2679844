"""What `up`, `query` and `reconcile` do beyond starting things: wait for processing, measure, guard."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlglot
from sqlglot import exp

from concert.aws import client
from concert.reconcile import Reconciliation, reconcile
from consumers.warehouse.client import DataApiWarehouse

_READ_ONLY_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)
_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Copy,
    exp.Command,
)


class NotReadOnly(ValueError):
    """`concert query` only runs one read-only SELECT."""


def check_read_only(sql: str) -> str:
    """Accept exactly one SELECT with nothing that writes inside it; return it."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="redshift") if s is not None]
    except sqlglot.errors.ParseError as err:
        raise NotReadOnly(f"cannot parse the query: {str(err).splitlines()[0]}") from None
    if len(statements) != 1:
        raise NotReadOnly(f"expected exactly one statement, found {len(statements)}")
    root = statements[0]
    if not isinstance(root, _READ_ONLY_ROOTS) or any(isinstance(n, _WRITES) for n in root.walk()):
        raise NotReadOnly("only a read-only SELECT is allowed")
    return sql


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
        return {"latency_p50_s": None, "latency_p95_s": None}
    q = statistics.quantiles(waits, n=100) if len(waits) > 1 else [waits[0]] * 99
    return {"latency_p50_s": round(q[49], 3), "latency_p95_s": round(q[94], 3)}
