"""Reconcile's verdict: every event in exactly one place, the new places of land-then-load included."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from concert.reconcile import Reconciliation


def _placed(**changes: Any) -> Reconciliation:
    return replace(Reconciliation(produced_events=100, lake_records=100, warehouse_events=100), **changes)


def test_a_valid_event_that_gave_up_waiting_is_in_the_dlq_and_counts_once() -> None:
    assert _placed(invalid_in_stream=2, dlq_records=3, gave_up=1).ok
    assert not _placed(invalid_in_stream=2, dlq_records=3, gave_up=0).ok, "a dead letter nobody explains"


def test_events_waiting_for_their_load_cycle_are_a_place_of_their_own() -> None:
    waiting = Reconciliation(produced_events=100, lake_records=100, warehouse_events=60, pending_load=40)
    assert waiting.ok
    assert not Reconciliation(produced_events=100, lake_records=100, warehouse_events=60).ok


def test_a_ticket_event_both_fact_and_pending_fact_is_counted_twice() -> None:
    assert not _placed(fact_and_pending=["e-1"]).ok
