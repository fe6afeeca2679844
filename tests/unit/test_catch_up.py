"""`concert up` measures when the warehouse and the live totals reach their final figures after
the last event: each side's time is when it first took the value both settled on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from concert.pipeline_checks import Totals, catch_up, sales_totals


def _series(values: list[tuple[int, int]]) -> Callable[[], Totals]:
    """A side that reports the next totals at each poll, then stays on the last."""
    it = iter(values)
    last: list[Totals] = []

    def read() -> Totals:
        nxt = next(it, None)
        if nxt is not None:
            last[:] = [{"orders": nxt[0], "tickets": nxt[1]}]
        return last[0]

    return read


class Clock:
    """One poll a second."""

    def __init__(self, start: float) -> None:
        self.now = start - 1

    def __call__(self) -> float:
        self.now += 1
        return self.now


def test_each_side_is_timed_by_when_it_took_the_final_figures() -> None:
    live = _series([(90, 180), (100, 200)])  # final at the 2nd poll (1 s after the last event)
    warehouse = _series([(0, 0), (0, 0), (40, 80), (40, 80), (100, 200)])  # final at the 5th (4 s)
    r = catch_up(live, warehouse, since=1000.0, quiet_s=3, every_s=0, clock=Clock(1000.0))
    assert r.settled and (r.live_s, r.warehouse_s) == (1.0, 4.0)
    assert r.totals == {"orders": 100, "tickets": 200}
    assert r.summary() == {"warehouse_s": 4.0, "live_s": 1.0, "totals": r.totals, "settled": True}


def test_equal_for_a_moment_is_not_settled_while_one_side_still_moves() -> None:
    live = _series([(10, 20), (10, 20), (30, 60)])
    warehouse = _series([(10, 20), (10, 20), (10, 20), (20, 40), (30, 60)])
    r = catch_up(live, warehouse, since=0.0, quiet_s=3, every_s=0, clock=Clock(0.0))
    assert r.settled and (r.live_s, r.warehouse_s) == (2.0, 4.0)


def test_once_everything_is_placed_equality_settles_at_once_and_a_stop_ends_unsettled() -> None:
    complete = threading.Event()
    complete.set()
    live, warehouse = _series([(5, 5), (7, 9)]), _series([(7, 9)])
    r = catch_up(live, warehouse, since=0.0, quiet_s=60, every_s=0, clock=Clock(0.0), complete=complete)
    assert r.settled and (r.live_s, r.warehouse_s) == (1.0, 0.0)

    stop = threading.Event()
    stop.set()
    r = catch_up(_series([(1, 1)]), _series([(2, 2)]), since=0.0, every_s=0, clock=Clock(0.0), stop=stop)
    assert not r.settled and r.live_s is None and r.totals == {"orders": 2, "tickets": 2}
    r = catch_up(_series([(1, 1)]), _series([(2, 2)]), since=0.0, timeout_s=5, every_s=0, clock=Clock(0.0))
    assert not r.settled


def test_totals_are_integers_whatever_the_row_carries() -> None:
    assert sales_totals({"orders": "12", "tickets": None}) == {"orders": 12, "tickets": 0}


def test_the_live_total_item_is_its_numbers() -> None:
    from concert.pipeline_checks import live_total
    from tests.fakes.clients import dynamodb_client

    class Table:
        def get_item(self, **kw: Any) -> dict[str, Any]:
            assert kw["Key"] == {"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}} and kw["ConsistentRead"]
            return {"Item": {"pk": {"S": "ALL"}, "orders": {"N": "3"}, "newest_arrival_ms": {"N": "17"}}}

    assert live_total(dynamodb_client(Table()), "t") == {"orders": 3, "newest_arrival_ms": 17}
    assert live_total(type("Empty", (), {"get_item": lambda self, **kw: {}})(), "t") == {}
