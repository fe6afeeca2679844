"""The consumer core: validation to dead letters, deduplication, pending facts, holding concert
changes, enrichment, exactly-once routing."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from aws_kinesis_agg.aggregator import RecordAggregator
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.core import ConsumerCore
from consumers.records import StreamRecord
from producers.synthetic import Spec, generate
from schemas import to_json

WORKLOAD = generate(Spec().scaled(0.01))


def _rec(data: bytes, seq: int, pk: str = "k", shard: str = "shardId-000000000000") -> StreamRecord:
    return StreamRecord(data, pk, str(seq), shard, "concert-events")


def _records(events: list[Any], start: int = 0) -> list[StreamRecord]:
    return [_rec(to_json(e), start + i, e.partition_key()) for i, e in enumerate(events)]


def test_a_whole_workload_lands_as_dimensions_facts_and_log() -> None:
    core = ConsumerCore()
    out = core.process(_records(WORKLOAD.events), "b1")
    kinds = Counter(e.event_type for e in WORKLOAD.events)
    assert not out.dead and not core.held and out.duplicates == 0
    assert len(out.tables["event_log"]) == len(WORKLOAD.events)
    assert len(out.tables["fact_ticket_sales"]) == kinds["TicketSold"]
    assert len(out.tables["fact_refunds"]) == kinds["TicketRefunded"]
    assert len(out.tables["dim_artist"]) == kinds["ArtistUpserted"]
    concert_rows = kinds["ConcertScheduled"] + kinds["ConcertUpdated"] + kinds["ConcertCancelled"]
    assert len(out.tables["dim_concert"]) == concert_rows


def test_enrichment_joins_and_derives() -> None:
    core = ConsumerCore()
    out = core.process(_records(WORKLOAD.events), "b1")
    sales = out.tables["fact_ticket_sales"]
    by_concert: dict[int, list[dict[str, Any]]] = {}
    for row in sales:
        by_concert.setdefault(row["concert_id"], []).append(row)
        assert row["revenue"] == row["unit_price"] * row["quantity"]
        assert row["city"] and row["state"] and row["genre"] and row["venue_capacity"] > 0
        assert row["days_to_show"] >= 0 and row["price_band"] in ("budget", "standard", "premium", "luxury")
    cid, rows = max(by_concert.items(), key=lambda kv: len(kv[1]))
    running = [r["running_sold"] for r in rows]
    assert running == sorted(running) and running[-1] == sum(r["quantity"] for r in rows)
    assert rows[-1]["sell_through"] == round(running[-1] / rows[-1]["concert_capacity"], 6)
    truth = WORKLOAD.truth["concerts"][cid]
    assert running[-1] == truth["sold"]


def test_invalid_records_become_dead_letters_with_raw_bytes() -> None:
    good = WORKLOAD.events[0]
    bad = [
        b"{not json",
        b'{"event_type": "TicketTransferred"}',
        to_json(good).replace(b'"schema_version":1', b'"schema_version":9'),
        b"\xff\xfe",
        b"",
    ]
    out = ConsumerCore().process([_rec(b, i) for i, b in enumerate(bad)] + _records([good], 100), "b1")
    assert [d.raw for d in out.dead] == bad
    assert [d.sequence_number for d in out.dead] == ["0", "1", "2", "3", "4"]
    assert out.dead[2].event_id == str(good.event_id) and "schema_version" in out.dead[2].reason
    assert all(d.reason and d.shard_id == "shardId-000000000000" for d in out.dead)
    assert out.event_ids == [str(good.event_id)]


def test_duplicates_in_a_batch_and_already_loaded_are_dropped() -> None:
    events = WORKLOAD.events[:50]
    recs = _records(events) + _records(events[:10], 1000)
    loaded = {str(e.event_id) for e in events[10:15]}
    core = ConsumerCore()
    out = core.process(recs, "b1", known_ids=lambda ids: loaded & set(ids))
    assert out.duplicates == 15
    placed = out.event_ids + list(core.held)
    assert sorted(placed) == sorted(str(e.event_id) for e in events if str(e.event_id) not in loaded)


def test_a_sale_before_its_concert_lands_as_a_pending_fact_and_is_never_held() -> None:
    catalog = [e for e in WORKLOAD.events if e.event_type in ("ArtistUpserted", "VenueUpserted")]
    sale = next(e for e in WORKLOAD.events if e.event_type == "TicketSold")
    concert = next(
        e
        for e in WORKLOAD.events
        if e.event_type == "ConcertScheduled" and e.data.concert_id == sale.data.concert_id
    )
    core = ConsumerCore()
    first = core.process(_records([*catalog, sale]), "b1")
    assert "fact_ticket_sales" not in first.tables and not core.held
    (pending,) = first.tables["fact_ticket_sales_pending"]
    assert (
        pending["event_id"] == str(sale.event_id)
        and pending["waiting_for"] == f"concert {sale.data.concert_id}"
    )
    assert pending["revenue"] == sale.data.total.amount and first.pending == 1
    assert str(sale.event_id) in first.event_ids, "logged once, with the batch that landed it"
    second = core.process(_records([concert], 9000), "b3")
    assert "fact_ticket_sales_pending" not in second.tables and not core.held


def test_a_sale_whose_venue_is_on_another_worker_is_pending_with_what_it_waits_for() -> None:
    venue = next(e for e in WORKLOAD.events if e.event_type == "VenueUpserted")
    concert = next(
        e
        for e in WORKLOAD.events
        if e.event_type == "ConcertScheduled" and e.data.venue_id == venue.data.venue_id
    )
    artist = next(
        e
        for e in WORKLOAD.events
        if e.event_type == "ArtistUpserted" and e.data.artist_id == concert.data.artist_id
    )
    sale = next(
        e
        for e in WORKLOAD.events
        if e.event_type == "TicketSold" and e.data.concert_id == concert.data.concert_id
    )
    out = ConsumerCore().process(_records([artist, concert, sale]), "b1")  # this worker never sees the venue
    assert out.tables["dim_concert"][0]["venue_id"] == venue.data.venue_id
    assert out.tables["fact_ticket_sales_pending"][0]["waiting_for"] == f"venue {venue.data.venue_id}"


def test_a_concert_change_before_its_concert_is_held_and_gives_up_as_a_dead_letter() -> None:
    from schemas import ConcertCancelled, new_event

    change = new_event(ConcertCancelled(concert_id=1_234_567, reason="weather"), source="t")
    core = ConsumerCore(max_hold_batches=3)
    outs = [core.process(_records([change]) if i == 0 else [], f"b{i}") for i in range(4)]
    assert [len(o.dead) for o in outs] == [0, 0, 0, 1]
    assert "waited for concert" in outs[3].dead[0].reason and outs[3].dead[0].event_id == str(change.event_id)
    assert not core.held


def test_kpl_aggregated_records_are_expanded() -> None:
    agg = RecordAggregator()
    events = WORKLOAD.events[:5]
    for e in events:
        agg.add_user_record(e.partition_key(), to_json(e))
    pk, _ehk, data = agg.clear_and_get().get_contents()
    out = ConsumerCore().process([_rec(data, 77, pk)], "b1")
    assert out.user_records == 5 and out.event_ids == [str(e.event_id) for e in events]
    log = out.tables["event_log"]
    assert [r["sub_sequence_number"] for r in log] == [0, 1, 2, 3, 4]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.randoms(use_true_random=False))
def test_any_batching_and_order_puts_every_event_in_exactly_one_place(
    batches: int, rnd: random.Random
) -> None:
    events = WORKLOAD.events[:400]
    recs = _records(events)
    rnd.shuffle(recs)
    dupes = rnd.sample(recs, k=40)
    stream = recs + dupes
    core = ConsumerCore(max_hold_batches=1_000)
    logged: Counter[str] = Counter()
    size = max(1, len(stream) // batches)
    for i in range(0, len(stream), size):
        out = core.process(stream[i : i + size], f"b{i}", known_ids=lambda ids: set(ids) & set(logged))
        logged.update(out.event_ids)
        assert not out.dead
    for j in range(3):
        logged.update(core.process([], f"flush{j}").event_ids)
    assert not core.held
    assert logged == Counter(str(e.event_id) for e in events)


def test_every_logged_event_carries_its_arrival_time_even_after_being_held() -> None:
    from dataclasses import replace

    sale = next(e for e in WORKLOAD.events if e.event_type == "TicketSold")
    first = [e for e in WORKLOAD.events if e.event_type in ("ArtistUpserted", "VenueUpserted")] + [sale]
    concert = next(
        e
        for e in WORKLOAD.events
        if e.event_type == "ConcertScheduled" and e.data.concert_id == sale.data.concert_id
    )
    core = ConsumerCore()
    logged = []
    for i, batch in enumerate((first, [concert])):
        recs = [replace(r, arrival_ms=1_700_000_000_000 + i) for r in _records(batch, i * 1000)]
        logged += core.process(recs, f"b{i}").tables["event_log"]
    assert str(sale.event_id) in {r["event_id"] for r in logged}
    assert all(r["arrived_at"] is not None for r in logged)
