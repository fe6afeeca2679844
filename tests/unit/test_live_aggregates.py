"""Live aggregates: counters per concert, venue and minute, each event counted once."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import consumers.live_aggregates as live
from consumers.live_aggregates import (
    MAX_TRANSACTION_ITEMS,
    ConcertProfile,
    Delivered,
    Position,
    ShardCache,
    ShardState,
    chunks,
    contribution,
    count_batch,
    live_keys,
    minute_of,
    profile_update,
)
from producers.synthetic import Spec, generate
from schemas import ConcertScheduled, ConcertUpdated, TicketRefunded, TicketSold, to_json
from tests.fakes.aggregates import FakeAggregateStore

WORKLOAD = generate(Spec().scaled(0.01))
RAW = [to_json(e) for e in WORKLOAD.events]


def _expected_totals() -> dict[str, dict[str, int]]:
    """Independent sums straight from the events: per concert, per venue and overall."""
    venue_of: dict[int, int] = {}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in WORKLOAD.events:
        d = e.data
        if isinstance(d, ConcertScheduled | ConcertUpdated):
            venue_of[d.concert_id] = d.venue_id or venue_of[d.concert_id]
        elif isinstance(d, TicketSold | TicketRefunded):
            for scope in (f"CONCERT#{d.concert_id}", f"VENUE#{venue_of[d.concert_id]}", "ALL"):
                if isinstance(d, TicketSold):
                    totals[scope]["tickets"] += d.quantity
                    totals[scope]["orders"] += 1
                    totals[scope]["revenue_cents_usd"] += int(d.unit_price.amount * d.quantity * 100)
                else:
                    totals[scope]["refunds"] += 1
                    totals[scope]["tickets_refunded"] += d.quantity
                    totals[scope]["refunded_cents_usd"] += int(d.amount.amount * 100)
    return totals


def _store_totals(store: FakeAggregateStore) -> dict[str, dict[str, int]]:
    """The TOTAL items per scope; the global minute buckets must add up to the global total."""
    out = {pk: dict(c) for (pk, sk), c in store.counters.items() if sk == "TOTAL"}
    minutes: dict[str, int] = defaultdict(int)
    for (pk, sk), counters in store.counters.items():
        assert sk == "TOTAL" or (pk == "ALL" and sk.startswith("MINUTE#")), (pk, sk)
        if sk.startswith("MINUTE#"):
            for name, value in counters.items():
                minutes[name] += value
    assert dict(minutes) == out["ALL"]
    return out


def _records(raw: list[bytes], record_size: int, first_seq: int = 1, shard: str = "s#0") -> list[Delivered]:
    """Kinesis records of `record_size` user records each (KPL aggregates when over one), in a
    shard, sequence numbers from `first_seq`."""
    return [
        Delivered(str(first_seq + i), shard, str(first_seq + i), raw[i : i + record_size])
        for i in range(0, len(raw), record_size)
    ]


def _deliver(
    store: FakeAggregateStore,
    records: list[Delivered],
    per_delivery: int = 7,
    cache: ShardCache | None = None,
) -> None:
    """`per_delivery` records per invocation, none failing."""
    for start in range(0, len(records), per_delivery):
        outcomes = count_batch(records[start : start + per_delivery], store, cache)
        assert not [o for o in outcomes.values() if o.error]


def test_totals_match_the_events_exactly() -> None:
    store = FakeAggregateStore()
    _deliver(store, _records(RAW, 50))
    expected = _expected_totals()
    got = _store_totals(store)
    assert expected["ALL"]["tickets"] > 0
    for scope, counters in expected.items():
        assert {k: v for k, v in got[scope].items() if v} == {k: v for k, v in counters.items() if v}, scope
    assert set(got) == set(expected)


@settings(max_examples=15, deadline=None)
@given(size=st.integers(1, 60), per=st.integers(1, 40), resume=st.floats(0, 1), again=st.integers(1, 40))
def test_redelivered_records_in_any_cut_count_once_without_a_write(
    size: int, per: int, resume: float, again: int
) -> None:
    """At-least-once delivery: the mapping resumes from any earlier record, cut differently;
    the mark alone recognises what was counted: nothing changes and nothing is written."""
    store = FakeAggregateStore()
    records = _records(RAW, size)
    cache = ShardCache()
    _deliver(store, records, per, cache)
    before, calls = {k: dict(v) for k, v in store.counters.items()}, store.apply_calls
    _deliver(store, records[int(resume * (len(records) - 1)) :], again, cache)
    assert {k: dict(v) for k, v in store.counters.items()} == before
    assert store.apply_calls == calls and store.shard_reads == 1


@settings(max_examples=10, deadline=None)
@given(first=st.integers(1, 200), second=st.integers(1, 200), seed=st.integers(0, 1000))
def test_the_same_events_at_new_positions_count_once(first: int, second: int, seed: int) -> None:
    """A producer's retry or a replay puts events in the stream again: shuffled, cut
    differently, in new records, read by a cold container; the window recognises them."""
    store = FakeAggregateStore()
    _deliver(store, _records(RAW, first))
    before = {k: dict(v) for k, v in store.counters.items()}
    again = list(RAW)
    random.Random(seed).shuffle(again)
    _deliver(store, _records(again, second, first_seq=10**6))
    assert {k: dict(v) for k, v in store.counters.items()} == before


def test_minutes_are_event_time_utc() -> None:
    sale = next(e for e in WORKLOAD.events if isinstance(e.data, TicketSold))
    c = contribution(sale, ConcertProfile(venue_id=7, capacity=100))
    minute = f"MINUTE#{minute_of(sale.occurred_at)}"
    assert set(c.increments) == {
        (f"CONCERT#{sale.data.concert_id}", "TOTAL"),
        ("VENUE#7", "TOTAL"),
        ("ALL", minute),
        ("ALL", "TOTAL"),
    }
    assert (
        minute_of(datetime(2026, 11, 22, 8, 10, 59, tzinfo=timezone(timedelta(hours=1))))
        == "2026-11-22T07:10"
    )


def test_a_sale_of_an_unknown_concert_counts_under_an_unknown_venue() -> None:
    sale = next(e for e in WORKLOAD.events if isinstance(e.data, TicketSold))
    c = contribution(sale, None)
    assert any(pk == "VENUE#unknown" for pk, _ in c.increments)


def test_an_older_concert_event_does_not_override_a_newer_profile() -> None:
    scheduled = next(e for e in WORKLOAD.events if isinstance(e.data, ConcertScheduled))
    newer = ConcertProfile(venue_id=999, capacity=10, as_of="9999-01-01T00:00:00+00:00")
    assert profile_update(scheduled, newer) is None
    fresh = profile_update(scheduled, None)
    assert fresh is not None and fresh.venue_id == scheduled.data.venue_id


def test_chunks_fit_one_transaction_and_chain_their_marks() -> None:
    sales: list[Any] = [e for e in WORKLOAD.events if isinstance(e.data, TicketSold)][:300]
    contributions = [
        replace(contribution(e, ConcertProfile(e.data.concert_id % 50 + 1, 100)), position=Position(7, i))
        for i, e in enumerate(sales)
    ]
    state = ShardState("s#0", mark=Position(6, 0))
    planned = chunks(state, contributions)
    assert len(planned) > 3 and all(c.items <= MAX_TRANSACTION_ITEMS for c in planned)
    assert [eid for c in planned for eid in c.event_ids] == [str(e.event_id) for e in sales]
    assert [c.expected for c in planned] == [Position(6, 0)] + [c.mark for c in planned[:-1]]
    assert planned[-1].mark == Position(7, len(sales) - 1)  # cut inside one KPL aggregate


def test_the_window_opens_pages_and_drops_the_oldest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "PAGE_SIZE", 5)
    monkeypatch.setattr(live, "WINDOW_PAGES", 3)
    sales = [raw for e, raw in zip(WORKLOAD.events, RAW, strict=True) if isinstance(e.data, TicketSold)]
    store, cache = FakeAggregateStore(), ShardCache()
    _deliver(store, _records(sales[:40], 1), 4, cache)  # 40 events, 4 a delivery
    pages = store.pages["s#0"]
    assert sorted(pages) == [5, 6, 7] and all(len(h) == 5 for h in pages.values())  # the last 3 of 5
    assert cache.states["s#0"].recent == set().union(*pages.values())
    again = store.apply_calls
    _deliver(store, _records(sales[30:40], 1, first_seq=1000), 4)  # in the window: duplicates
    assert store.apply_calls == again
    _deliver(store, _records(sales[:5], 1, first_seq=2000), 4)  # out of the window: counted again
    assert store.apply_calls > again
    _deliver(store, _records(sales[40:57], 17, first_seq=3000), 1, cache)  # one chunk, four pages
    assert sorted(store.pages["s#0"]) == [10, 11, 12] and cache.states["s#0"].page == 12  # 9 opened and gone


def test_invalid_records_are_skipped_and_counted() -> None:
    store = FakeAggregateStore()
    records = [Delivered("r1", "s#0", "1", [b"not json", b'{"event_type": "Nope"}', RAW[0]])]
    outcome = count_batch(records, store)["r1"]
    assert (outcome.events, outcome.invalid, outcome.error) == (1, 2, None)


def test_a_failed_transaction_fails_its_records_and_every_later_one() -> None:
    store = FakeAggregateStore(fail_on_apply={2})
    sales = [raw for e, raw in zip(WORKLOAD.events, RAW, strict=True) if isinstance(e.data, TicketSold)][:120]
    records = _records(sales, 1)
    cache = ShardCache()
    outcomes = count_batch(records, store, cache)
    failed = [r.record_id for r in records if outcomes[r.record_id].error]
    counted = [r.record_id for r in records if outcomes[r.record_id].counted]
    assert failed and counted and counted + failed == [r.record_id for r in records]  # a suffix
    assert "s#0" not in cache.states  # forgotten: read again
    lowest = next(i for i, r in enumerate(records) if r.record_id == failed[0])
    again = count_batch(records[lowest - 3 :], store, cache)  # the redelivery, from a bit earlier
    assert [r for r in failed if again[r].counted] == failed
    assert sum(o.duplicates for o in again.values()) == 3


def test_an_aggregate_split_across_transactions_is_resumed_inside_it() -> None:
    """One KPL record whose events need several transactions; the second fails; the
    redelivered record counts only the user records after the mark."""
    store = FakeAggregateStore(fail_on_apply={2})
    sales = [raw for e, raw in zip(WORKLOAD.events, RAW, strict=True) if isinstance(e.data, TicketSold)]
    (record,) = _records(sales[:200], 200)
    first = count_batch([record], store)[record.record_id]
    assert first.error is not None and 0 < first.counted < 200
    second = count_batch([record], store)[record.record_id]
    assert second.error is None and second.counted == 200 - first.counted
    assert second.duplicates == first.counted
    assert store.counters[("ALL", "TOTAL")]["orders"] == 200


def test_a_mark_moved_by_another_container_is_read_again_and_the_rest_counted() -> None:
    store = FakeAggregateStore()
    sales = [raw for e, raw in zip(WORKLOAD.events, RAW, strict=True) if isinstance(e.data, TicketSold)][:60]
    records = _records(sales, 1)
    stale = ShardCache()
    count_batch(records[:10], store, stale)
    count_batch(records[10:30], store)  # another container counts on meanwhile
    again = count_batch(records[10:40], store, stale)  # the stale cache finds the mark moved
    assert not [o for o in again.values() if o.error] and store.shard_reads == 3
    assert sum(o.duplicates for o in again.values()) == 20 and sum(o.counted for o in again.values()) == 10
    assert store.counters[("ALL", "TOTAL")]["orders"] == 40


def test_the_cache_keeps_the_shards_used_last() -> None:
    store, cache = FakeAggregateStore(), ShardCache(max_shards=2)
    for shard in ("s#0", "s#1", "s#0", "s#2"):
        count_batch([Delivered("1", shard, "1", [RAW[0]])], store, cache)
    assert list(cache.states) == ["s#0", "s#2"] and store.shard_reads == 3


def test_the_dashboard_hears_of_exactly_what_a_delivery_changed() -> None:
    store = FakeAggregateStore()
    records = _records(RAW, 50)
    first = count_batch(records, store)
    keys = live_keys(first.values(), minutes=5)
    assert ("ALL", "TOTAL") in keys and keys == sorted(keys)
    assert all(sk == "TOTAL" or pk == "ALL" for pk, sk in keys)
    minutes = [sk for pk, sk in keys if sk.startswith("MINUTE#")]
    newest = sorted({sk for (pk, sk) in store.counters if pk == "ALL" and sk.startswith("MINUTE#")})[-5:]
    assert minutes == newest  # only the newest minute buckets
    assert {k for k in keys if k[1] == "TOTAL"} == {k for k in store.counters if k[1] == "TOTAL"}
    again = count_batch(records, store)  # a redelivery changes nothing: nothing to broadcast
    assert live_keys(again.values()) == []
