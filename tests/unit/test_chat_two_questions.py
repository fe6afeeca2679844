"""Two questions in one (chat/two_questions.py, issue #19): each part planned and answered, the
second as a follow-up to the first; a ranking's own figure and a measure shared by one name stay
one question; a second part not understood refuses the whole; the bench grades both parts."""

from __future__ import annotations

from typing import Any

import pytest

from bench.chat import Oracle, periods
from chat.answers import compose
from chat.deterministic_planner import DeterministicPlanner
from chat.memory import Conversation
from chat.plan import Plan
from chat.ruled_out import kept
from chat.two_questions import Parts, planned, split
from chat.vocabulary import Vocabulary
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES


@pytest.fixture(scope="module")
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        (
            "How many tickets did Cher sell in 2025, and how many were VIP?",
            "How many tickets did Cher sell in 2025",
            "and how many were VIP?",
        ),
        ("Tickets for Cher in 2025, plus the revenue", "Tickets for Cher in 2025", "and the revenue"),
        ("Revenue in 2025? And how many orders?", "Revenue in 2025", "and how many orders?"),
        ("Tickets in 2025 (and how many were VIP)", "Tickets in 2025", "and how many were VIP)"),
        ("Tickets in 2025 and what about 2024?", "Tickets in 2025", "and what about 2024?"),
    ],
)
def test_a_second_request_is_cut_from_the_first(question: str, first: str, second: str) -> None:
    parts = split(question)
    assert isinstance(parts, Parts) and (parts.first, parts.second) == (first, second)


@pytest.mark.parametrize(
    "question",
    [
        "Which venue sold the most tickets in 2025 and how many?",  # the ranking's own figure
        "Which venue sold the most tickets in 2025, and how many did it sell?",
        "How many tickets did Cher sell in 2025?",
        "What is the difference between revenue in 2024 and the revenue in 2025?",  # one comparison
        "Which was bigger, revenue in 2024 and what was it in 2025?",
    ],
)
def test_one_request_is_not_cut(question: str) -> None:
    assert split(question) is None


def test_three_requests_are_asked_apart(planner: DeterministicPlanner) -> None:
    question = "Tickets and revenue and orders, and how many refunds, and how much refunded?"
    requests = split(question)
    assert isinstance(requests, list) and requests[-2:] == ["and how many refunds", "and how much refunded?"]
    plan = planned(planner, question, CLOCK, None)
    assert not plan.calls and f"{len(requests)} things at once" in (plan.reply or "")


def _facts(plan: Plan) -> list[tuple[Any, ...]]:
    return [
        (p["slots"]["metric"], p["slots"]["filters"], (p["slots"].get("period") or {}).get("label"))
        for p in plan.parts
    ]


def test_both_parts_are_planned_the_second_from_the_first(planner: DeterministicPlanner) -> None:
    plan = planned(planner, "How many tickets did Cher sell in 2025, and how many were VIP?", CLOCK, None)
    assert len(plan.calls) == 2
    assert _facts(plan) == [
        ("tickets", {"artist": [11, "Cher"]}, "2025"),
        ("tickets", {"artist": [11, "Cher"], "tier": "vip"}, "2025"),
    ]
    assert plan.slots == plan.parts[1]["slots"]  # what a follow-up starts from: the last thing asked
    revenue = planned(planner, "What was the revenue for Cher in 2025 and the number of orders?", CLOCK, None)
    assert [m for m, _, _ in _facts(revenue)] == ["revenue", "orders"]


def test_a_ranking_and_its_figure_stay_one_question(planner: DeterministicPlanner) -> None:
    plan = planned(planner, "Which venue sold the most tickets in 2025 and how many?", CLOCK, None)
    assert not plan.parts and len(plan.calls) == 1 and plan.slots["group"] == "venue"


def test_a_name_said_once_for_two_measures_is_not_read_as_the_seconds_alone(
    planner: DeterministicPlanner,
) -> None:
    """In "how many tickets and how much revenue did Cher make" the name is the first part's
    too, which alone would have been answered for everyone: refused as before, not half answered."""
    for question in (
        "how many tickets and how much revenue did Cher make in 2025",
        "How many tickets did Cher sell and how much revenue in 2025?",  # 2025 for both
    ):
        plan = planned(planner, question, CLOCK, None)
        assert not plan.calls and "period is said once" in (plan.reply or ""), plan.reply


def test_a_second_part_not_understood_refuses_the_whole(planner: DeterministicPlanner) -> None:
    plan = planned(planner, "How many tickets did Cher sell in 2025, and what was the weather?", CLOCK, None)
    assert not plan.calls and not plan.understood
    reply = plan.reply or ""
    assert (
        "two things" in reply and "'How many tickets did Cher sell in 2025'" in reply and "weather" in reply
    )


def test_a_follow_up_after_two_questions_starts_from_the_second(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    plan = planned(planner, "How many tickets did Cher sell in 2025, and how many were VIP?", CLOCK, memory)
    memory.add("q", plan.intent, plan.slots, "", True)
    after = planned(planner, "and in 2024?", CLOCK, memory)
    assert after.slots["filters"] == {"artist": [11, "Cher"], "tier": "vip"}
    assert after.slots["period"]["label"] == "2024"


def test_both_answers_are_composed_each_with_its_own_description(planner: DeterministicPlanner) -> None:
    question = "How many tickets did Cher sell in 2025, and how many were VIP?"
    plan = Plan.from_dict(planned(planner, question, CLOCK, None).to_dict())  # through the workflow
    outcomes = [
        {"tool": "query_warehouse", "ok": True, "result": {"rows": [{"value": v}], "sql": "SELECT 1"}}
        for v in (1200, 85)
    ]
    answer = compose(question, plan, outcomes)
    first, second = answer["answer"].split("\n")
    assert "1,200" in first and "vip" not in first.lower()
    assert "85" in second and "vip" in second.lower()
    assert [r["value"] for r in answer["result"]] == [1200, 85]


def _oracle(values: list[int]) -> Oracle:
    answers = iter(values)
    oracle = Oracle(lambda sql: [{"v": next(answers)}], lambda path, params: {}, dict)
    oracle.named = periods(CLOCK)
    return oracle


def _both(*values: int) -> dict[str, Any]:
    results = [{"kind": "scalar", "value": v} for v in values]
    calls = [{"tool": "query_warehouse"} for _ in values]
    return {"answered": True, "answer": "text", "result": results, "calls": calls}


BOTH = {
    "id": "x",
    "expect": "both",
    "tool": "query_warehouse",
    "parts": [{"expect": "scalar", "oracle": "SELECT 1"}, {"expect": "scalar", "oracle": "SELECT 2"}],
}


def test_the_bench_grades_each_part_against_its_own_oracle() -> None:
    assert _oracle([1200, 85]).check(BOTH, _both(1200, 85)) is None
    assert _oracle([1200, 85]).check(BOTH, _both(1200, 90)) == "part 2: value 90 != oracle 85"
    one = {
        "answered": True,
        "answer": "t",
        "result": {"kind": "scalar", "value": 85},
        "calls": [{"tool": "query_warehouse"}],
    }
    assert _oracle([1200, 85]).check(BOTH, one) is not None  # the second part alone is wrong


def test_two_answers_to_one_question_are_graded_wrong() -> None:
    scalar = {"id": "x", "expect": "scalar", "tool": "query_warehouse", "oracle": "SELECT 1"}
    assert _oracle([1200]).check(scalar, _both(1200, 85)) is not None


@pytest.mark.parametrize(
    ("question", "why"),
    [  # each answered half (or twice the first) by a follow-up reading, before this was refused
        (
            "How many tickets did Cher sell in 2025, and how many did Madison Square Garden sell?",
            "own subject",
        ),
        ("What was the highest ticket price in 2025 and what was the lowest?", "the first again"),
        ("How many tickets did Cher sell in 2025, and how many were not VIP?", "leaves something out"),
        ("How many VIP tickets did Cher sell in 2025, and how many tickets overall?", "the first again"),
        ("Tickets for Cher in 2025 and revenue for Cher in 2025 and orders", "widens, negates or adds"),
        ("How many tickets did Cher sell in 2025 and 2024, and how many were VIP?", "compares"),
        ("Which artist sold the most tickets in 2025 and how many were VIP?", "ranks"),
        ("Tickets by month in 2025, and what was the average price?", "breaks down"),
        ("How many tickets did Cher sell in 2025 and how many were VIP in 2030?", "not happened"),
        ("How many tickets did Cher sell in 2025, and how many did country artists sell?", "changes both"),
    ],
)
def test_a_second_part_a_follow_up_would_misread_is_asked_apart(
    planner: DeterministicPlanner, question: str, why: str
) -> None:
    plan = planned(planner, question, CLOCK, None)
    assert not plan.calls and "two things" in (plan.reply or "") and why in (plan.reply or ""), plan.reply


def test_a_place_named_for_the_first_part_is_kept_when_the_second_points_back(
    planner: DeterministicPlanner,
) -> None:
    question = "How many tickets did Cher sell at Madison Square Garden in 2025, and how many did Dolly Parton sell there?"
    plan = planned(planner, question, CLOCK, None)
    named = [{k: v[1] for k, v in f.items()} for _, f, _ in _facts(plan)]
    assert named == [
        {"artist": "Cher", "venue": "Madison Square Garden"},
        {"artist": "Dolly Parton", "venue": "Madison Square Garden"},
    ]


def test_a_sum_said_with_plus_stays_one_request() -> None:
    assert split("What is the revenue in 2024 plus the revenue in 2025?") is None


@pytest.mark.parametrize(
    ("question", "first", "second"),
    [
        ("Much obliged. And how many orders was that, and how many buyers?", "And how many orders was that",
         "and how many buyers?"),  # a courtesy before: not a request of its own
        ("What did Cher make last month + how many orders was that", "What did Cher make last month",
         "and how many orders was that"),
        ("Tickets for Cher in 2025, and how many were VIP? Weekends only.",  # a remark on the whole
         "Tickets for Cher in 2025. Weekends only.", "and how many were VIP? Weekends only."),
    ],
)  # fmt: skip
def test_what_surrounds_the_two_requests_goes_with_both(question: str, first: str, second: str) -> None:
    parts = split(question)
    assert isinstance(parts, Parts) and (parts.first, parts.second) == (first, second)


def test_a_ranking_and_its_figure_with_a_remark_after_stay_one_question() -> None:
    assert split("Which city sold the most VIP tickets in 2025, and how many? Cities, not venues.") is None


def test_a_blank_to_fill_is_the_answer_and_each_blank_a_request(planner: DeterministicPlanner) -> None:
    one = planned(
        planner, "Fill in the blank: in the month before last, Cher sold ____ tickets.", CLOCK, None
    )
    assert one.calls and one.slots["metric"] == "tickets" and one.slots["filters"] == {"artist": [11, "Cher"]}
    two = planned(
        planner, "Fill in the blank: ____ tickets were sold in 2025, and ____ of them were VIP.", CLOCK, None
    )
    assert [f for _, f, _ in _facts(two)] == [{}, {"tier": "vip"}]
    said_once = planned(
        planner, "Fill in the blanks: Cher sold ____ tickets in 2025 and made $____ in revenue.", CLOCK, None
    )
    assert not said_once.calls and "2 blanks" in (said_once.reply or "")  # not the revenue alone
    compared = planned(
        planner, "Fill in the blanks: Cher sold ____ tickets in 2024 or ____ in 2025", CLOCK, None
    )
    assert len(compared.slots["compare"]["periods"]) == 2  # two figures, side by side


@pytest.mark.parametrize("opening", ["Howzit!", "Lekker,", "Ja, so", "Eish, bru,"])
def test_south_african_interjections_carry_no_meaning(planner: DeterministicPlanner, opening: str) -> None:
    plan = planned(planner, f"{opening} how many tickets did Cher sell in 2025?", CLOCK, None)
    assert plan.calls and plan.slots["filters"] == {"artist": [11, "Cher"]}, plan.reply


def test_one_of_the_last_answers_things_is_asked_again_with_its_name(planner: DeterministicPlanner) -> None:
    """After "Cher or Dolly Parton, who sold more?", "the second one" is Dolly Parton, which a
    follow-up does not carry: answered for everything before this was refused."""
    memory = Conversation("s")
    first = planned(planner, "Cher or Dolly Parton, who sold more tickets in 2025?", CLOCK, memory)
    memory.add("q", first.intent, first.slots, "", True)
    plan = planned(
        planner, "Ja, and the second one - how many concerts are still ahead of today?", CLOCK, memory
    )
    assert not plan.calls and "'the second one'" in (plan.reply or "")
    month = planned(planner, "How many tickets in the last one month?", CLOCK, None)  # a period
    assert month.calls and month.slots["metric"] == "tickets"


@pytest.mark.parametrize(
    "question",
    [  # a blank that stands for a name, a period or a place: no figure answers it
        "Fill in the blank: Cher sold 12,000 tickets in ____.",
        "Fill in the blank: ____ sold 12,000 tickets at Gillette Stadium in 2025.",
        "Fill in the blank: Cher sold 5,000 tickets at ____ in 2025.",
        # several figures in one part, or a breakdown for two blanks
        "Fill in the blanks: Cher sold ____ tickets in 2025, ____ in her best month.",
        "Fill in the blanks: Cher sold ____ tickets and ____ orders in 2025, and $____ in revenue.",
    ],
)
def test_a_blank_no_figure_answers_is_not_read(planner: DeterministicPlanner, question: str) -> None:
    assert not planned(planner, question, CLOCK, None).calls


@pytest.mark.parametrize(
    "question",
    [
        "Ja, tickets for Cher in 2025 - not online.",  # "but not VIP": answered without (test_chat_exclusions)
        "How many Cher concerts in 2025 were not cancelled?",
    ],
)
def test_a_tier_channel_or_cancellation_ruled_out_is_not_answered_as_kept(
    planner: DeterministicPlanner, question: str
) -> None:
    """The planner reads "VIP" and not its "not": refused rather than answered for VIP alone."""
    plan = planned(planner, question, CLOCK, None)
    assert not plan.calls, plan.slots


def test_a_second_blank_after_an_average_is_the_averages_own(planner: DeterministicPlanner) -> None:
    question = "Fill in the blank: the average order at Gillette Stadium in 2025 was $____ and ____ tickets."
    plan = planned(planner, question, CLOCK, None)
    assert not plan.calls and "second blank" in (plan.reply or "")


def test_ruled_out_names_what_the_plan_would_keep() -> None:
    vip = {"metric": "tickets", "filters": {"tier": "vip"}}
    assert kept("tickets for Cher in 2025, but not VIP", vip) == "not VIP"
    assert kept("Tickets for Cher in 2025, but not VIP", {"metric": "tickets", "filters": {}}) is None
    assert kept("Concerts in 2025 that were not cancelled", {"metric": "concerts", "cancelled": True})
    assert kept("VIP tickets in 2025, not online", vip) is None  # the channel is not kept


@pytest.mark.parametrize(
    ("question", "periods"),
    [
        ("How many tickets did Cher sell in Q1 2025 and how many in Q2?", ["Q1 2025", "Q2 2025"]),
        (
            "How many tickets were sold in January 2025, and how many in March?",
            ["January 2025", "March 2025"],
        ),
        ("Tickets sold in March 2025 and how many in the month of May?", ["March 2025", "May 2025"]),
    ],
)
def test_a_period_said_without_its_year_takes_the_first_parts(
    planner: DeterministicPlanner, question: str, periods: list[str]
) -> None:
    """ "In January 2025, and how many in March?" is March 2025, not the latest March (which the
    second part alone would read: March 2026 at this clock)."""
    plan = planned(planner, question, CLOCK, None)
    assert [label for _, _, label in _facts(plan)] == periods


def test_a_year_is_not_given_to_what_is_no_period(planner: DeterministicPlanner) -> None:
    plan = planned(
        planner, "How many tickets were sold in 2025, and how many may have been VIP?", CLOCK, None
    )
    assert not plan.calls and "period" in (plan.reply or "")  # "may" is no month here: not "May 2025"


@pytest.mark.parametrize(
    "question",
    [
        "How many tickets were sold in 2025, and how many from March to May?",  # a span, not March 2025
        "How many tickets were sold in 2025 and how many in March of the year before?",
        "How many tickets were sold in December 2025, and how many in the January after?",
        "How many tickets were sold in 2024, and how many in December to February?",  # a comparison
    ],
)
def test_a_period_said_against_the_first_parts_is_asked_apart(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = planned(planner, question, CLOCK, None)
    assert not plan.calls and "two things" in (plan.reply or ""), plan.reply


@pytest.mark.parametrize(
    "question",
    [
        "How many tickets were sold before 2025, and how many in March?",  # not March 2025
        "How many tickets did Tailgate 2008 sell last year, and how many in March?",  # a name's year
    ],
)
def test_a_year_that_is_no_period_of_the_first_part_is_not_carried(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = planned(planner, question, CLOCK, None)
    assert all("2008" not in str(p["slots"].get("period")) for p in plan.parts)
    assert not any((p["slots"].get("period") or {}).get("label") == "March 2025" for p in plan.parts)


def test_no_year_is_carried_from_a_number_that_is_no_period(planner: DeterministicPlanner) -> None:
    plan = planned(
        planner, "How many tickets did venues with over 2000 seats sell, and how many in March?", CLOCK, None
    )
    assert all("2000" not in str(p["slots"].get("period")) for p in plan.parts), plan.parts
