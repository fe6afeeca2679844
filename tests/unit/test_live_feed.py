"""The live feed: new orders timed now, drawn from the workload's sales of concerts it never
cancels, valid events every one, reproducible with a seed."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from producers.live_feed import FEED_SALE_IDS, live_sales, sale_templates
from producers.synthetic import Spec, generate
from schemas import ConcertCancelled, TicketSold, parse_event


@pytest.fixture(scope="module")
def workload() -> list[Any]:
    return list(generate(Spec(seed=3).scaled(0.05)).events)


def test_templates_are_the_sales_of_concerts_never_cancelled(workload: list[Any]) -> None:
    templates = sale_templates(workload)
    cancelled = {e.data.concert_id for e in workload if isinstance(e.data, ConcertCancelled)}
    sold = [e for e in workload if isinstance(e.data, TicketSold)]
    assert cancelled and templates and len(templates) < len(sold)
    assert all(isinstance(t.data, TicketSold) and t.data.concert_id not in cancelled for t in templates)


def test_each_sale_is_a_new_valid_order_timed_by_the_clock(workload: list[Any]) -> None:
    templates = sale_templates(workload)
    ticks = itertools.count()
    start = datetime(2026, 12, 5, 12, tzinfo=UTC)
    feed = list(
        itertools.islice(
            live_sales(templates, seed=7, clock=lambda: start + timedelta(seconds=next(ticks))), 500
        )
    )
    assert len({e.event_id for e in feed}) == 500 and not {e.event_id for e in feed} & {
        t.event_id for t in templates
    }
    assert [e.occurred_at for e in feed] == [start + timedelta(seconds=i) for i in range(500)]
    low, high = FEED_SALE_IDS
    concerts = {t.data.concert_id for t in templates}
    for event in feed:
        assert parse_event(event.model_dump_json().encode()) == event  # valid on the wire
        order: Any = event.data
        assert low <= order.sale_id < high and order.concert_id in concerts
    # the demand model: each order is one of the workload's (concert, customer, tier, quantity,
    # price, channel), a new sale id aside
    orders = {t.data.model_copy(update={"sale_id": 1}) for t in templates}
    assert all(e.data.model_copy(update={"sale_id": 1}) in orders for e in feed)
    again = list(itertools.islice(live_sales(templates, seed=7, clock=lambda: start), 500))
    assert [e.event_id for e in again] == [e.event_id for e in feed], "the same seed, the same feed"


def test_a_workload_without_sales_cannot_be_followed() -> None:
    with pytest.raises(ValueError, match="no ticket sales"):
        next(live_sales([]))
