"""The synthetic workload: reproducible, at the default scale, with the distributions it claims."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from producers.catalog import load_catalog
from producers.synthetic import Spec, Workload, events_for, generate
from schemas import parse_event, to_json


@pytest.fixture(scope="module")
def default_workload() -> Workload:
    return generate()


def test_default_scale(default_workload: Workload) -> None:
    kinds = Counter(e.event_type for e in default_workload.events)
    assert kinds["ArtistUpserted"] == 1_000
    assert kinds["VenueUpserted"] == 500
    assert kinds["ConcertScheduled"] == 10_000
    assert kinds["TicketSold"] >= 50_000
    assert kinds["TicketRefunded"] > 0 and kinds["ConcertCancelled"] > 0 and kinds["ConcertUpdated"] > 0


def test_same_seed_same_events_other_seed_other_events() -> None:
    spec = Spec().scaled(0.02)
    a, b = generate(spec), generate(spec)
    assert [to_json(e) for e in a.events] == [to_json(e) for e in b.events]
    c = generate(Spec(seed=7).scaled(0.02))
    assert {e.event_id for e in c.events}.isdisjoint({e.event_id for e in a.events})
    d = generate(Spec().scaled(0.03))
    assert {e.event_id for e in d.events}.isdisjoint({e.event_id for e in a.events}), "other scale, other ids"


def test_events_are_valid_unique_and_in_time_order(default_workload: Workload) -> None:
    events = default_workload.events
    assert len({e.event_id for e in events}) == len(events)
    assert all(x.occurred_at <= y.occurred_at for x, y in itertools.pairwise(events))
    for e in events[:: max(1, len(events) // 2_000)]:
        assert parse_event(to_json(e)) == e


def test_every_sale_refers_to_a_scheduled_concert_before_it(default_workload: Workload) -> None:
    scheduled: dict[int, Any] = {}
    for e in default_workload.events:
        if e.event_type == "ConcertScheduled":
            scheduled[e.data.concert_id] = e.occurred_at
        elif e.event_type == "TicketSold":
            assert e.data.concert_id in scheduled


def test_real_venues_and_performers_are_used(default_workload: Workload) -> None:
    catalog = load_catalog()
    assert len(catalog.venues) == 202 and len(catalog.performers) > 500
    names = {e.data.name for e in default_workload.events if e.event_type == "VenueUpserted"}
    assert {v.name for v in catalog.venues} <= names
    capacities = {
        e.data.name: e.data.capacity for e in default_workload.events if e.event_type == "VenueUpserted"
    }
    known = [v for v in catalog.venues if v.seats > 0]
    assert all(capacities[v.name] == v.seats for v in known)


def test_popularity_is_long_tailed_and_drives_sales(default_workload: Workload) -> None:
    pop = {
        e.data.artist_id: e.data.popularity
        for e in default_workload.events
        if e.event_type == "ArtistUpserted"
    }
    values = sorted(pop.values())
    assert statistics.median(values) < statistics.mean(values) < values[-1]
    truth = default_workload.truth["concerts"]
    tickets_by_artist: Counter[int] = Counter()
    for c in truth.values():
        tickets_by_artist[c["artist_id"]] += c["sold"]
    top = sorted(pop, key=lambda artist: pop[artist], reverse=True)[:100]
    share = sum(tickets_by_artist[a] for a in top) / sum(tickets_by_artist.values())
    assert share > 0.3, f"top 10% of artists sell only {share:.0%} of tickets"


def test_weekends_and_summer_are_busier(default_workload: Workload) -> None:
    starts = [e.data.starts_at for e in default_workload.events if e.event_type == "ConcertScheduled"]
    by_day = Counter(s.weekday() for s in starts)
    assert by_day[5] > 2 * by_day[0], "Saturdays should be busier than Mondays"
    summer = sum(1 for s in starts if s.month in (6, 7, 8))
    winter = sum(1 for s in starts if s.month in (12, 1, 2))
    assert summer > winter


def test_sell_outs_and_ground_truth(default_workload: Workload) -> None:
    truth = default_workload.truth["concerts"]
    sold_out = [c for c in truth.values() if c["sold_out"]]
    assert 0.005 < len(sold_out) / len(truth) < 0.2
    assert all(c["sold"] <= c["allocation"] for c in truth.values())
    sold: Counter[int] = Counter()
    for e in default_workload.events:
        if e.event_type == "TicketSold":
            sold[e.data.concert_id] += e.data.quantity
    assert all(sold[int(cid)] == c["sold"] for cid, c in truth.items())


@pytest.mark.parametrize("n", [1, 137, 5_000])
def test_events_for_yields_exactly_n(n: int) -> None:
    events = list(events_for(n, seed=3))
    assert len(events) == n
    assert events[0].event_type == "ArtistUpserted"


def test_a_missing_catalog_is_a_clear_error(tmp_path: Path) -> None:
    from producers.catalog import CatalogMissing

    with pytest.raises(CatalogMissing, match="CONCERT_CATALOG_DIR"):
        load_catalog(tmp_path)


def test_a_live_feed_stamps_each_event_when_it_is_taken() -> None:
    from datetime import UTC, datetime, timedelta

    from producers.synthetic import as_live_feed, events_for

    ticks = iter(datetime(2026, 12, 4, 20, tzinfo=UTC) + timedelta(seconds=i) for i in range(10))
    workload = list(events_for(10, seed=5))
    fed = list(as_live_feed(iter(workload), clock=lambda: next(ticks)))
    assert [e.occurred_at.second for e in fed] == list(range(10))
    assert [e.event_id for e in fed] == [e.event_id for e in workload]  # the same events, re-timed
    assert [e.data for e in fed] == [e.data for e in workload]
