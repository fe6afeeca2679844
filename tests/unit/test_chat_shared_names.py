"""Names that more than one thing carries: two venues (artists) of one name are both read and
each kept apart in a listing, a place and an artist of one name are read by a stated rule and
the answer says which, and a measure the question rules out is not the one answered."""

from __future__ import annotations

from typing import Any

import pytest

from bench.chat import Oracle
from chat import tools
from chat.answers import compose
from chat.deterministic_planner import DeterministicPlanner
from chat.vocabulary import Vocabulary
from chat.wording import reword
from tests.unit.test_chat_planner import ask

VENUES = [
    {"venue_id": 207, "name": "City Pavilion", "city": "New York City", "state": "NY"},
    {"venue_id": 277, "name": "City Pavilion", "city": "New York City", "state": "NY"},
    {"venue_id": 3, "name": "Chicago Theatre", "city": "Chicago", "state": "IL"},
]
ARTISTS = [
    {"artist_id": 118, "name": "Lollapalooza", "genre": "pop"},
    {"artist_id": 513, "name": "Lollapalooza", "genre": "pop"},
    {"artist_id": 10, "name": "Chicago", "genre": "rock"},
]


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


def test_a_name_two_artists_carry_reads_as_both(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "what shows does Lollapalooza have coming up")
    assert "c.artist_id IN (118, 513)" in plan.calls[0].args["sql"]
    revenue = ask(planner, "revenue of Lollapalooza in 2025")
    assert revenue.slots["filters"]["artist"] == [[118, 513], "Lollapalooza"]
    assert "f.artist_id IN (118, 513)" in revenue.calls[0].args["sql"]


def test_venues_are_listed_one_row_each_even_when_they_share_a_name(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "show me every venue in New York City with its capacity")
    sql = plan.calls[0].args["sql"]
    assert "GROUP BY v.venue_id, v.name" in sql, "two venues of one name are never added together"
    rows = [
        {"key": 277, "label": "City Pavilion", "value": 9885},
        {"key": 207, "label": "City Pavilion", "value": 4150},
        {"key": 5, "label": "Studio 54", "value": 3623},
    ]
    answer = compose("", plan, [tools.ok("query_warehouse", {"sql": sql, "rows": rows, "row_count": 3})])
    assert "City Pavilion, venue 277 (9,885)" in answer["answer"]
    assert "City Pavilion, venue 207 (4,150)" in answer["answer"]
    assert "Studio 54 (3,623)" in answer["answer"], "a name only one venue has is shown as it is"


def test_a_lookup_of_a_shared_name_answers_for_each(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "which city is City Pavilion in")
    sql = plan.calls[0].args["sql"]
    assert "v.venue_id IN (207, 277)" in sql and "GROUP BY v.venue_id," in sql


@pytest.mark.parametrize(
    ("question", "kind", "said"),
    [
        ("average revenue per order for Chicago in 2025", "city", "in Chicago, IL"),
        ("ticket buyers from Chicago last year", "city", "in Chicago, IL"),
        ("revenue by Chicago in 2025", "artist", "for the artist Chicago"),
        ("how many tickets did the band Chicago sell in 2025", "artist", None),
    ],
)
def test_a_place_and_an_artist_of_one_name_follow_the_rule_and_say_which(
    planner: DeterministicPlanner, question: str, kind: str, said: str | None
) -> None:
    plan = ask(planner, question)
    assert kind in plan.slots["filters"], plan.slots
    if said:
        answer = compose(
            question,
            plan,
            [tools.ok("query_warehouse", {"sql": "S", "rows": [{"value": 1}], "row_count": 1})],
        )
        assert said in answer["answer"]


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("Tickets, please - not orders - as a percentage", "Tickets, please - as a percentage"),
        ("revenue rather than tickets for May", "revenue for May"),
        ("how many orders, not tickets", "how many orders"),
        ("not orders", "not orders"),  # nothing else named: nothing to answer instead
    ],
)
def test_a_measure_ruled_out_is_set_aside(question: str, kept: str) -> None:
    assert reword(question) == kept


def test_the_answer_is_tickets_when_orders_are_ruled_out(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "Of the tickets sold in 2025, what share went through the app? Tickets - not orders.")
    assert plan.slots["metric"] == "tickets" and plan.slots["share"]


def _oracle(rows: list[dict[str, Any]]) -> Oracle:
    return Oracle(lambda _sql: rows, lambda _p, _a: {}, dict)


def test_groups_of_one_label_are_compared_as_groups() -> None:
    """Two venues of one name are two groups: the grader compares them, not a dict that keeps one."""
    want = [{"label": "City Pavilion", "value": 9885}, {"label": "City Pavilion", "value": 4150}]
    q = {"oracle": "SELECT 1", "expect": "groups"}
    assert _oracle(want)._groups(q, {"rows": list(reversed(want))}) is None
    wrong = [{"label": "City Pavilion", "value": 14035}]
    assert _oracle(want)._groups(q, {"rows": wrong}) is not None
    assert _oracle(want)._groups(q, {"rows": [*want, {"label": "Other", "value": 1}]}) is not None
