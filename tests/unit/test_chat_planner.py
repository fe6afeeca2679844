"""The deterministic planner: intents, slots, periods, follow-ups and plain refusals, with a
small fixed vocabulary; every SQL it writes passes the chat's SQL guard."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chat.deterministic_planner import DeterministicPlanner
from chat.memory import Conversation
from chat.periods import find_period
from chat.plan import Plan
from chat.vocabulary import Vocabulary
from consumers.warehouse.guard import guard

CLOCK = datetime(2026, 5, 6, 9, 32, tzinfo=UTC)
VENUES = [
    {"venue_id": 1, "name": "Gillette Stadium", "city": "Foxborough", "state": "MA"},
    {"venue_id": 2, "name": "Robertson Stadium", "city": "Houston", "state": "TX"},
    {"venue_id": 3, "name": "Chicago Theatre", "city": "Chicago", "state": "IL"},
    {"venue_id": 4, "name": "Madison Square Garden", "city": "New York City", "state": "NY"},
]
ARTISTS = [
    {"artist_id": 10, "name": "Chicago", "genre": "rock"},
    {"artist_id": 11, "name": "Cher", "genre": "pop"},
    {"artist_id": 12, "name": "Foo Fighters", "genre": "rock"},
    {"artist_id": 13, "name": "Yes", "genre": "rock"},
    {"artist_id": 14, "name": "Dolly Parton", "genre": "country"},
]


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


def ask(planner: DeterministicPlanner, question: str, memory: Conversation | None = None) -> Plan:
    plan = planner.plan(question, CLOCK, memory)
    for call in plan.calls:
        if call.tool == "query_warehouse" and plan.intent != "sql":
            guard(call.args["sql"])  # raises Refused if the planner wrote anything the guard refuses
    return plan


def remember(memory: Conversation, question: str, plan: Plan) -> None:
    memory.add(question, plan.intent, plan.slots, "", plan.understood and bool(plan.calls))


@pytest.mark.parametrize(
    ("question", "tool", "args"),
    [
        ("Predict ticket sales for concert 123", "predict_sales", {"concert_id": 123}),
        ("how many tickets will concert 9 sell?", "predict_sales", {"concert_id": 9}),
        ("Recommend concerts for customer 42", "recommend_concerts", {"customer_id": 42, "k": 10}),
        ("suggest 3 concerts for customer 7", "recommend_concerts", {"customer_id": 7, "k": 3}),
        ("Which venues will be most popular?", "rank_venues", {"top": 10}),
        ("rank the top 5 venues in Texas", "rank_venues", {"top": 5, "state": "TX"}),
        ("How is the pipeline doing?", "pipeline_status", {}),
        ("any dead letters?", "pipeline_status", {}),
        ("What tables are there?", "explain_schema", {}),
        ("describe dim_venue", "explain_schema", {"table": "dim_venue"}),
        ("SELECT COUNT(*) FROM dim_venue", "query_warehouse", {"sql": "SELECT COUNT(*) FROM dim_venue"}),
        ("run sql: DROP TABLE dim_venue", "query_warehouse", {"sql": "DROP TABLE dim_venue"}),
    ],
)
def test_each_tool_is_planned_with_its_arguments(
    planner: DeterministicPlanner, question: str, tool: str, args: dict[str, object]
) -> None:
    plan = ask(planner, question)
    assert [(c.tool, c.args) for c in plan.calls] == [(tool, args)]


@pytest.mark.parametrize(
    ("question", "metric", "group", "filters", "top"),
    [
        ("How many tickets were sold in Texas last month?", "tickets", None, {"state": "TX"}, None),
        ("Which venues in Texas sold out last month?", "sold_out", "venue", {"state": "TX"}, 200),
        ("Top 5 artists by revenue in 2025", "revenue", "artist", {}, 5),
        ("Which city sold the most tickets in March 2026?", "tickets", "city", {}, 1),
        ("Which 3 venues sold the fewest tickets?", "tickets", "venue", {}, 3),
        ("average ticket price for Foo Fighters", "avg_price", None, {"artist": [12, "Foo Fighters"]}, None),
        ("how many concerts in Chicago this year?", "concerts", None, {"city": ["Chicago", "IL"]}, None),
        ("revenue by Chicago in 2025", "revenue", None, {"artist": [10, "the artist Chicago"]}, None),
        (
            "tickets sold at Madison Square Garden",
            "tickets",
            None,
            {"venue": [4, "Madison Square Garden"]},
            None,
        ),
        ("How much money was refunded in 2025?", "refund_amount", None, {}, None),
        ("How many tickets were refunded last month?", "refunds", None, {}, None),
        (
            "average sell-through at Gillette Stadium",
            "sell_through",
            None,
            {"venue": [1, "Gillette Stadium"]},
            None,
        ),
        ("how many customers bought tickets in NY?", "customers", None, {"state": "NY"}, None),
        ("revenue per channel last month", "revenue", "channel", {}, None),
        ("How much revenue did musicals make?", "revenue", None, {"genre": "musicals"}, None),
    ],
)
def test_analytics_slots(
    planner: DeterministicPlanner, question: str, metric: str, group: str | None, filters: dict[str, object],
    top: int | None,
) -> None:  # fmt: skip
    plan = ask(planner, question)
    assert plan.intent == "analytics"
    assert (plan.slots["metric"], plan.slots["group"], plan.slots["filters"], plan.slots["top"]) == (
        metric, group, filters, top,
    )  # fmt: skip


def test_sql_carries_the_period_and_the_order(planner: DeterministicPlanner) -> None:
    sql = ask(planner, "Which 3 venues sold the fewest tickets last month?").calls[0].args["sql"]
    assert "'2026-04-01T00:00:00+00:00'" in sql and "'2026-05-01T00:00:00+00:00'" in sql
    assert "ORDER BY value ASC" in sql and sql.endswith("LIMIT 3")


def test_a_single_word_artist_name_needs_its_capital(planner: DeterministicPlanner) -> None:
    assert ask(planner, "revenue for Cher").slots["filters"] == {"artist": [11, "Cher"]}
    assert ask(planner, "yes, how many tickets were sold?").slots["filters"] == {}


@pytest.mark.parametrize(
    ("follow_up", "changed"),
    [
        ("and in Ohio?", {"state": "OH"}),
        ("what about Houston", {"city": ["Houston", "TX"]}),
        ("and for Foo Fighters?", {"state": "TX", "artist": [12, "Foo Fighters"]}),
    ],
)
def test_follow_ups_start_from_the_previous_question(
    planner: DeterministicPlanner, follow_up: str, changed: dict[str, object]
) -> None:
    memory = Conversation("s")
    first = ask(planner, "Which venues in Texas sold out last month?", memory)
    remember(memory, "q", first)
    plan = ask(planner, follow_up, memory)
    assert plan.slots["metric"] == "sold_out" and plan.slots["group"] == "venue"
    assert plan.slots["filters"] == changed and plan.slots["period"] == first.slots["period"]


def test_a_follow_up_can_change_the_period_then_the_metric(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    for question in ("How many tickets were sold in Ohio last month?", "what about in 2025?"):
        plan = ask(planner, question, memory)
        remember(memory, question, plan)
    assert plan.slots["period"]["label"] == "2025" and plan.slots["filters"] == {"state": "OH"}
    plan = ask(planner, "and the revenue?", memory)
    assert plan.slots["metric"] == "revenue" and plan.slots["period"]["label"] == "2025"


def test_follow_ups_of_predictions_and_recommendations(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    remember(memory, "q", ask(planner, "predict ticket sales for concert 5", memory))
    assert ask(planner, "and concert 6?", memory).calls[0].args == {"concert_id": 6}
    remember(memory, "q", ask(planner, "recommend concerts for customer 1", memory))
    assert ask(planner, "and customer 2?", memory).calls[0].args == {"customer_id": 2, "k": 10}


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("What's the weather like tomorrow?", "didn't understand"),
        ("Boston weather?", "didn't understand"),
        ("How many tickets did Nobody Known sell?", "'Nobody Known'"),
        ("How many tickets were sold in Atlantis last month?", "'Atlantis'"),
        ("Predict ticket sales", "Which concert?"),
        ("recommend something", "Which customer?"),
        ("and in Ohio?", "didn't understand"),
        ("", "Ask me something"),
    ],
)
def test_what_cannot_be_answered_is_said_plainly(
    planner: DeterministicPlanner, question: str, says: str
) -> None:
    plan = ask(planner, question)
    assert not plan.calls and not plan.understood and says in str(plan.reply)


def test_no_data_yet_is_said_plainly(planner: DeterministicPlanner) -> None:
    plan = planner.plan("How many tickets were sold in Texas?", None)
    assert not plan.calls and "no ticket sales yet" in str(plan.reply)


def test_a_name_inside_the_question_cannot_inject_sql() -> None:
    planner = DeterministicPlanner(
        Vocabulary.of(
            [{"venue_id": 9, "name": "X", "city": "O'Hare'; DROP TABLE dim_venue; --", "state": "IL"}], []
        )
    )
    sql = ask(planner, "how many tickets were sold in O'Hare'; DROP TABLE dim_venue; --").calls[0].args["sql"]
    assert "f.city = 'O''Hare''; DROP TABLE dim_venue; --'" in sql
    assert guard(sql).startswith("SELECT SUM(f.quantity)")  # one statement: the name stayed a literal


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("last month", "2026-04-01", "2026-05-01"),
        ("this month", "2026-05-01", "2026-06-01"),
        ("in March 2026", "2026-03-01", "2026-04-01"),
        ("in march", "2026-03-01", "2026-04-01"),
        ("in june", "2025-06-01", "2025-07-01"),
        ("in 2025", "2025-01-01", "2026-01-01"),
        ("last year", "2025-01-01", "2026-01-01"),
        ("last quarter", "2026-01-01", "2026-04-01"),
        ("Q3 2025", "2025-07-01", "2025-10-01"),
        ("the last 30 days", "2026-04-07", "2026-05-07"),
        ("the last two weeks", "2026-04-23", "2026-05-07"),
        ("yesterday", "2026-05-05", "2026-05-06"),
        ("last week", "2026-04-27", "2026-05-04"),
        ("since 2026-01-15", "2026-01-15", "2026-05-07"),
        ("between 2026-01-01 and 2026-01-31", "2026-01-01", "2026-02-01"),
        ("the next 2 weeks", "2026-05-07", "2026-05-21"),
        ("tickets sold 03/2025-06/2025", "2025-03-01", "2025-07-01"),
        ("CO tickets, 10/2025 - 12/2025", "2025-10-01", "2026-01-01"),
        ("from 11/2025 through 2/2026", "2025-11-01", "2026-03-01"),
        ("shows on in 06/2026", "2026-06-01", "2026-07-01"),
        ("give me Chicago's 2025 ticket revenue", "2025-01-01", "2026-01-01"),
    ],
)
def test_periods_resolve_against_the_data_clock(phrase: str, start: str, end: str) -> None:
    period = find_period(phrase, CLOCK)
    assert period is not None
    assert (period.start.date().isoformat(), period.end.date().isoformat()) == (start, end)
    assert find_period("how many tickets?", CLOCK) is None
    assert find_period("concerts that sold 2025 tickets", CLOCK) is None  # a count, not a year
    day = find_period("revenue from 13/01/2026 to 25/01/2026", CLOCK)  # day first: the only reading
    assert day is not None and (day.start.date(), day.end.date()) == (date(2026, 1, 13), date(2026, 1, 26))


def test_a_follow_up_in_other_words_keeps_the_ranking(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    steps = [
        ("top 3 states by revenue in 2025", "revenue", "2025"),
        ("same thing but tickets", "tickets", "2025"),
        ("and for this year", "tickets", "this year (2026)"),
        ("ok now in 2024", "tickets", "2024"),
    ]
    for question, metric, period in steps:
        plan = ask(planner, question, memory)
        slots = plan.slots
        assert (slots["metric"], slots["group"], slots["top"], slots["period"]["label"]) == (
            metric, "state", 3, period,
        ), question  # fmt: skip
        remember(memory, question, plan)


def test_genres_come_from_the_data_and_possessives_name_the_same_thing(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "and how many of Dolly Parton's shows got called off in 2025")
    assert plan.slots["metric"] == "cancelled" and plan.slots["filters"] == {"artist": [14, "Dolly Parton"]}
    assert ask(planner, "number of artists in country").slots["filters"] == {"genre": "country"}
    assert ask(planner, "rock revenue in 2025").slots["filters"] == {"genre": "rock"}


def test_a_follow_up_can_rank_the_last_answer_otherwise(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    first = ask(planner, "top 3 venues by units last month", memory)
    assert (first.slots["metric"], first.slots["group"], first.slots["top"]) == ("tickets", "venue", 3)
    remember(memory, "top 3 venues by units last month", first)
    plan = ask(planner, "rank them by takings instead", memory)
    assert (plan.slots["metric"], plan.slots["group"], plan.slots["top"]) == ("revenue", "venue", 3)
    assert plan.slots["period"]["label"] == "last month (April 2026)"
