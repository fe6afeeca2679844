"""The KCL consumer: kcl-rs leases shards (DynamoDB), each shard's records go through the pipeline.

Run as `python -m consumers.kcl_worker` (the CLI manages it; on AWS an ECS service). The
processor follows the `amazon_kclpy` interface. Per batch: route and land it (lake files, DLQ,
the landing-ledger entry naming the files, shard state), then checkpoint, never before; the warehouse is
loaded by the ETL workflow's cycles, which the worker never waits for. A lost lease stops
writing for that shard at once; at shard end the shard is checkpointed so its children can
start; SIGTERM shuts down gracefully.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

import pyarrow.parquet as pq
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from kcl_rs import RecordProcessorBase, Scheduler
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cloud.clients import client
from consumers.batch_events import BatchAnnouncer, CycleTrigger
from consumers.catalog import CatalogState
from consumers.core import ConsumerCore
from consumers.dead_letter_queue import DeadLetterQueue
from consumers.etl.landing_ledger import LandingLedger
from consumers.etl.manifest import files_of
from consumers.lake import LakeWriter
from consumers.pipeline import BatchReport, Pipeline, Stopped
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.ports import LoadedBatches
from consumers.warehouse.rehydrate import DIMENSION_TABLES, FACT_TABLES, apply_rows, catalog_from_warehouse

metrics = Metrics(namespace="ConcertDataPlatform", service="kcl-worker")


class WorkerSettings(BaseSettings):
    """What the worker consumes and where it writes (CONCERT_KCL_* variables), validated at start."""

    model_config = SettingsConfigDict(env_prefix="CONCERT_KCL_", extra="ignore")

    stream: str = Field(min_length=1)
    # The lease table and metrics namespace: the environment's (infra/names.py `kcl_application`),
    # set by the CDK app and the CLI; the default is the default environment's (a test holds them
    # equal: the worker's image does not carry infra/).
    application: str = "concert-kcl"
    lake_bucket: str = Field(min_length=3)
    quarantine_bucket: str = Field(min_length=3)
    dlq_url: str = Field(min_length=1)
    initial_position: Literal["LATEST", "TRIM_HORIZON"] = "TRIM_HORIZON"
    max_records: int = Field(default=2_000, ge=1, le=10_000)
    # KCL's own default between reads: 5x fewer GetRecords calls than the 200 ms floor, and
    # batches 5x larger at a low rate (fewer files, and a load cycle is paid per batch read).
    idle_ms: int = Field(default=1_000, ge=200)
    shard_sync_ms: int = Field(default=1_000, ge=100)
    event_bus: str = "default"  # where CuratedBatchLanded goes (the ETL workflow's trigger)
    # A batch's lake files PUT this many at a time (its ledger entry after them): a batch lands in
    # about the time of its slowest few PUTs rather than the sum of ~12.
    puts_at_once: int = Field(default=4, ge=1, le=32)
    trigger_interval_s: float = Field(default=1.0, ge=0, le=60)  # at most one trigger per interval
    # A landed batch still unloaded after this long gets its trigger again (a load cycle failed,
    # for example while the warehouse was away, and nothing has landed since).
    nudge_after_s: float = Field(default=15.0, ge=1, le=3_600)
    # Fault injection for tests: exit right after the N-th landed batch, before its checkpoint.
    crash_after_batches: int = Field(default=0, ge=0)


def batch_metrics(report: Any, behind_ms: int | None, oldest_arrival_ms: int | None = None) -> None:
    """One CloudWatch EMF line per landed batch (Powertools Metrics, namespace
    ConcertDataPlatform, service kcl-worker): consumed, landed for loading (`Loaded`),
    dead-lettered, duplicates, held, the batch's seconds, how far the shard is behind the
    stream's tip, and the age of the batch's oldest record when it landed."""
    for name, value, unit in (
        ("Consumed", report.records, MetricUnit.Count),
        ("Loaded", report.loaded, MetricUnit.Count),
        ("DeadLettered", report.dead, MetricUnit.Count),
        ("DuplicatesSuppressed", report.duplicates, MetricUnit.Count),
        ("Held", report.held, MetricUnit.Count),
        ("BatchSeconds", report.seconds, MetricUnit.Seconds),
        ("MillisBehindLatest", behind_ms or 0, MetricUnit.Milliseconds),
        ("OldestRecordAgeMillis", max(0, time.time() * 1000 - oldest_arrival_ms) if oldest_arrival_ms else 0,
         MetricUnit.Milliseconds),
    ):  # fmt: skip
        metrics.add_metric(name=name, unit=unit, value=value)
    metrics.add_metadata(key="batch_id", value=report.batch_id)
    metrics.flush_metrics()


def log(message: str, **fields: Any) -> None:
    """One structured log line on stdout."""
    print(
        json.dumps({"at": datetime.now(UTC).isoformat(), "message": message, **fields}, default=str),
        flush=True,
    )


if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class Batches(Protocol):
    """What a shard's processor hands its records to (the Pipeline)."""

    def restore_shard(self, shard_id: str, should_stop: Callable[[], bool] = ...) -> int:
        """Give the core back a just-leased shard's held events; how many."""
        ...

    def handle(
        self, shard_id: str, records: list[StreamRecord], should_stop: Callable[[], bool]
    ) -> BatchReport:
        """Route and land one batch; raise Stopped if abandoned."""
        ...


class ShardProcessor(RecordProcessorBase):
    """One shard's processor (amazon_kclpy interface)."""

    committed = 0  # batches landed by this process, across shards

    def __init__(self, pipeline: Batches, stream: str, crash_after: int = 0) -> None:
        self.pipeline = pipeline
        self.stream = stream
        self.crash_after = crash_after
        self.shard_id = ""
        self.lost = threading.Event()

    def initialize(self, initialize_input: Any) -> None:
        """Take the shard and give the core back the events held for it before it moved here."""
        self.shard_id = initialize_input.shard_id
        held = self.pipeline.restore_shard(self.shard_id, self.lost.is_set)
        log("shard initialized", shard=self.shard_id, held=held)

    def process_records(self, process_records_input: Any) -> None:
        """Land the batch, then checkpoint; on a lost lease, write nothing more."""
        records = [
            StreamRecord(
                r.binary_data,
                r.partition_key,
                r.sequence_number,
                self.shard_id,
                self.stream,
                int(r.sub_sequence_number or 0),
                r.timestamp_millis,
            )
            for r in process_records_input.records
        ]
        if not records or self.lost.is_set():
            return
        try:
            report = self.pipeline.handle(self.shard_id, records, self.lost.is_set)
        except Stopped as err:
            log("batch abandoned", shard=self.shard_id, reason=str(err))
            return
        ShardProcessor.committed += 1
        if self.crash_after and ShardProcessor.committed >= self.crash_after:
            log("injected crash after a landed batch, before its checkpoint", batch=report.batch_id)
            os._exit(17)
        process_records_input.checkpointer.checkpoint()
        log(
            "batch committed",
            shard=self.shard_id,
            **report.__dict__,
            behind_ms=process_records_input.millis_behind_latest,
        )
        arrivals = [r.arrival_ms for r in records if r.arrival_ms]
        batch_metrics(report, process_records_input.millis_behind_latest, min(arrivals, default=None))

    def lease_lost(self, lease_lost_input: Any) -> None:
        """Another worker owns the shard now: stop writing for it."""
        self.lost.set()
        log("lease lost", shard=self.shard_id)

    def shard_ended(self, shard_ended_input: Any) -> None:
        """Checkpoint at shard end so the child shards can be processed."""
        shard_ended_input.checkpointer.checkpoint()
        log("shard ended", shard=self.shard_id)

    def shutdown_requested(self, shutdown_requested_input: Any) -> None:
        """Every batch is already landed and checkpointed: checkpoint once more and go."""
        shutdown_requested_input.checkpointer.checkpoint()
        log("shutdown requested", shard=self.shard_id)


def landed_catalog(
    state: CatalogState, ledger: LandingLedger, warehouse: LoadedBatches, s3: S3Client
) -> list[dict[str, Any]]:
    """Add the dimensions (and sales) of batches landed but not loaded yet to a catalog rebuilt
    from the warehouse, so a restarted worker knows every dimension it landed; those batches."""
    pending = ledger.pending()
    finished = warehouse.batch_statuses([str(e["batch_id"]) for e in pending]) if pending else {}
    applied: dict[str, dict[str, Any]] = {}
    for entry in pending:
        if entry["batch_id"] in finished or entry["batch_id"] in applied:
            continue
        applied[str(entry["batch_id"])] = entry
        named = files_of(entry, lambda b, k: s3.get_object(Bucket=b, Key=k)["Body"].read())
        if named.problems:
            raise RuntimeError(f"landed batch {entry['batch_id']}: {named.problems[:3]}")
        for table in (*DIMENSION_TABLES, *FACT_TABLES):
            for file in (f for f in named.entries if f.table == table):
                data = s3.get_object(Bucket=file.bucket, Key=file.key)["Body"].read()
                apply_rows(state, table, pq.read_table(io.BytesIO(data)).to_pylist())
    return list(applied.values())


class Nudger:
    """Asks for a load cycle again while the oldest landed batch waits longer than `after_s`."""

    def __init__(self, ledger: LandingLedger, trigger: CycleTrigger, after_s: float) -> None:
        self.ledger, self.trigger, self.after_s = ledger, trigger, after_s
        self.last = time.monotonic()

    def tick(self) -> None:
        """Look at most once per `after_s`; never raises."""
        if time.monotonic() - self.last < self.after_s:
            return
        self.last = time.monotonic()
        try:
            age = self.ledger.oldest_age_s()
            if age is not None and age >= self.after_s:
                oldest = self.ledger.pending(limit=1)
                if oldest:
                    log("landed batch waiting for its load: load cycle asked for again", age_s=round(age))
                    self.trigger.landed(oldest[0])
        except Exception as err:
            log("could not look at the landing ledger", error=f"{type(err).__name__}: {err}")


def build_pipeline(settings: WorkerSettings) -> tuple[Pipeline, CycleTrigger]:
    """Wire the core and the sinks; the catalog state is rebuilt from the warehouse and the
    batches landed and not loaded yet. A load cycle is asked for if any is pending."""
    s3 = client("s3")
    warehouse = DataApiWarehouse(client("redshift-data"))
    warehouse.create_schema()
    ledger = LandingLedger(s3, settings.lake_bucket)
    state = catalog_from_warehouse(warehouse)
    pending = landed_catalog(state, ledger, warehouse, s3)
    trigger = CycleTrigger(
        BatchAnnouncer(client("events"), settings.event_bus),
        min_interval_s=settings.trigger_interval_s,
        log=lambda m: log(m),
    )
    pipeline = Pipeline(
        ConsumerCore(state),
        LakeWriter(s3, settings.lake_bucket, puts_at_once=settings.puts_at_once),
        DeadLetterQueue(client("sqs"), settings.dlq_url, s3, settings.quarantine_bucket),
        ShardStateStore(s3, settings.lake_bucket, settings.application),
        ledger,
        lake_bucket=settings.lake_bucket,
        trigger=trigger,
        log=lambda m: log(m),
    )
    if pending:
        log("batches landed and not loaded yet: load cycle asked for", batches=len(pending))
        trigger.landed(pending[-1])
    return pipeline, trigger


def main() -> int:
    """Run the worker until SIGTERM or SIGINT."""
    settings = WorkerSettings()  # required fields come from CONCERT_KCL_* variables
    pipeline, trigger = build_pipeline(settings)
    nudger = Nudger(LandingLedger(client("s3"), settings.lake_bucket), trigger, settings.nudge_after_s)
    endpoint = os.environ.get("AWS_ENDPOINT_URL_KINESIS") or os.environ.get("AWS_ENDPOINT_URL")
    scheduler = Scheduler(
        stream_name=settings.stream,
        application_name=settings.application,
        record_processor_factory=lambda: ShardProcessor(
            pipeline, settings.stream, settings.crash_after_batches
        ),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        endpoint_url=endpoint,
        initial_position=settings.initial_position,
        retrieval_mode="POLLING",
        max_records=settings.max_records,
        idle_time_between_reads_millis=settings.idle_ms,
        shard_sync_interval_millis=settings.shard_sync_ms,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler.start()
    log("worker started", stream=settings.stream, application=settings.application)
    while not stop.wait(0.5):
        nudger.tick()
    log("worker stopping")
    started = time.monotonic()
    scheduler.shutdown()
    trigger.flush()  # a landing still waiting for its trigger tick
    log("worker stopped", seconds=round(time.monotonic() - started, 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
