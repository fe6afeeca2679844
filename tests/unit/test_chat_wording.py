"""Other words for the same things, typos in the planner's words, and the guard that every word
of a question is accounted for before anything is stated."""

from __future__ import annotations

import pytest

from chat import forwarded, set_notation, spreadsheet
from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.understood import correct, unexplained
from chat.vocabulary import Vocabulary
from chat.wording import reword
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("how many tikcets in 2025", "how many tickets in 2025"),
        ("revnue by venue", "revenue by venue"),
        ("was it raining", "was it raining"),  # two slips from "ranking": a word of its own
        ("Revnue Hall concerts", "Revnue Hall concerts"),  # capitalised: a name, never corrected
    ],
)
def test_a_typo_in_the_planners_words_is_read_as_the_word(written: str, read: str) -> None:
    assert correct(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("rev last mo", "revenue last month"),
        ("Tix sold MTD", "Tix sold this month"),
        ("avg tkt price YTD", "average ticket price this year"),
        ("num orders feb 2026", "number of orders feb 2026"),
        ("AOV q4", "average order value q4"),
        ("units sold in twenty twenty-five", "tickets sold in 2025"),
        ("venues w/ capacity above thirty thousand", "venues with capacity more than 30000"),
        ("what did Cher pull in", "what did Cher earn"),
        ("refund $ by month", "refund dollars by month"),
        ("weekday (mon-fri) tix", "weekday (weekdays) tix"),
        ("what kind of music does Cher play", "what genre does Cher play"),
        ("concerts still to come", "concerts upcoming"),
        ("Largest venue, capacity-wise", "Largest venue, by capacity"),
        ("The Receipts at Gillette Stadium", "The Receipts at Gillette Stadium"),  # a name stays
    ],
)
def test_abbreviations_and_trade_words_are_read_in_the_planners_words(written: str, read: str) -> None:
    assert reword(written) == read


def test_a_word_the_planner_does_not_read_is_said_and_nothing_is_stated() -> None:
    planner = DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))
    question = "tickets sold to students at Gillette Stadium in 2025"
    plan = planner.plan(question, CLOCK)
    assert plan.calls, "the rules alone would answer: tickets at the venue in 2025"
    assert unexplained(reword(question), plan.slots) == ["students"]
    guarded = covered(question, plan)
    assert not guarded.calls and "'students'" in (guarded.reply or "")
    ok = "could you please tell me how many tickets we sold at Gillette Stadium in 2025, thanks"
    assert unexplained(reword(ok), planner.plan(ok, CLOCK).slots) == []


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("hw mny ordrs lst mth", "how many orders last month"),  # texting: vowels dropped
        ("rev 4 both", "revenue for both"),
        ("top 5 vnues ths yr", "top 5 venues this year"),
        ("In month 11 year 2025, how many orders?", "In November 2025, how many orders?"),  # numbered
        ("revenue quarter 2 of year 2025", "revenue Q2 2025"),
        ("orders in the year 2024", "orders in 2024"),
        (
            "orders per day, the week of Tuesday 3 February 2026",
            "orders per day, from 2026-02-03 to 2026-02-09",
        ),
        ("tickets from Friday 6 Feb 2026 to Sunday 8 Feb 2026", "tickets from 6 Feb 2026 to 8 Feb 2026"),
        ("Answer only, one figure: orders in 2025", "orders in 2025"),  # the answer's shape
        ("refunds in June 2026 - no commentary.", "refunds in June 2026"),
        ("Two columns, week and orders, for May 2026", "orders by week, for May 2026"),
        ("refund record counts in 2025", "number of refunds in 2025"),
    ],
)
def test_how_people_write_is_read_in_the_planners_words(written: str, read: str) -> None:
    assert reword(written) == read


@pytest.mark.parametrize(
    ("message", "question"),
    [
        (
            "FW: from ops - 'how many orders did we take in May?' see below",
            "how many orders did we take in May?",
        ),
        ("Forwarded from Ana: 'what was last week's revenue?' Thanks", "what was last week's revenue?"),
        ("Forwarding the note below > tickets sold in Ohio in 2025?", "tickets sold in Ohio in 2025?"),
        ("See thread below - Ivo needs the number of concerts in June", "the number of concerts in June"),
        ("And only web sales, he says.", "And only web sales"),
        ("Cher's 'Believe' tour: tickets in 2025", "Cher's 'Believe' tour: tickets in 2025"),  # relays none
    ],
)
def test_a_relayed_question_is_read_alone(message: str, question: str) -> None:
    assert forwarded.reduce(message) == question


@pytest.mark.parametrize(
    ("formula", "question"),
    [
        ('=SUMIFS(quantity, city, "Houston", year, 2024)', "tickets sold in Houston in 2024?"),
        (
            '=SUMIFS(Sales[revenue], Sales[channel], "mobile", Sales[sold_at], ">="&DATE(2026,2,1), '
            'Sales[sold_at], "<"&DATE(2026,3,1)) - value?',
            "revenue via mobile between 2026-02-01 and 2026-02-28?",
        ),
        (
            '=COUNTIFS(dim_venue[state], "IL", dim_venue[capacity], ">5000")',
            "how many venues in IL with more than 5000 seats?",
        ),
        (
            '=COUNTIFS(Sales[tier], "floor", Sales[quarter], "2026-Q1")',
            "how many orders in the floor tier in Q1 2026?",
        ),
        (
            '=SUMIFS(quantity, city, "Houston") and the same formula with "Chicago"',
            None,
        ),  # two sides: as written
        ('=SUMIFS(quantity, colour, "red")', None),  # a column it does not know
        ("Now swap the sum range for revenue, same criteria.", "revenue instead"),  # the last formula changed
        ('Add one more criteria pair: tier, "vip".', "and only in the vip tier"),
    ],
)
def test_a_spreadsheet_formula_is_read_as_its_question(formula: str, question: str | None) -> None:
    assert spreadsheet.read(formula) == (question or formula)


@pytest.mark.parametrize(
    ("notation", "words"),
    [
        (
            "argmax over venue_id of total quantity purchased in 2024?",
            "which venue has the most tickets in 2024?",
        ),
        ("Cardinality of the set of artists whose genre is rock?", "how many artists whose genre is rock?"),
        (
            "Let W be the set of venues whose state is OH. What is |W|?",
            "What is the number of venues whose state is OH?",
        ),
        (
            "Compute the sum of quantity over all sales rows with sold_at in Q2 2025.",
            "tickets sold in Q2 2025.",
        ),
        ("Cher's tickets split across the sales channels", "Cher's tickets split across the sales channels"),
    ],
)
def test_set_notation_is_read_in_words(notation: str, words: str) -> None:
    assert set_notation.read(notation) == words


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("orders within the next 14 days", "orders in the next 14 days"),
        ("best night of the week for tickets", "best day of the week for tickets"),
        ("which arena in OH has the greatest seating capacity", "which arena in OH has the most seats"),
        (
            "In 2026, every quarter the orders are how many?",
            "In 2026, orders by quarter?",
        ),  # question word last
        ("In Q1 2026, one order has how many tickets on average?", "In Q1 2026, average tickets per order?"),
        ("Orders this month versus last month - is demand growing?", "Orders this month versus last month"),
        ("What is the capacity of the winner?", "What is the capacity of that one?"),  # a ranking's first
        ("Box office wants last week's order count.", "last week's number of orders."),  # who wants it
        ("Orders in OH by city - cities, mind you, not venues.", "Orders in OH by city."),  # a restatement
        ("revenue this week versus the week before it", "revenue this week versus the week before"),
        ("avg $ per tkt lst wk", "average ticket price last week"),
        (
            "Pivot table: rows = quarter of sold_at, values = SUM of revenue, filter city = Houston, 2025.",
            "revenue by quarter in Houston, 2025.",
        ),
        (  # a function tabulated: a breakdown, its months read as months
            "Tabulate g(q) = total orders of quarter q, for q from 2025-04 to 2025-12.",
            "orders by quarter from April 2025 to December 2025.",
        ),
    ],
)
def test_more_ways_people_write_are_read_in_the_planners_words(written: str, read: str) -> None:
    assert reword(written) == read
