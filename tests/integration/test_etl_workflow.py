"""The ETL workflow in the local cloud: started by CuratedBatchLanded through EventBridge, it
loads everything in the landing ledger in cycles (checked, gated, loaded and recorded once,
one execution at a time); a batch failing a gate is rejected alone; a failed execution is
redriven."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloud.clients import client
from consumers.batch_events import BatchAnnouncer, CycleTrigger
from consumers.core import ConsumerCore
from consumers.etl.landing_ledger import LandingLedger
from consumers.etl.manifest import files_field
from consumers.lake import LakeWriter
from consumers.pipeline import Pipeline
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from consumers.warehouse.client import DataApiWarehouse
from functions.ops.workflows import executions, history, redrive
from producers.synthetic import Spec, generate
from schemas import to_json
from tests.conftest import Platform, own_platform
from tests.fakes.dead_letters import MemoryDeadLetters

MACHINE = "concert-etl"


def wait_for(cond: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = cond()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not reached within {timeout_s}s"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def etl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """A local cloud and warehouse of its own (the session's are shared with tests that count rows)."""
    with own_platform(tmp_path_factory.mktemp("etl")) as (platform, _endpoint):
        yield platform


def _land(
    platform: Platform, seed: int, tamper: Callable[[dict[str, list[dict[str, Any]]]], None] | None = None
) -> dict[str, Any]:
    """Route a small workload through the core and land it as one curated batch (not announced)."""
    events = generate(Spec(seed=seed).scaled(0.003)).events
    records = [
        StreamRecord(to_json(e), e.partition_key(), str(10**9 + i), "shardId-x", "it")
        for i, e in enumerate(events)
    ]
    out = ConsumerCore().process(records, f"etl-it-{seed}")
    if tamper:
        tamper(out.tables)
    bucket = platform.outputs["LakeBucketName"]
    written = LakeWriter(client("s3"), bucket).write(out.batch_id, out.raw, out.tables)
    partitions = sorted({f.key.rsplit("/", 1)[0] + "/" for f in written.curated})
    batch = {
        "batch_id": out.batch_id,
        "bucket": bucket,
        "files": files_field(written.curated),
        "rows": written.rows(),
        "partitions": partitions,
    }
    return LandingLedger(client("s3"), bucket).record(batch)


def _status(batch_id: str) -> str | None:
    return DataApiWarehouse(client("redshift-data")).batch_status(batch_id)


def _loaded_events(batch_id: str) -> int:
    rows = DataApiWarehouse(client("redshift-data")).query(
        "SELECT COUNT(*) AS n FROM event_log WHERE batch_id = :b", {"b": batch_id}
    )
    return int(rows[0]["n"])


def _finished_since(started: float, n: int = 1) -> list[dict[str, Any]] | None:
    """The executions started after `started` (epoch s) that ended, newest first, once `n` did."""
    sfn = client("stepfunctions")
    runs = [e for e in executions(sfn, MACHINE, limit=1000) if _epoch(e["started"]) >= started - 1]
    if any(e["status"] == "RUNNING" for e in runs):
        return None
    done = sorted(runs, key=lambda e: e["started"], reverse=True)
    return done if len(done) >= n else None


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _entered(arn: str) -> list[str]:
    return [
        str(e.get("state"))
        for e in history(client("stepfunctions"), arn)
        if e["type"].endswith("StateEntered")
    ]


def test_landed_batches_are_loaded_in_one_cycle_once_even_when_announced_twice(etl: Platform) -> None:
    started = time.time()
    batches = [_land(etl, seed=s) for s in (301, 304)]
    announcer = BatchAnnouncer(client("events"))
    for b in batches:
        announcer.announce(**b)  # two triggers: one execution loads, or the second finds nothing
    for b in batches:
        assert wait_for(partial(_status, b["batch_id"]), 120, "the ledger entry") == "loaded"
        assert _loaded_events(b["batch_id"]) == b["rows"]["event_log"] > 0
    runs = wait_for(lambda: _finished_since(started, 2), 120, "both executions")
    assert {e["status"] for e in runs} == {"SUCCEEDED"}
    loaders = [e for e in runs if "LoadCycle" in _entered(e["arn"])]
    assert len(loaders) == 1, "one cycle loaded both batches"
    assert _entered(loaders[0]["arn"])[:5] == ["Cycle", "PlanCycle", "Route", "CheckBatches", "AnyPassed"]
    # Correlation: event -> batch (event_log) -> the execution that loaded it (the ledger).
    for b in batches:
        (row,) = DataApiWarehouse(client("redshift-data")).query(
            "SELECT report FROM etl_batches WHERE batch_id = :b", {"b": b["batch_id"]}
        )
        assert json.loads(row["report"])["execution"] == loaders[0]["arn"]

    again = time.time()
    announcer.announce(**batches[0])  # the same batch announced again
    (rerun,) = wait_for(lambda: _finished_since(again), 120, "the next execution")
    assert rerun["status"] == "SUCCEEDED" and "LoadCycle" not in _entered(rerun["arn"])
    assert LandingLedger(client("s3"), batches[0]["bucket"]).keys() == [], "finished entries removed"
    assert [_loaded_events(b["batch_id"]) for b in batches] == [b["rows"]["event_log"] for b in batches]


def test_a_batch_failing_a_quality_gate_is_rejected_and_the_others_load(etl: Platform) -> None:
    def orphan_sale(tables: dict[str, list[dict[str, Any]]]) -> None:
        tables["fact_ticket_sales"][0]["concert_id"] = 1_999_999_999  # a concert nobody scheduled

    started = time.time()
    bad = _land(etl, seed=302, tamper=orphan_sale)
    good = _land(etl, seed=305)
    BatchAnnouncer(client("events")).announce(**good)
    assert wait_for(lambda: _status(bad["batch_id"]), 120, "the ledger entry") == "rejected"
    assert wait_for(lambda: _status(good["batch_id"]), 120, "the ledger entry") == "loaded"
    assert _loaded_events(bad["batch_id"]) == 0
    report = json.loads(
        client("s3").get_object(Bucket=bad["bucket"], Key=f"quality/{bad['batch_id']}.json")["Body"].read()
    )
    failed = [g for g in report["gates"] if not g["ok"]]
    assert [g["name"] for g in failed] == ["referential_integrity"] and "1999999999" in failed[0]["detail"]
    runs = wait_for(lambda: _finished_since(started), 60, "the execution")
    checks = [
        e
        for r in runs
        for e in history(client("stepfunctions"), r["arn"])
        if e.get("state") == "CheckBatches"
    ]
    assert checks, "the rejection is in the execution history"


def test_a_task_failing_is_retried_and_a_failed_execution_is_redriven(etl: Platform) -> None:
    from cloud.warehouse_endpoint import WarehouseEndpoint

    endpoint = WarehouseEndpoint(etl.cloud.data_dir, etl.warehouse_port)
    started = time.time()
    batch = _land(etl, seed=303)
    endpoint.stop()  # every task that needs the warehouse fails until it is back
    try:
        BatchAnnouncer(client("events")).announce(**batch)
        failed = wait_for(lambda: _finished_since(started), 240, "the failed execution")
    finally:
        endpoint.start(etl.cloud.env())
    assert failed[0]["status"] == "FAILED"
    events = history(client("stepfunctions"), failed[0]["arn"])
    attempts = [e for e in events if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled")]
    assert len(attempts) >= 2, f"the failing task was retried: {[e['type'] for e in events]}"
    assert any(e.get("error") == "LoadCycleFailed" for e in events)

    result = redrive(client("stepfunctions"), failed[0]["arn"])
    assert result["mode"] in ("redrive", "restart")
    assert wait_for(lambda: _status(batch["batch_id"]), 120, "the ledger entry after the redrive") == "loaded"
    assert _loaded_events(batch["batch_id"]) == batch["rows"]["event_log"]
    with pytest.raises(ClientError):
        client("stepfunctions").describe_execution(executionArn=failed[0]["arn"] + "-missing")


def _partition_files(bucket: str, partition: str) -> list[str]:
    s3 = client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=partition)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def _ids(bucket: str, keys: list[str]) -> list[str]:
    import io

    import pyarrow.parquet as pq

    out: list[str] = []
    for key in keys:
        body = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        out += pq.read_table(io.BytesIO(body), columns=["event_id"]).column("event_id").to_pylist()
    return out


def test_compaction_merges_loaded_batch_files_and_keeps_every_event_once(etl: Platform) -> None:
    from functions.ops.workflows import start

    announcer = BatchAnnouncer(client("events"))
    batches = [_land(etl, seed=s) for s in (311, 312, 313)]
    announcer.announce(**batches[-1])
    for batch_id in [b["batch_id"] for b in batches]:
        assert wait_for(partial(_status, batch_id), 120, "the ledger entry") == "loaded"
    bucket = batches[0]["bucket"]
    partition = next(p for p in batches[0]["partitions"] if p.startswith("curated/event_log/"))
    before = _partition_files(bucket, partition)
    ids_before = sorted(_ids(bucket, before))
    detail = {"batch_id": "by-hand", "bucket": bucket, "partitions": [partition], "min_files": 2}
    run = start(client("stepfunctions"), "concert-compaction", {"detail": detail})

    def finished() -> str | None:
        status = client("stepfunctions").describe_execution(executionArn=run["arn"])["status"]
        return None if status == "RUNNING" else str(status)

    assert wait_for(finished, 120, "the compaction") == "SUCCEEDED"
    after = _partition_files(bucket, partition)
    compacted = [k for k in after if "/compacted-" in k]
    assert len(compacted) == 1 and len(after) < len(before)
    assert sorted(_ids(bucket, after)) == ids_before, "every event once, none lost"
    rejected = [k for k in before if "etl-it-302" in k]
    assert set(rejected) <= set(after), "a rejected batch's files stay where its ledger entry said"


def _worker(platform: Platform, application: str) -> Pipeline:
    """A worker as the KCL process builds it: its own core (catalog) over the shared lake."""
    bucket = platform.outputs["LakeBucketName"]
    s3 = client("s3")
    return Pipeline(
        ConsumerCore(),
        LakeWriter(s3, bucket),
        MemoryDeadLetters(expected=False),
        ShardStateStore(s3, bucket, application),
        LandingLedger(s3, bucket),
        lake_bucket=bucket,
        trigger=CycleTrigger(BatchAnnouncer(client("events")), min_interval_s=0),
    )


def _late_venue_workload() -> tuple[list[Any], list[Any]]:
    """A venue (its own partition key) and its artist, concert, sales and a refund (the concert's)."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from schemas import (
        ArtistUpserted,
        ConcertScheduled,
        Money,
        PriceTier,
        TicketRefunded,
        TicketSold,
        VenueUpserted,
        new_event,
    )

    cid = 1_900_000_001
    starts = datetime(2027, 9, 1, 20, tzinfo=UTC)
    tiers = [PriceTier(tier="ga", price=Money(amount=Decimal("55.00")), seats=1_200)]
    venue = new_event(
        VenueUpserted(venue_id=cid, name="Late Hall", city="Tulsa", state="OK", capacity=1_500), source="it"
    )
    others = [
        new_event(
            ArtistUpserted(artist_id=cid, name="Late Band", genres=["jazz"], popularity=61), source="it"
        ),
        new_event(
            ConcertScheduled(
                concert_id=cid,
                artist_id=cid,
                venue_id=cid,
                starts_at=starts,
                on_sale_at=starts - timedelta(days=60),
                price_tiers=tiers,
            ),
            source="it",
        ),
    ]
    for n in range(6):
        sale = new_event(
            TicketSold(
                sale_id=cid - 100 + n, concert_id=cid, customer_id=n + 1, tier="ga", quantity=n % 3 + 1,
                unit_price=Money(amount=Decimal("55.00")),
            ),
            source="it",
        )  # fmt: skip
        others.append(sale.model_copy(update={"occurred_at": starts - timedelta(days=30 - n, hours=n)}))
    others.append(
        new_event(
            TicketRefunded(
                refund_id=cid,
                sale_id=cid - 100,
                concert_id=cid,
                customer_id=1,
                quantity=1,
                amount=Money(amount=Decimal("55.00")),
                reason="duplicate_order",
            ),
            source="it",
        )
    )
    return [venue], others


SALE_FROM_DIMENSIONS = (
    "artist_id", "venue_id", "city", "state", "venue_capacity", "concert_capacity", "genre",
    "artist_popularity", "days_to_show", "running_sold", "sell_through",
)  # fmt: skip


def test_a_venue_landed_by_another_worker_after_its_sales_resolves_them_in_the_warehouse(
    etl: Platform,
) -> None:
    """Two workers, each its own catalog: the concert's worker lands its sales before the venue's
    worker lands the venue. Nothing waits in a worker; the sales wait in the warehouse as pending
    facts and become facts with the venue's columns, exactly as one worker knowing all would."""
    venue, others = _late_venue_workload()
    wh = DataApiWarehouse(client("redshift-data"))
    records = [
        StreamRecord(to_json(e), e.partition_key(), str(10**10 + i), "shardId-b", "it")
        for i, e in enumerate(others)
    ]
    report = _worker(etl, "it-late-b").handle("shardId-b", records, lambda: False)
    assert report.held == 0
    assert wait_for(lambda: _status(report.batch_id), 120, "the concert worker's batch loaded") == "loaded"
    pending = wh.query("SELECT waiting_for FROM fact_ticket_sales_pending WHERE concert_id = 1900000001")
    assert len(pending) == 6 and {p["waiting_for"] for p in pending} == {"venue 1900000001"}
    assert not wh.query("SELECT event_id FROM fact_ticket_sales WHERE concert_id = 1900000001")

    venue_record = [StreamRecord(to_json(venue[0]), venue[0].partition_key(), str(10**10), "shardId-a", "it")]
    late = _worker(etl, "it-late-a").handle("shardId-a", venue_record, lambda: False)
    assert wait_for(lambda: _status(late.batch_id), 120, "the venue worker's batch loaded") == "loaded"
    assert not wh.query("SELECT event_id FROM fact_ticket_sales_pending WHERE concert_id = 1900000001")
    loaded = {
        r["event_id"]: r
        for r in wh.query(
            f"SELECT event_id, {', '.join(SALE_FROM_DIMENSIONS)} FROM fact_ticket_sales "
            "WHERE concert_id = 1900000001"
        )
    }
    one_worker = ConsumerCore().process(
        [
            StreamRecord(to_json(e), e.partition_key(), str(i), "s", "it")
            for i, e in enumerate(venue + others)
        ],
        "all",
    )
    expected = {r["event_id"]: r for r in one_worker.tables["fact_ticket_sales"]}
    assert set(loaded) == set(expected)
    for event_id, row in expected.items():
        got = {k: loaded[event_id][k] for k in SALE_FROM_DIMENSIONS}
        want = {k: row[k] for k in SALE_FROM_DIMENSIONS}
        assert got == want, event_id
    (refund,) = wh.query("SELECT venue_id FROM fact_refunds WHERE concert_id = 1900000001")
    assert refund["venue_id"] == 1_900_000_001
    (agg,) = wh.query(
        "SELECT SUM(tickets) AS t, SUM(refunded_tickets) AS r FROM agg_daily_sales WHERE concert_id = 1900000001"
    )
    assert (agg["t"], agg["r"]) == (sum(r["quantity"] for r in expected.values()), 1)
