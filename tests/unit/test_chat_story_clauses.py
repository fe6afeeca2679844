"""Questions as people open them and point inside them: an opening clause in the asker's own
words ("Photo finish at X: ..."), "that state" or "that year" naming what the question itself
said before, a sentence's first word, a haiku's slashes; the misreadings a clause's unknown
words used to hide, each now read or refused ("refund dollars per refunded ticket",
"month-over-month", "the first four months of 2026", "after today", "no cancelled ones"); and
places counted through their sales ("in how many cities did we sell tickets")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chat.asker import story_words
from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.memory import Conversation
from chat.plan import Plan
from chat.vocabulary import Vocabulary, words
from cloud.dataapi.engine import Engine
from cloud.dataapi.server import dispatch
from consumers.warehouse.guard import guard
from tests.unit.local_warehouse import run, star_schema
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


def ask(planner: DeterministicPlanner, question: str, memory: Conversation | None = None) -> Plan:
    """The plan the chat would run: the planner's, through the coverage check."""
    return covered(question, planner.plan(question, CLOCK, memory))


def answered(plan: Plan) -> bool:
    return bool(plan.calls) and plan.intent in ("analytics", "concerts")


def _period(plan: Plan) -> tuple[datetime, datetime]:
    p = plan.slots["period"]
    return datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])


@pytest.mark.parametrize(
    ("question", "excused"),
    [
        ("Photo finish at Gillette Stadium: tickets in 2025", ["photo", "finish"]),
        (
            "Unit economics on refunds for last month: average refund",
            [],
        ),  # a measure: its words may qualify it
        ("Quick leaderboard: top 3 venues by revenue", ["leaderboard"]),
        ("Gift cards: revenue in 2025", []),  # a word that may name a subset of the data
        ("Boston suburbs: tickets at Gillette Stadium in 2025", []),
        ("Checking the form book on Cher - tickets in 2025", ["checking", "form", "book"]),
        ("Smallville venues: tickets in 2025", []),  # a place the vocabulary does not know
        ("Net of fees: revenue in 2025", []),  # a word that changes the figure
        ("Merch question: revenue in 2025", []),  # a topic, which the warehouse may not record
        ("How many runners were in the field - distinct artists with sales", []),  # the question itself
        ("Two candidate sites: tickets at Gillette Stadium", []),  # a number
    ],
)
def test_an_opening_clause_excuses_only_its_own_plain_words(question: str, excused: list[str]) -> None:
    said = words(question)
    assert [said[i][0] for i in sorted(story_words(question))] == excused


@pytest.mark.parametrize(
    ("question", "filters"),
    [
        ("Photo finish at Gillette Stadium: tickets sold in 2025?", {"venue"}),
        ("Circling back on Cher: how many tickets have they sold in 2025?", {"artist"}),
        ("Quick leaderboard: top 3 venues by 2025 ticket revenue", set()),
    ],
)
def test_a_story_clause_does_not_stop_the_answer(
    planner: DeterministicPlanner, question: str, filters: set[str]
) -> None:
    plan = ask(planner, question)
    assert answered(plan), plan.reply
    assert set(plan.slots.get("filters") or {}) == filters


@pytest.mark.parametrize(
    "question",
    [
        "Smallville venues: tickets in 2025",
        "Net of fees: revenue in 2025",
        "How many runners were in the field last month - distinct artists with sales?",
        "Photo finish at Gillette Stadium: tickets sold in 2025, counting only the comps",
        "Gift cards: revenue in 2025",
        "Abandoned carts: how many orders last month?",
        "Opening nights: tickets for Cher in 2025",
        "Portland leg: Cher tickets in 2025",
        "Boston here, how many tickets did Cher sell in 2025?",
        "Refunds ledger: how many tickets did Cher sell last month?",
        "Cyber monday: how many tickets were sold in 2025?",
    ],
)
def test_a_clause_that_may_change_the_question_still_stops_it(
    planner: DeterministicPlanner, question: str
) -> None:
    assert not answered(ask(planner, question))


@pytest.mark.parametrize(
    "question",
    [
        "refund dollars per refunded ticket last month",  # a total per ticket: no such measure
        "Unit economics on refunds for last month: refunded dollars per refunded ticket.",
        "month-over-month order counts in Houston in 2025",
        "Drill down on Houston: month-over-month order counts for 2025",
        "revenue / tickets in 2025",
        "revenue / seat at Gillette Stadium in 2025",
        "how many customers bought only once in 2025",
        "How many artists played Gillette Stadium once in 2025?",
        "how many artists with no cancelled shows played Gillette Stadium in 2025?",
        "which artist was the slowest to sell out in 2025?",
        "how many tickets were sold in ne last month",
        "tickets sold in 2025 for Cher concerts, skip the cancelled ones",  # a condition on the sales
    ],
)
def test_what_a_clause_used_to_hide_is_refused(planner: DeterministicPlanner, question: str) -> None:
    assert not answered(ask(planner, question))


def test_a_price_per_ticket_and_a_monthly_breakdown_are_still_read(planner: DeterministicPlanner) -> None:
    assert ask(planner, "average price per ticket in 2025").slots["metric"] == "avg_price"
    assert "per ticket" not in (
        ask(planner, "average orders per ticket buyer in 2025").reply or ""
    )  # a buyer
    today = ask(planner, "how many tickets were sold today on mobile")
    assert answered(today) and today.slots["period"]["label"].startswith("today")
    plan = ask(planner, "order counts in Houston in 2025, month by month")
    assert answered(plan) and plan.slots["group"] == "month"


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("orders in Houston for the first four months of 2026", (2026, 1), (2026, 5)),
        ("tickets in the last two months of 2025", (2025, 11), (2026, 1)),
        ("revenue in the first 3 months of 2025", (2025, 1), (2025, 4)),
    ],
)
def test_the_first_or_last_months_of_a_year(
    planner: DeterministicPlanner, question: str, start: tuple[int, int], end: tuple[int, int]
) -> None:
    plan = ask(planner, question)
    assert answered(plan), plan.reply
    assert _period(plan) == (datetime(*start, 1, tzinfo=UTC), datetime(*end, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    "question",
    [
        "the concert IDs for Cher that start after today, cancellations excluded, in date order",
        "give me the concert IDs of Cher's dates still ahead of today - no cancelled ones.",
        "list Cher concerts from today on, skip the cancelled ones",
    ],
)
def test_after_today_is_what_is_to_come_and_no_cancelled_ones_leaves_them_out(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert plan.intent == "concerts", plan.reply
    assert plan.slots["upcoming"] and not plan.slots.get("cancelled")
    assert "today" not in str((plan.slots.get("period") or {}).get("label", ""))


def test_today_alone_is_still_today(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "how many tickets were sold today")
    assert answered(plan) and _period(plan)[0] == datetime(2026, 5, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many orders came through for venues in Texas, all of them in that state, last month?", "state"),
        ("How many concerts did Cher play in 2025, concerts that started that year?", "artist"),
        ("How many VIP tickets did Gillette Stadium sell in 2025 at that venue?", "venue"),
    ],
)
def test_that_state_or_that_year_named_in_the_same_question_is_no_follow_up(
    planner: DeterministicPlanner, question: str, kind: str
) -> None:
    plan = ask(planner, question)
    assert answered(plan), plan.reply
    assert kind in (plan.slots.get("filters") or {})


@pytest.mark.parametrize(
    "question",
    [
        "how many orders came through for venues in that state last month?",
        "how many tickets did Cher sell that year?",
        "In 2025, how many tickets did Cher sell in that month?",  # a year said, a month pointed at
    ],
)
def test_that_state_with_nothing_before_still_points_back(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert not answered(plan) and "points back" in (plan.reply or "")


def test_the_figure_of_a_top_one_ranking_is_not_carried(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    first = ask(planner, "which state had the highest average order value last year?", memory)
    assert answered(first) and first.slots["top"] == 1
    memory.add(
        "which state had the highest average order value last year?", first.intent, first.slots, "", True
    )
    then = ask(planner, "And how many orders went into that figure?", memory)
    assert not answered(then) and "ranked first" in (then.reply or "")


def test_a_sentences_first_word_is_no_unknown_name(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "How many concerts does Cher have in the next thirty days? Skip the cancelled ones.")
    assert answered(plan), plan.reply
    assert not plan.slots.get("cancelled")
    assert not answered(ask(planner, "How many tickets in 2025? Smallville venues only."))


def test_a_slash_is_still_read_as_a_ratio_even_between_a_haikus_lines(planner: DeterministicPlanner) -> None:
    # "revenue / seat" is a ratio; telling it from a poem's line break is not worth a wrong answer
    plan = ask(planner, "Which venue in Texas / sold the most tickets in 2025? / Its name, and the count")
    assert not answered(plan) and "a ratio" in (plan.reply or "")


def test_every_venue_counted_is_all_of_them_together(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "tickets sold in 2025, every venue counted?")
    assert answered(plan), plan.reply
    assert not plan.slots.get("group")


def test_a_count_of_records_not_dollars_is_the_count(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "How many refunds were there in 2025? Count the refund records, not the dollars.")
    assert answered(plan), plan.reply
    assert plan.slots["metric"] == "refund_count"


def test_the_slowest_weekday_is_the_quietest(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "Slowest weekday of 2025: on which day of the week were the fewest tickets bought?")
    assert answered(plan), plan.reply
    assert plan.slots["group"] == "weekday" and plan.slots.get("order") == "asc"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Sales in Portland, OR, Portland, ME and Houston, TX in 2025, and a refund in Chicago."""
    engine = star_schema(tmp_path_factory.mktemp("places") / "w.duckdb")
    for n, (city, state) in enumerate(
        [("Portland", "OR"), ("Portland", "ME"), ("Houston", "TX"), ("Houston", "TX")]
    ):
        sql = (
            f"INSERT INTO fact_ticket_sales VALUES ('s{n}', {n}, 100, 11, {n + 1}, 7, '2025-05-01 10:00:00+00', "
            f"20250501, 'floor', 2, 50, 100, 'USD', 'web', 'mid', '{city}', '{state}', 1000, 1000, 'pop', "
            "50, 30, 2, 0.1)"
        )
        assert run(engine, sql)["Status"] == "FINISHED", sql
    yield engine
    engine.close()


@pytest.mark.parametrize(
    ("question", "metric", "count"),
    [
        ("In how many distinct cities did we sell tickets in 2025?", "cities_sold", 3),  # two Portlands
        ("How many distinct states, provinces included, had a ticket sale in 2025?", "states_sold", 3),
        ("how many cities in Texas sold tickets in 2025", "cities_sold", 1),
    ],
)
def test_places_are_counted_through_their_sales(
    planner: DeterministicPlanner, warehouse: Engine, question: str, metric: str, count: int
) -> None:
    plan = ask(planner, question)
    assert answered(plan) and plan.slots["metric"] == metric, plan.reply
    sql = plan.calls[0].args["sql"]
    guard(sql)
    result = dispatch(warehouse, "GetStatementResult", {"Id": run(warehouse, sql)["Id"]})
    assert next(iter(result["Records"][0][0].values())) == count


@pytest.mark.parametrize(
    "question",
    [
        "how many cities have venues",
        "how many states had refunds in 2025",
        "how many genres sold tickets in 2025",
        "how many states saw ticket sales drop in 2025?",
        "how many cities sold tickets for the first time in 2025?",
        "how many states sold tickets every month in 2025?",
    ],
)
def test_a_count_of_places_not_through_sales_is_still_refused(
    planner: DeterministicPlanner, question: str
) -> None:
    assert not answered(ask(planner, question))


def test_count_a_city_once_per_state_is_no_breakdown(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "In how many cities did we sell tickets in 2025? Count a city once per state")
    assert answered(plan) and plan.slots["metric"] == "cities_sold" and not plan.slots.get("group")


def _session(planner: DeterministicPlanner, *questions: str) -> Plan:
    memory = Conversation("s")
    plan = Plan("unknown")
    for q in questions:
        plan = ask(planner, q, memory)
        memory.add(q, plan.intent, plan.slots, "", plan.understood and bool(plan.calls))
    return plan


def test_a_ranking_that_names_no_scope_after_a_scoped_question_is_asked_back(
    planner: DeterministicPlanner,
) -> None:
    then = _session(
        planner,
        "how many tickets were sold at Texas venues last month?",
        "Which venue sold the most tickets?",
    )
    assert not answered(then) and "Texas, last month" in (then.reply or "")
    then = _session(
        planner, "how many tickets were sold in Houston in 2025?", "Which venue sold the most tickets?"
    )
    assert not answered(then) and "Houston, TX, 2025" in (then.reply or "")  # a city by its name
    # in Hinglish's order too ("most tickets which venue sold?")
    then = _session(
        planner,
        "Bhai, pichle mahine Texas ke venues mein total kitne tickets bike?",
        "Sabse zyada tickets kis venue ne beche?",
    )
    assert not answered(then) and "Texas" in (then.reply or "")


@pytest.mark.parametrize(
    "question",
    [
        "Which venue sold the most tickets overall?",
        "Which venue sold the most tickets in 2025?",
        "Which venue in Texas sold the most tickets?",
    ],
)
def test_a_ranking_that_says_its_scope_is_answered(planner: DeterministicPlanner, question: str) -> None:
    then = _session(planner, "how many tickets were sold at Texas venues last month?", question)
    assert answered(then), then.reply
