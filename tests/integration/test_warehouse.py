"""The local Redshift Data API endpoint and the bulk load: core -> lake (S3) -> COPY/MERGE -> queries."""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from concert.aws import client
from consumers.core import ConsumerCore
from consumers.lake import LakeWriter
from consumers.records import StreamRecord
from consumers.warehouse.client import DataApiWarehouse, WarehouseError
from consumers.warehouse.load_sql import load_transactions
from producers.synthetic import Spec, generate
from schemas import to_json
from tests.conftest import Platform

WORKLOAD = generate(Spec(seed=5).scaled(0.02))


@pytest.fixture
def wh(warehouse: Platform) -> DataApiWarehouse:
    return DataApiWarehouse(client("redshift-data"))


def _load(
    wh: DataApiWarehouse,
    core: ConsumerCore,
    lake: LakeWriter,
    events: list[Any],
    batch_id: str,
    bucket: str,
    start: int = 0,
) -> dict[str, int]:
    recs = [
        StreamRecord(to_json(e), e.partition_key(), str(start + i), "shardId-000000000000", "concert-events")
        for i, e in enumerate(events)
    ]
    out = core.process(recs, batch_id, known_ids=wh.known_event_ids)
    raw = [(r, None, "TicketSold") for r in recs]
    written = lake.write(batch_id, raw, out.tables)
    if written.manifests:
        for sqls in load_transactions(
            written.manifests, bucket=bucket, iam_role=wh.settings.iam_role, tag=batch_id
        ):
            wh.batch(sqls)
    return {t: len(rows) for t, rows in out.tables.items()}


def _count(wh: DataApiWarehouse, sql: str) -> Any:
    return next(iter(wh.query(sql)[0].values()))


def test_batches_load_exactly_once_with_consistent_aggregates(
    wh: DataApiWarehouse, warehouse: Platform
) -> None:
    bucket = warehouse.outputs["LakeBucketName"]
    lake = LakeWriter(client("s3"), bucket)
    core = ConsumerCore()
    events = WORKLOAD.events
    thirds = [
        events[: len(events) // 3],
        events[len(events) // 3 : 2 * len(events) // 3],
        events[2 * len(events) // 3 :],
    ]
    for i, part in enumerate(thirds):
        _load(wh, core, lake, part, f"it-batch-{i}", bucket, start=i * 100_000)
    kinds = Counter(e.event_type for e in events)
    assert _count(wh, "SELECT COUNT(*) FROM fact_ticket_sales") == kinds["TicketSold"]
    assert _count(wh, "SELECT COUNT(*) FROM fact_refunds") == kinds["TicketRefunded"]
    assert _count(wh, "SELECT COUNT(*) FROM dim_concert") == kinds["ConcertScheduled"]
    assert _count(wh, "SELECT COUNT(*) FROM event_log") == len(events)

    # The same batch again (a re-delivery after a crash): nothing changes.
    again = ConsumerCore()
    _load(wh, again, lake, thirds[0], "it-batch-0-redelivered", bucket)
    assert _count(wh, "SELECT COUNT(*) FROM event_log") == len(events)

    sold = sum(e.data.quantity for e in events if e.event_type == "TicketSold")
    revenue = sum(e.data.total.amount for e in events if e.event_type == "TicketSold")
    assert _count(wh, "SELECT SUM(tickets) FROM agg_daily_sales") == sold
    assert _count(wh, "SELECT SUM(revenue) FROM agg_daily_sales") == revenue
    mismatched = wh.query(
        "SELECT a.concert_id FROM agg_daily_sales a JOIN (SELECT concert_id, date_key, SUM(quantity) q "
        "FROM fact_ticket_sales GROUP BY 1, 2) f ON f.concert_id = a.concert_id AND f.date_key = a.date_key "
        "WHERE f.q <> a.tickets"
    )
    assert mismatched == []
    cancelled = {e.data.concert_id for e in events if e.event_type == "ConcertCancelled"}
    statuses = {r["concert_id"]: r["status"] for r in wh.query("SELECT concert_id, status FROM dim_concert")}
    assert {c for c, s in statuses.items() if s == "cancelled"} == cancelled


def test_a_stale_dimension_version_never_overwrites_a_newer_one(
    wh: DataApiWarehouse, warehouse: Platform
) -> None:
    from datetime import timedelta

    from schemas import VenueUpserted, new_event

    bucket = warehouse.outputs["LakeBucketName"]
    lake = LakeWriter(client("s3"), bucket)
    newer = new_event(
        VenueUpserted(venue_id=999_001, name="New Name", city="Austin", state="TX", capacity=500), source="it"
    )
    older = new_event(
        VenueUpserted(venue_id=999_001, name="Old Name", city="Austin", state="TX", capacity=400),
        source="it",
        occurred_at=newer.occurred_at - timedelta(days=1),
    )
    _load(wh, ConsumerCore(), lake, [newer], "it-venue-new", bucket)
    _load(wh, ConsumerCore(), lake, [older], "it-venue-old", bucket)
    assert wh.query("SELECT name, capacity FROM dim_venue WHERE venue_id = 999001") == [
        {"name": "New Name", "capacity": 500}
    ]


def test_typed_results_paging_and_parameters(wh: DataApiWarehouse) -> None:
    rows = wh.query(
        "SELECT i, i * 1.5::float8 AS f, CAST(i AS DECIMAL(10, 2)) AS d, i % 2 = 0 AS even, "
        "CASE WHEN i = 3 THEN NULL ELSE 'x' END AS s, DATEADD(day, i, '2026-01-01'::timestamptz) AS t "
        "FROM generate_series(1, 2500) AS g(i) WHERE i >= :low",
        {"low": 1},
    )
    assert len(rows) == 2500, "three result pages of 1000 rows are followed"
    third = rows[2]
    assert third["i"] == 3 and third["f"] == 4.5 and third["d"] == Decimal("3.00")
    assert third["even"] is False and third["s"] is None and third["t"].year == 2026


def test_a_failed_batch_changes_nothing(wh: DataApiWarehouse) -> None:
    before = _count(wh, "SELECT COUNT(*) FROM dim_artist")
    with pytest.raises(WarehouseError, match="FAILED"):
        wh.batch(
            [
                "INSERT INTO dim_artist VALUES (424242, 'X', 'pop', 'pop', 1, NULL, GETDATE(), 'e')",
                "INSERT INTO no_such_table VALUES (1)",
            ]
        )
    assert _count(wh, "SELECT COUNT(*) FROM dim_artist") == before


def test_statements_are_listed_described_and_cancellable(wh: DataApiWarehouse) -> None:
    api = wh.client
    sid = api.execute_statement(
        # Hours of work by construction (10^12 hashed pairs): it cannot end before the cancel.
        Sql="SELECT SUM(hash(a.range + b.range)) FROM range(1000000) a CROSS JOIN range(1000000) b",
        Database="concert",
        WorkgroupName="concert",
        StatementName="it-long",
    )["Id"]
    deadline = time.monotonic() + 30
    while api.describe_statement(Id=sid)["Status"] == "SUBMITTED" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert api.cancel_statement(Id=sid)["Status"] is True
    while (status := api.describe_statement(Id=sid)["Status"]) not in ("ABORTED", "FINISHED", "FAILED"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status == "ABORTED"
    listed = api.list_statements(StatementName="it-long")["Statements"]
    assert [s["Id"] for s in listed] == [sid]
    with pytest.raises(ClientError, match="ResourceNotFound"):
        api.describe_statement(Id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(WarehouseError, match="syntax error"):
        wh.query("SELEC 1")


def test_the_engine_refuses_files_urls_and_config_changes_even_past_the_guard(wh: DataApiWarehouse) -> None:
    """The second lock: statements sent straight to the endpoint, not through the SQL guard."""
    for sql in (
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        "SELECT * FROM read_parquet('http://169.254.169.254/latest/meta-data')",
        "SET enable_external_access = true",
    ):
        with pytest.raises(WarehouseError) as refused:
            wh.query(sql)
        assert "disabled by configuration" in str(refused.value) or "Cannot change" in str(refused.value), sql
    assert wh.query("SELECT 1 AS one") == [{"one": 1}]
