"""A ranking whose subject opens the sentence ("state with the highest ...", "who sold the most
..."), and an average asked of one unit ("how many tickets does one order hold on average"):
read as asked; a threshold, a total or a sum is not read as either."""

from __future__ import annotations

import pytest

from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.measures import average_of_one
from chat.plan import Plan
from chat.vocabulary import Vocabulary
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES


def ask(planner: DeterministicPlanner, question: str) -> Plan:
    """The plan the chat would run: the planner's, through the coverage check."""
    return covered(question, planner.plan(question, CLOCK))


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


@pytest.mark.parametrize(
    ("question", "metric", "group", "top", "order"),
    [
        ("state with the highest average order value last year", "avg_order_value", "state", 1, "desc"),
        ("genre that brought in the most money in 2025", "revenue", "genre", 1, "desc"),
        ("Of all the performers, who sold the most tickets last month?", "tickets", "artist", 1, "desc"),
        ("who sold the most tickets at Madison Square Garden", "tickets", "artist", 1, "desc"),
        ("who bought the most tickets in 2025", "tickets", "customer", 1, "desc"),
        ("which date in March 2026 had the most tickets sold", "tickets", "day", 1, "desc"),
        ("top revenue artist this year", "revenue", "artist", 1, "desc"),
        (
            "whichever Texas venue moved the largest number of tickets last year",
            "tickets",
            "venue",
            1,
            "desc",
        ),
        ("cities with the fewest orders in 2025", "orders", "city", None, "asc"),  # as "which cities"
        (
            "cheapest seating tier on average in 2025, by price paid per ticket?",
            "avg_price",
            "tier",
            1,
            "asc",
        ),
        (
            "most expensive venue on average in 2025, by price paid per ticket",
            "avg_price",
            "venue",
            1,
            "desc",
        ),
    ],
)
def test_a_ranking_said_by_its_subject(
    planner: DeterministicPlanner, question: str, metric: str, group: str, top: int | None, order: str
) -> None:
    plan = ask(planner, question)
    assert plan.intent == "analytics", plan.reply
    s = plan.slots
    assert (s["metric"], s["group"], s["top"], s["order"]) == (metric, group, top, order)


@pytest.mark.parametrize(
    "question",
    [
        # a threshold, not a ranking
        "artists that sold more than 100 tickets at the top venue",
        # every venue together, not one of them
        "venues with the most seats combined in Texas",
        # the first sale's date, not the busiest day
        "on what date was the first sale?",
        # a threshold, not who sold the most
        "who sold more than 100 tickets at the top venue",
    ],
)
def test_a_threshold_or_a_total_is_not_a_ranking_of_its_subject(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert not plan.calls or plan.slots.get("top") != 1, plan.slots


def test_state_the_number_is_a_verb_and_state_with_a_noun(planner: DeterministicPlanner) -> None:
    assert ask(planner, "State the number of venues in Texas").slots["metric"] == "venues"
    assert ask(planner, "state with the most orders in 2025").slots["group"] == "state"


@pytest.mark.parametrize(
    ("question", "metric"),
    [
        ("on average how many tickets are in an order this year", "avg_order_tickets"),
        ("how many tickets does one order hold on average at Madison Square Garden?", "avg_order_tickets"),
        ("this year, how many tickets are in the average order?", "avg_order_tickets"),
        ("on avg how many tix in 1 order last 30 days", "avg_order_tickets"),
        ("what did the average order come to in dollars in 2025?", "avg_order_value"),
        ("what did fans pay per ticket on average in Q1 2026?", "avg_price"),
        ("What is the average of the price of the one ticket in March 2026?", "avg_price"),
        ("what is the mean amount of one refund in 2025?", "avg_refund"),
    ],
)
def test_an_average_of_one_unit(planner: DeterministicPlanner, question: str, metric: str) -> None:
    plan = ask(planner, question)
    assert plan.intent == "analytics" and plan.calls, plan.reply
    assert plan.slots["metric"] == metric


@pytest.mark.parametrize(
    "text",
    [
        "average tickets sold per concert in 2025",  # per concert: no such measure, not per order
        "the total of the average order",  # a total
        "how many tickets were handed back per refund on average",  # tickets per refund: not a refund's amount
        "the highest average order value by state",  # a ranking of an average, read by the ranking
        "how many orders had one ticket",  # no average
        "average daily ticket sales in 2025",  # per day, not per order
    ],
)
def test_no_average_of_one_unit_is_read_into_another_question(text: str) -> None:
    assert average_of_one(text) is None
