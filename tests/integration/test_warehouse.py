"""The local Redshift Data API endpoint and the bulk load: core -> lake (S3) -> COPY/MERGE -> queries."""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cloud.clients import client
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
    if written.curated:
        manifests = lake.write_copy_manifests(written.curated, f"manifests/{batch_id}")
        for sqls in load_transactions(manifests, bucket=bucket, iam_role=wh.settings.iam_role, tag=batch_id):
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
    api = client("redshift-data")  # the whole Data API, not only the calls the warehouse makes
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


def test_a_load_puts_facts_of_an_already_merged_show_artist_and_venue_on_their_entity(
    wh: DataApiWarehouse, warehouse: Platform
) -> None:
    """Facts land on canonical ids: a concert, artist and venue entity resolution has merged are
    loaded as their entity (as a fact, a late fact and a daily aggregate), with no moment on the
    ids as published; the concert each fact's event named is kept for a split."""
    from datetime import UTC, datetime, timedelta

    from schemas import ArtistUpserted, ConcertScheduled, Money, PriceTier, TicketSold, VenueUpserted
    from schemas import new_event as event

    bucket = warehouse.outputs["LakeBucketName"]
    lake = LakeWriter(client("s3"), bucket)
    artist, twin_artist, venue, twin_venue, show, twin_show = (
        998_100,
        998_101,
        998_200,
        998_201,
        998_300,
        998_301,
    )
    wh.batch([
        "INSERT INTO entity_crosswalk VALUES "
        f"('artist', {twin_artist}, 'feed', {artist}, 'merge', {artist}, 97, 'it', GETDATE()), "
        f"('venue', {twin_venue}, 'feed', {venue}, 'merge', {venue}, 97, 'it', GETDATE()), "
        f"('concert', {twin_show}, 'feed', {show}, 'merge', {show}, 90, 'it', GETDATE())"
    ])  # fmt: skip
    now = datetime.now(UTC)
    sale = TicketSold(
        sale_id=998_401,
        concert_id=twin_show,
        customer_id=7,
        tier="floor",
        quantity=2,
        unit_price=Money(amount=50),
    )
    late = sale.model_copy(update={"sale_id": 998_402, "quantity": 3})
    # The late sale arrives before its concert: a pending fact, resolved by the load that brings it.
    _load(wh, ConsumerCore(), lake, [event(late, source="it")], "it-merged-late", bucket)

    def scheduled(concert: int, a: int, v: int) -> ConcertScheduled:
        return ConcertScheduled(
            concert_id=concert, artist_id=a, venue_id=v, starts_at=now + timedelta(days=30),
            on_sale_at=now - timedelta(days=1), price_tiers=[PriceTier(tier="floor", price=Money(amount=50), seats=900)],
        )  # fmt: skip

    catalog = [
        event(ArtistUpserted(artist_id=a, name=f"A{a}", genres=["pop"], popularity=5), source="feed")
        for a in (artist, twin_artist)
    ] + [
        event(VenueUpserted(venue_id=v, name=f"V{v}", city="Austin", state="TX", capacity=900), source="feed")
        for v in (venue, twin_venue)
    ]  # fmt: skip
    catalog += [
        event(scheduled(show, artist, venue), source="it"),
        event(scheduled(twin_show, twin_artist, twin_venue), source="feed"),
    ]
    own = sale.model_copy(update={"sale_id": 998_403, "quantity": 4, "concert_id": show})
    _load(
        wh,
        ConsumerCore(),
        lake,
        [*catalog, event(sale, source="it"), event(own, source="it")],
        "it-merged",
        bucket,
    )
    shows = f"WHERE concert_id IN ({show}, {twin_show})"
    for table in ("fact_ticket_sales", "agg_daily_sales"):
        ids = wh.query(f"SELECT DISTINCT concert_id, artist_id, venue_id FROM {table} {shows}")
        assert ids == [{"concert_id": show, "artist_id": artist, "venue_id": venue}], table
    assert _count(wh, f"SELECT SUM(quantity) FROM fact_ticket_sales {shows}") == 9
    assert _count(wh, f"SELECT SUM(tickets) FROM agg_daily_sales {shows}") == 9
    lineage = wh.query(
        "SELECT f.sale_id, p.concert_id FROM fact_concert_published AS p JOIN fact_ticket_sales AS f "
        f"ON f.event_id = p.event_id WHERE f.concert_id = {show} ORDER BY f.sale_id"
    )
    assert lineage == [
        {"sale_id": 998_401, "concert_id": twin_show},
        {"sale_id": 998_402, "concert_id": twin_show},
    ]
    assert _count(wh, f"SELECT artist_id FROM dim_concert WHERE concert_id = {twin_show}") == twin_artist


def _shifted(event: Any, by: int) -> Any:
    """The event with its concert, artist and venue ids moved by `by` (ids no other test uses)."""
    ids = {
        k: getattr(event.data, k) + by
        for k in ("concert_id", "artist_id", "venue_id")
        if getattr(event.data, k, None) is not None
    }
    return event.model_copy(update={"data": event.data.model_copy(update=ids)})


def test_facts_follow_a_concert_moved_to_another_venue_and_a_venue_corrected(
    wh: DataApiWarehouse, warehouse: Platform
) -> None:
    from schemas import new_event

    bucket = warehouse.outputs["LakeBucketName"]
    lake = LakeWriter(client("s3"), bucket)
    events = [_shifted(e, 900_000) for e in generate(Spec(seed=31).scaled(0.01)).events]
    _load(wh, ConsumerCore(), lake, events, "it-follow-0", bucket, start=500_000)
    sold = Counter(e.data.concert_id for e in events if e.event_type == "TicketSold")
    scheduled = {e.data.concert_id: e for e in events if e.event_type == "ConcertScheduled"}
    moved, kept = [c for c, _ in sold.most_common(2)]
    venues = {e.data.venue_id: e for e in events if e.event_type == "VenueUpserted"}
    target = next(v for v in venues if v != scheduled[moved].data.venue_id)
    corrected = scheduled[kept].data.venue_id
    changes = [
        new_event(scheduled[moved].data.model_copy(update={"venue_id": target}), source="it"),
        new_event(
            venues[corrected].data.model_copy(update={"city": "Springfield", "state": "IL"}), source="it"
        ),
    ]
    _load(wh, ConsumerCore(), lake, changes, "it-follow-1", bucket, start=600_000)
    disagree = (  # ids as entity resolution decided them (an earlier test merges some)
        "SELECT COUNT(*) FROM {t} AS f JOIN dim_concert AS c ON c.concert_id = f.concert_id "
        "JOIN dim_venue AS v ON v.venue_id = c.venue_id "
        "LEFT JOIN entity_crosswalk AS xa ON xa.kind = 'artist' AND xa.entity_id = c.artist_id "
        "LEFT JOIN entity_crosswalk AS xv ON xv.kind = 'venue' AND xv.entity_id = c.venue_id "
        "WHERE f.concert_id IN ({moved}, {kept}) AND (f.venue_id <> COALESCE(xv.canonical_id, c.venue_id) "
        "OR f.artist_id <> COALESCE(xa.canonical_id, c.artist_id){more})"
    )
    more = " OR f.city <> v.city OR f.state <> v.state OR f.venue_capacity <> v.capacity"
    assert _count(wh, disagree.format(t="fact_ticket_sales", moved=moved, kept=kept, more=more)) == 0
    assert _count(wh, disagree.format(t="fact_refunds", moved=moved, kept=kept, more="")) == 0
    assert _count(wh, disagree.format(t="agg_daily_sales", moved=moved, kept=kept, more="")) == 0
    at_target = (
        f"SELECT COUNT(*) FROM fact_ticket_sales AS f LEFT JOIN entity_crosswalk AS x ON x.kind = 'venue' "
        f"AND x.entity_id = {target} WHERE f.concert_id = {moved} AND f.venue_id = COALESCE(x.canonical_id, {target})"
    )
    assert _count(wh, at_target) >= sold[moved]  # with any earlier test's sales of the same id
    in_springfield = (
        f"SELECT COUNT(*) FROM fact_ticket_sales WHERE concert_id = {kept} AND city = 'Springfield'"
    )
    assert _count(wh, in_springfield) >= sold[kept]
