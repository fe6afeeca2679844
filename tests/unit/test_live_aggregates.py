"""Live aggregates: counters per concert, venue and minute, each event counted once."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.live_aggregates import (
    MAX_TRANSACTION_ITEMS,
    ConcertProfile,
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
    """Sum the minute buckets of every scope (the TOTAL items must agree with them)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (pk, sk), counters in store.counters.items():
        if sk.startswith("MINUTE#"):
            for name, value in counters.items():
                out[pk][name] += value
        elif sk == "TOTAL":
            continue
    for (pk, sk), counters in store.counters.items():
        if sk == "TOTAL":
            assert dict(counters) == dict(out[pk]), pk
    return out


def _deliver(store: FakeAggregateStore, raw: list[bytes], record_size: int, per_delivery: int = 7) -> None:
    """Kinesis records of `record_size` user records each, `per_delivery` records per invocation."""
    records = [(str(i), raw[i : i + record_size]) for i in range(0, len(raw), record_size)]
    for start in range(0, len(records), per_delivery):
        outcomes = count_batch(records[start : start + per_delivery], store)
        assert not [o for o in outcomes.values() if o.error]


def test_totals_match_the_events_exactly() -> None:
    store = FakeAggregateStore()
    _deliver(store, RAW, 50)
    expected = _expected_totals()
    got = _store_totals(store)
    assert expected["ALL"]["tickets"] > 0
    for scope, counters in expected.items():
        assert {k: v for k, v in got[scope].items() if v} == {k: v for k, v in counters.items() if v}, scope
    assert set(got) == set(expected)


@settings(max_examples=15, deadline=None)
@given(first=st.integers(1, 200), second=st.integers(1, 200), seed=st.integers(0, 1000))
def test_redelivery_in_any_cut_counts_each_event_once(first: int, second: int, seed: int) -> None:
    """At-least-once delivery: a second delivery, cut differently and partly shuffled, adds nothing."""
    store = FakeAggregateStore()
    _deliver(store, RAW, first)
    before = {k: dict(v) for k, v in store.counters.items()}
    again = list(RAW)
    random.Random(seed).shuffle(again)
    _deliver(store, again, second)
    assert {k: dict(v) for k, v in store.counters.items()} == before


def test_minutes_are_event_time_utc() -> None:
    sale = next(e for e in WORKLOAD.events if isinstance(e.data, TicketSold))
    c = contribution(sale, ConcertProfile(venue_id=7, capacity=100))
    minute = f"MINUTE#{minute_of(sale.occurred_at)}"
    assert set(c.increments) == {
        (f"CONCERT#{sale.data.concert_id}", minute),
        (f"CONCERT#{sale.data.concert_id}", "TOTAL"),
        ("VENUE#7", minute),
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


def test_chunks_fit_one_transaction_and_drop_repeats() -> None:
    sales: list[Any] = [e for e in WORKLOAD.events if isinstance(e.data, TicketSold)][:300]
    contributions = [contribution(e, ConcertProfile(e.data.concert_id % 50 + 1, 100)) for e in sales]
    planned = chunks(contributions + contributions[:10])
    assert all(c.items <= MAX_TRANSACTION_ITEMS for c in planned)
    ids = [eid for c in planned for eid in c.event_ids]
    assert len(ids) == len(set(ids)) == len(sales)


def test_invalid_records_are_skipped_and_counted() -> None:
    store = FakeAggregateStore()
    outcome = count_batch([("r1", [b"not json", b'{"event_type": "Nope"}', RAW[0]])], store)["r1"]
    assert (outcome.events, outcome.invalid, outcome.error) == (1, 2, None)


def test_a_failed_transaction_fails_exactly_the_records_in_it() -> None:
    store = FakeAggregateStore(fail_on_apply={2})
    sales = [raw for e, raw in zip(WORKLOAD.events, RAW, strict=True) if isinstance(e.data, TicketSold)][:120]
    records = [(str(i), [raw]) for i, raw in enumerate(sales)]
    outcomes = count_batch(records, store)
    failed = {rid for rid, o in outcomes.items() if o.error}
    counted = {rid for rid, o in outcomes.items() if o.counted}
    assert failed and counted and not failed & counted and failed | counted == {r for r, _ in records}
    again = count_batch(records, store)  # the redelivery: only the failed records count now
    assert {rid for rid, o in again.items() if o.counted} == failed
    assert sum(o.duplicates for o in again.values()) == len(counted)


def test_the_dashboard_hears_of_exactly_what_a_delivery_changed() -> None:
    store = FakeAggregateStore()
    records = [(str(i), RAW[i : i + 50]) for i in range(0, len(RAW), 50)]
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
