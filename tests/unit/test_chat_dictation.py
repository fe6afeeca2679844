"""A question dictated and transcribed by ear ("tickets where sold in the passed thirty days"):
its homophones read as the words meant only where the neighbour makes them certain; and a
count of days said in words is a period, or the question is not answered."""

from __future__ import annotations

import pytest

from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.dictation import read
from chat.vocabulary import Vocabulary
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        (
            "how many tickets where sold in the passed thirty days",
            "how many tickets were sold in the past thirty days",
        ),
        ("revenue buy day of the weak four Texas", "revenue by day of the week for Texas"),
        ("each day last weak monday threw sunday", "each day last week monday through sunday"),
        ("witch channel was the biggest won", "which channel was the biggest one"),
        ("the hole of twenty twenty five", "the whole of twenty twenty five"),
        ("web verses mobile", "web versus mobile"),
        ("cancelled won's left out", "cancelled ones left out"),
    ],
)
def test_homophones_read_as_meant(heard: str, meant: str) -> None:
    assert read(heard) == meant


@pytest.mark.parametrize(
    "text",
    [
        "the top four venues",  # a count, not "for"
        "the top four Texas venues by revenue",
        "which month had weak sales",  # an adjective
        "who buy tickets most",  # what is bought, not a grouping
        "Witch Hazel at Royce Hall",  # a capitalised name
        "the band won an award",
        "that won't matter",
    ],
)
def test_words_that_are_no_homophone_stay(text: str) -> None:
    assert read(text) == text


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("how many tickets were sold in the past thirty days", "the last 30 days"),
        ("um so how many tickets where sold in the passed thirty days", "the last 30 days"),
        ("revenue over the last twenty-one days", "the last 21 days"),
        ("orders in the past ninety days", "the last 90 days"),
    ],
)
def test_a_count_of_days_in_words_is_the_period(
    planner: DeterministicPlanner, question: str, label: str
) -> None:
    plan = covered(question, planner.plan(question, CLOCK))
    assert plan.calls, plan.reply
    assert plan.slots["period"]["label"] == label


def test_a_count_of_days_not_read_is_not_answered_as_all_time(planner: DeterministicPlanner) -> None:
    question = "how many tickets were sold in the past seventeen days"
    plan = covered(question, planner.plan(question, CLOCK))
    assert not plan.calls and "the period" in str(plan.reply)
