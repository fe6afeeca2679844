"""Reconcile: every event produced is in exactly one place (warehouse and lake, landed and
waiting for its load cycle, or the DLQ, or held). A ticket event in the warehouse is either a
fact or a pending fact waiting for its dimension, never both.

Reads the sources of truth directly: the stream end to end (what was produced), the lake's
curated event log files, the landing ledger, the warehouse's event log, the DLQ and the
shards' held events.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from concert.stream_stats import read_stream
from consumers.etl.landing_ledger import LandingLedger
from consumers.warehouse.client import DataApiWarehouse
from schemas import InvalidEvent, parse_event

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


@dataclass
class Reconciliation:
    """Counts per place and the differences between them."""

    produced_records: int = 0
    produced_events: int = 0
    duplicates_in_stream: int = 0
    invalid_in_stream: int = 0
    lake_records: int = 0
    warehouse_events: int = 0
    warehouse_ticket_sales: int = 0
    dlq_records: int = 0
    dlq_depth: int = 0
    gave_up: int = 0  # valid events dead-lettered after waiting too long for their catalog entry
    held: int = 0
    quality_rejected: int = 0  # in the lake, kept out of the warehouse by an ETL quality gate
    pending_load: int = 0  # landed (lake and landing ledger), waiting for the next load cycle
    waiting_for_dimension: int = 0  # in the warehouse as a pending fact until its dimension is loaded
    fact_and_pending: list[str] = field(default_factory=list)  # in both: would count twice
    missing_from_warehouse: list[str] = field(default_factory=list)
    missing_from_lake: list[str] = field(default_factory=list)
    unexpected_in_warehouse: list[str] = field(default_factory=list)
    stream_complete: bool = True

    @property
    def ok(self) -> bool:
        """Nothing lost, nothing counted twice."""
        return (
            self.stream_complete
            and not self.missing_from_warehouse
            and not self.missing_from_lake
            and not self.unexpected_in_warehouse
            and not self.fact_and_pending
            # The DLQ holds the invalid records and the valid events that gave up waiting for
            # their catalog entry (with that reason): each in exactly one place.
            and self.dlq_records == self.invalid_in_stream + self.gave_up
            and self.lake_records == self.warehouse_events + self.quality_rejected + self.pending_load
        )

    def summary(self) -> dict[str, Any]:
        """The report, lists cut to their first 20."""
        d = asdict(self)
        for k in (
            "missing_from_warehouse",
            "missing_from_lake",
            "unexpected_in_warehouse",
            "fact_and_pending",
        ):
            d[f"{k}_count"] = len(d[k])
            d[k] = d[k][:20]
        d["ok"] = self.ok
        return d


def stream_ids(kinesis: KinesisClient, stream: str) -> tuple[Counter[str], int, int, bool]:
    """Valid event ids with their counts in the stream, invalid records, user records, complete?"""
    count = read_stream(kinesis, stream, timeout_s=300, keep_payloads=True)
    ids: Counter[str] = Counter()
    invalid = 0
    for data in count.payloads:
        try:
            ids[str(parse_event(data).event_id)] += 1
        except InvalidEvent:
            invalid += 1
    return ids, invalid, count.events, count.complete


def _event_log_ids(s3: S3Client, bucket: str, keys: list[str]) -> set[str]:
    ids: set[str] = set()
    for key in sorted(set(keys)):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        ids.update(pq.read_table(io.BytesIO(body), columns=["event_id"]).column("event_id").to_pylist())
    return ids


def lake_event_ids(s3: S3Client, bucket: str, only_batches: set[str] | None = None) -> set[str]:
    """Event ids in the curated event log: every file (batch or compacted), or those of some batches.

    A batch's own files are named `<batch id>-<digest of its rows>.parquet`; compaction only ever
    merges files of loaded batches, so the files of a rejected batch are still under its name.
    """
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="curated/event_log/"):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if not key.endswith(".parquet"):
                continue
            if only_batches is None or _batch_of(key) in only_batches:
                keys.append(key)
    return _event_log_ids(s3, bucket, keys)


def _batch_of(key: str) -> str:
    """The batch id in a batch file's name (`<batch>-<12-hex digest>.parquet`)."""
    stem = key.rsplit("/", 1)[-1].removesuffix(".parquet")
    batch, _, digest = stem.rpartition("-")
    return batch if len(digest) == 12 and all(c in "0123456789abcdef" for c in digest) else stem


def dead_letters(s3: S3Client, bucket: str) -> list[dict[str, Any]]:
    """Every archived dead letter (without its raw bytes)."""
    out: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="dead/"):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            table = pq.read_table(
                io.BytesIO(body),
                columns=["reason", "shard_id", "sequence_number", "sub_sequence_number", "event_id"],
            )
            out.extend(table.to_pylist())
    return out


def held_count(s3: S3Client, bucket: str) -> tuple[int, set[str]]:
    """Events held by the shards for a missing catalog entry, and their ids."""
    ids: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="state/"):
        for obj in page.get("Contents", []):
            doc = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
            for h in doc.get("held", []):
                ids.add(str(parse_event(base64.b64decode(h["data"])).event_id))
    return len(ids), ids


def reconcile(
    *,
    kinesis: KinesisClient,
    s3: S3Client,
    sqs: SQSClient,
    warehouse: DataApiWarehouse,
    stream: str,
    lake_bucket: str,
    dlq_url: str,
) -> Reconciliation:
    """Compare every place an event can end in."""
    r = Reconciliation()
    ids, r.invalid_in_stream, r.produced_records, r.stream_complete = stream_ids(kinesis, stream)
    r.produced_events = len(ids)
    r.duplicates_in_stream = sum(ids.values()) - len(ids)
    lake = lake_event_ids(s3, lake_bucket)
    r.lake_records = len(lake)
    wh_ids = {row["event_id"] for row in warehouse.query("SELECT event_id FROM event_log")}
    r.warehouse_events = len(wh_ids)
    r.warehouse_ticket_sales = int(warehouse.query("SELECT COUNT(*) AS n FROM fact_ticket_sales")[0]["n"])
    waiting = warehouse.query(
        "SELECT p.event_id, f.event_id AS fact FROM fact_ticket_sales_pending AS p "
        "LEFT JOIN fact_ticket_sales AS f ON f.event_id = p.event_id UNION ALL "
        "SELECT p.event_id, f.event_id AS fact FROM fact_refunds_pending AS p "
        "LEFT JOIN fact_refunds AS f ON f.event_id = p.event_id"
    )
    r.waiting_for_dimension = len(waiting)
    r.fact_and_pending = sorted(str(w["event_id"]) for w in waiting if w["fact"] is not None)
    dead = dead_letters(s3, lake_bucket)
    r.dlq_records = len({(d["shard_id"], d["sequence_number"], d["sub_sequence_number"]) for d in dead})
    attrs = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    r.dlq_depth = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
    r.held, held_ids = held_count(s3, lake_bucket)
    rejected_batches = {
        str(row["batch_id"])
        for row in warehouse.query("SELECT batch_id FROM etl_batches WHERE status = 'rejected'")
    }
    rejected = lake_event_ids(s3, lake_bucket, rejected_batches) if rejected_batches else set()
    r.quality_rejected = len(rejected)
    landed = LandingLedger(s3, lake_bucket).pending()
    finished = warehouse.batch_statuses([str(e["batch_id"]) for e in landed]) if landed else {}
    unloaded = {str(e["batch_id"]) for e in landed} - set(finished)
    pending = (lake_event_ids(s3, lake_bucket, unloaded) - wh_ids - rejected) if unloaded else set()
    r.pending_load = len(pending)
    expected = set(ids) - held_ids - rejected - pending
    expected -= {d["event_id"] for d in dead if "waited for" in d.get("reason", "")}
    r.gave_up = len({d["event_id"] for d in dead if "waited for" in d.get("reason", "")})
    r.missing_from_warehouse = sorted(expected - wh_ids)
    r.missing_from_lake = sorted(expected - lake)
    r.unexpected_in_warehouse = sorted(wh_ids - set(ids))
    return r
