"""Questions in a search box's operators, in a verb-final word order ("quarter each"), with
"all venues together" for a total, a purchase asked of the chat, and "they" whose antecedent
was not understood: read as asked, refused or asked back, never answered for another question."""

from __future__ import annotations

import pytest

from chat.deterministic_planner import DeterministicPlanner
from chat.memory import Conversation
from chat.plan import Plan
from chat.search_operators import read
from chat.vocabulary import Vocabulary
from chat.wording import reword
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES, ask, remember


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        (
            'tickets by:month city:"Houston" sold:2025-01-01..2025-06-30',
            "tickets by month in Houston between 2025-01-01 and 2025-06-30",
        ),
        ("top:3 cities by:revenue sold:2026-01-01..", "top 3 cities by revenue since 2026-01-01"),
        ("list:venues state:TX capacity:>20000 fields:name", "list the venues in TX capacity >20000"),
        (
            "tickets channel:partner artist:'Cher' sold:2025-03-02",
            "tickets via partner by Cher on 2025-03-02",
        ),
        ("tickets colour:red", "tickets colour:red"),  # an operator not known: left for the planner to report
        ("top:3 venues sort:asc", "top:3 venues sort:asc"),  # an order it cannot read is not dropped
        ("shows at 20:00, re: tickets", "shows at 20:00, re: tickets"),  # not operators
    ],
)
def test_search_operators_read_as_words(written: str, read_as: str) -> None:
    assert read(written) == read_as


@pytest.mark.parametrize(
    ("question", "metric", "group"),
    [
        ('tickets by:month city:"Houston" sold:2025-01-01..2025-06-30', "tickets", "month"),
        ("2025 year, quarter each for, Houston venues orders how many?", "orders", "quarter"),
        ("Houston for, 2025 year, seat tier each, how many tickets sold?", "tickets", "tier"),
        ("Last week in, all venues together, orders count how many was?", "orders", None),
    ],
)
def test_the_grouping_and_the_measure_are_read_in_any_order(
    planner: DeterministicPlanner, question: str, metric: str, group: str | None
) -> None:
    plan = ask(planner, question)
    assert (plan.intent, plan.slots["metric"], plan.slots["group"]) == ("analytics", metric, group)


def test_each_after_a_count_of_things_is_not_a_grouping() -> None:
    assert reword("2 tickets each sold") == "2 tickets each sold"
    assert reword("the venues each sold how many") == "the venues each sold how many"


@pytest.mark.parametrize(
    "question",
    [
        "can you buy me two tickets for the next one there?",
        "book me 4 seats at Madison Square Garden",
        "could u reserve tickets",
    ],
)
def test_a_purchase_is_refused(planner: DeterministicPlanner, question: str) -> None:
    plan = ask(planner, question)
    assert not plan.calls and "can't buy, book or reserve" in str(plan.reply)


def test_get_me_a_figure_is_not_a_purchase(planner: DeterministicPlanner) -> None:
    assert ask(planner, "get me the tickets sold in Texas in 2025").intent == "analytics"


def _they_after(planner: DeterministicPlanner, first: str) -> Plan:
    """ "Which venues are they playing?" asked right after `first`."""
    memory = Conversation("s")
    remember(memory, first, ask(planner, first))
    return planner.plan("Which venues are they playing?", CLOCK, memory)


def test_they_after_a_question_not_understood_is_asked_back(planner: DeterministicPlanner) -> None:
    plan = _they_after(planner, "word on the street is they are busy, huh?")
    assert not plan.calls and "who 'they' are" in str(plan.reply)


def test_they_after_an_artist_keeps_the_artist_and_the_concerts_period(planner: DeterministicPlanner) -> None:
    plan = _they_after(planner, "how many concerts does Cher have in 2026?")
    assert plan.intent == "concerts" and plan.slots["of"] == "venue"
    assert plan.slots["filters"]["artist"][0] == 11 and plan.slots["period"]["label"] == "2026"
