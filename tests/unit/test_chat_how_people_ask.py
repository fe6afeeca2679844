"""How people ask, beyond the planner's words: who they are before the question, half-SQL,
units and hedges, half years and days written out, thresholds on seats, the best day of a month,
lists of cancelled concerts and of cities, and follow-ups that keep a comparison or point back
with "it". Each answered question uses all of what it asks (coverage) and its SQL runs on the
local warehouse; what cannot be used is still said, never dropped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chat.asker import set_aside
from chat.courtesy import set_aside as courtesy_set_aside
from chat.coverage import covered, uncovered
from chat.deterministic_planner import DeterministicPlanner
from chat.half_sql import is_half_sql, read
from chat.memory import Conversation
from chat.periods import find_period
from chat.plan import Plan
from chat.thresholds import seat_threshold
from chat.vocabulary import Vocabulary
from cloud.dataapi.engine import Engine
from consumers.warehouse.guard import guard
from tests.unit.local_warehouse import run, star_schema
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES


@pytest.fixture(scope="module")
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = star_schema(tmp_path_factory.mktemp("ask") / "w.duckdb")
    yield engine
    engine.close()


def ask(planner: DeterministicPlanner, question: str, memory: Conversation | None = None) -> Plan:
    plan = covered(question, planner.plan(question, CLOCK, memory))
    for call in plan.calls:
        guard(call.args["sql"])
    if memory is not None:
        memory.add(question, plan.intent, plan.slots, plan.reply or "", plan.understood and bool(plan.calls))
    return plan


@pytest.mark.parametrize(
    ("question", "left"),
    [
        ("CFO here, putting together a board slide: total revenue for 2025", "total revenue for 2025"),
        ("I'm the touring agent for Cher. Which city bought the most tickets?", "for Cher: Which city"),
        ("I supervise the box office at Gillette Stadium. Tickets in 2025?", "at Gillette Stadium: Tickets"),
        ("ballpark is fine: revenue this year", "revenue this year"),
        ("merch question: revenue in 2025", "merch question: revenue in 2025"),  # not an asker's word
        ("Cher: tickets in 2025", "Cher: tickets in 2025"),  # a name, not an asker
        ("Pub quiz, round 5, question 1: concerts in 2025", "concerts in 2025"),
        ("Catchment study for the shortlist: revenue in Ohio", "revenue in Ohio"),
        ("2025: revenue by month", "2025: revenue by month"),  # a year is never an asker's number
    ],
)
def test_who_asks_is_set_aside_and_the_names_in_it_kept(question: str, left: str) -> None:
    assert set_aside(question).startswith(left)


@pytest.mark.parametrize(
    ("shorthand", "words"),
    [
        ("sum(quantity) from ticket sales where state = TX and year = 2025", "tickets in TX in 2025"),
        (
            "count(distinct customer_id) where venue = Gillette Stadium",
            "number of distinct customers at Gillette",
        ),
        (
            "select artist, sum(revenue) where year = 2025 group by artist order by 2 desc limit 3",
            "top 3 artist",
        ),
        ("count(*) from concerts where status = cancelled", "number of cancelled concerts"),
        ("same but count(*)", "same but number of orders"),
        ("sum(quantity) from sales where mood = happy", "mood happy"),  # unknown words stay, to be said
    ],
)
def test_half_sql_is_read_as_the_question_it_stands_for(shorthand: str, words: str) -> None:
    assert is_half_sql(shorthand)
    assert words in read(shorthand)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT COUNT(*) FROM fact_ticket_sales WHERE channel = 'web'",
        "SELECT * FROM event_log",  # a table the guard refuses, and says why
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT 1; DROP TABLE dim_venue",
    ],
)
def test_sql_over_any_real_table_or_with_two_statements_stays_sql(sql: str) -> None:
    assert not is_half_sql(sql) and read(sql) == sql


def test_words_that_are_not_sql_stay_words() -> None:
    assert read("how many tickets in 2025") == "how many tickets in 2025"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("revenue for h1 2025", "H1 2025"),
        ("tickets in the second half of 2025", "H2 2025"),
        ("refunds since january", "since January 2026"),
        ("concerts between may 20 and june 10, 2026", "2026-05-20 to 2026-06-10"),
        ("sales on 3rd of march 2026", "2026-03-03"),
        ("cher's 2025 tickets", "2025"),
        ("the 2025 ticket total", "2025"),  # a year before "ticket total", not 2025 tickets
        ("orders last weekend", "last weekend"),
        ("which city had the least 2025 revenue", "2025"),  # a year after "least", not a count
        ("which venue sold the most 2025 tickets", "2025"),  # (it was answered for all time)
        ("refunds since 15/02/2026", "since 2026-02-15"),  # a day-first date after "since"
        ("the fewest 2024 orders by state", "2024"),
    ],
)
def test_periods_written_as_people_write_them(text: str, label: str) -> None:
    period = find_period(text, CLOCK)
    assert period is not None and period.label.startswith(label), period


def test_a_count_before_a_month_is_not_a_day() -> None:
    period = find_period("top 20 may 2026 artists", CLOCK)
    assert period is not None and period.label == "May 2026"


@pytest.mark.parametrize(
    ("text", "threshold"),
    [
        ("venues over 15,000 seats", (">", 15000)),
        ("a capacity of at least 20,000", (">=", 20000)),
        ("capacity >= 5000", (">=", 5000)),
        ("20k+ seats", (">=", 20000)),
        ("venues that hold under 2000 people", ("<", 2000)),
        ("more than 500 tickets", None),
        ("tickets sold over 2025", None),
    ],
)
def test_a_threshold_on_seats(text: str, threshold: tuple[str, int] | None) -> None:
    assert seat_threshold(text) == threshold


ANSWERED: list[tuple[str, dict[str, Any]]] = [
    ("CFO here, building the board slide: gross ticket revenue for 2025, in dollars?", {"metric": "revenue"}),
    (
        "ballpark is fine: what has Gillette Stadium grossed YTD?",
        {"metric": "revenue", "period": "this year"},
    ),
    ("refund total in USD since January?", {"metric": "refund_amount", "period": "since January 2026"}),
    ("Gillette Stadium: 2025 ticket revenue in $K (rounded to the thousand is fine)", {"metric": "revenue"}),
    ("tickets in Texas H1 2025", {"filters": {"state": "TX"}, "period": "H1 2025"}),
    ("H1 2025 vs H2 2025 revenue", {"compare": {"periods": "two"}}),
    (
        "sum(quantity) from ticket sales where state = TX and year = 2025",
        {"metric": "tickets", "period": "2025"},
    ),
    (
        "select month, count(*) from orders where year = 2025 group by month",
        {"metric": "orders", "group": "month"},
    ),
    ("which TX venues seat more than 15,000?", {"metric": "capacity", "filters": {"seats": [">", 15000]}}),
    ("TX: count of venues with a capacity of at least 20,000", {"metric": "venues", "group": None}),
    ("tickets sold at venues with over 40,000 seats in 2025", {"metric": "tickets", "period": "2025"}),
    ("quietest day of March 2026 for ticket sales", {"group": "day", "top": 1, "order": "asc"}),
    ("best day of the week for revenue", {"group": "weekday"}),
    ("list Cher's cancelled gigs", {"cancelled": True}),
    ("TX cities where we've got venues - list them", {"metric": "venues", "group": "city"}),
    ("IL 2025 revenue split into Q1, Q2, Q3 and Q4", {"group": "quarter", "period": "2025"}),
    ("what % of Cher's 2025 tickets were sold on a weekend?", {"share": True, "period": "2025"}),
    ("how many concerts are scheduled between May 20 and June 10, 2026, both dates included?", {}),
    ("orders in the second-to-last month", {"metric": "orders", "period": "the month before last"}),
    ("put refunds in 2024 beside 2025", {"compare": {"periods": "two"}}),
    ("this week's orders alongside last week's", {"compare": {"periods": "two"}}),
    ("Pub quiz, round 5, question 1: how many concerts in 2025", {"metric": "concerts", "period": "2025"}),
    (
        "Sorry to trouble you - would you happen to know the refunds in March 2026? #ops",
        {"metric": "refunds"},
    ),
    ("GET /api/v2/stats?metric=refunds&state=TX&year=2024 - value?", {"metric": "refunds", "period": "2024"}),
    ("stats-cli --metric revenue --artist Cher --from 2025-01-01 --to 2025-03-31", {"metric": "revenue"}),
    (
        '{"metric": "orders", "bucket": "quarter", "year": 2025} -> rows?',
        {"metric": "orders", "group": "quarter"},
    ),
    ("revenue by week from 2026-04-06 to 2026-04-26", {"metric": "revenue", "group": "week"}),
    (
        "Given box-office sales in Q1 2026, when summing quantity, then the expected total should be?",
        {"metric": "tickets", "period": "Q1 2026"},
    ),
    ("the ticket tally of app purchases in 2025", {"metric": "tickets"}),
    ("Sure what did the punters spend in 2025?", {"metric": "revenue", "period": "2025"}),
    ("footfall at Gillette Stadium in 2025", {"metric": "tickets"}),
    ("how many shows got called off across our whole history?", {"metric": "cancelled"}),
    ("Quiz night, round 2: top 2 cities by revenue in 2024", {"metric": "revenue", "top": 2}),
    ("how much did the fans spend at Gillette Stadium in 2025?", {"metric": "revenue"}),
]


@pytest.mark.parametrize(("question", "expected"), ANSWERED, ids=[q for q, _ in ANSWERED])
def test_answered_with_everything_asked(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    plan = ask(planner, question)
    assert plan.calls, plan.reply
    for key, value in expected.items():
        if key == "period":
            assert value in plan.slots["period"]["label"], plan.slots["period"]
        elif key == "filters":
            assert all(plan.slots["filters"].get(k) == v for k, v in value.items()), plan.slots["filters"]
        elif key == "compare" and "dim" in value:
            assert plan.slots["compare"]["dim"] == value["dim"], plan.slots["compare"]
        elif key == "compare":
            assert len(plan.slots["compare"]["periods"]) == 2
        else:
            assert plan.slots.get(key) == value, (key, plan.slots)
    assert uncovered(question, plan) == []
    assert run(warehouse, plan.calls[0].args["sql"])["Status"] == "FINISHED"


@pytest.mark.parametrize(
    "question",
    [
        "sold more than 500 tickets at venues with over 10000 seats",  # a threshold on a measure
        "sum(quantity) from parking where year = 2025",  # a table the warehouse does not have
        "venues with capacity >= 5000 and revenue > 1000",
    ],
)
def test_what_cannot_be_used_is_still_said(planner: DeterministicPlanner, question: str) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_a_follow_up_keeps_a_comparison_of_two_things(planner: DeterministicPlanner) -> None:
    memory = Conversation("c")
    first = ask(planner, "did Cher sell more tickets than Foo Fighters in 2025?", memory)
    assert first.slots["compare"]["dim"] == "artist"
    money = ask(planner, "and revenue-wise?", memory)
    assert money.slots["metric"] == "revenue" and money.slots["compare"] == first.slots["compare"]
    later = ask(planner, "what about this year so far", memory)
    assert later.slots["compare"] == first.slots["compare"] and "2026" in later.slots["period"]["label"]


def test_a_new_filter_after_two_periods_asks_of_the_later_one(planner: DeterministicPlanner) -> None:
    memory = Conversation("p")
    ask(planner, "Cher revenue in march 2026", memory)
    compared = ask(planner, "how does that compare with february?", memory)
    assert len(compared.slots["compare"]["periods"]) == 2
    other = ask(planner, "ok now Foo Fighters", memory)
    assert not other.slots.get("compare") and other.slots["period"]["label"] == "March 2026"


def test_it_points_back_to_the_thing_asked_about(planner: DeterministicPlanner) -> None:
    memory = Conversation("i")
    where = ask(planner, "in which city is situated Gillette Stadium?", memory)
    assert where.slots["group"] == "city"
    seats = ask(planner, "And how many places does it have? I mean the capacity", memory)
    assert seats.slots["metric"] == "capacity" and seats.slots["group"] is None
    hosted = ask(planner, "How many concerts it has received during 2025?", memory)
    assert hosted.slots["metric"] == "concerts" and hosted.slots["filters"]["venue"] == [
        1,
        "Gillette Stadium",
    ]
    assert hosted.slots["group"] is None and hosted.slots["top"] is None
    alone = ask(planner, "How many concerts has it hosted in 2025?")
    assert not alone.calls and "points back" in (alone.reply or "")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("turnover from 01.04.2025 to 30.06.2025", "2025-04-01 to 2025-06-30"),  # dots: day first
        ("tickets from the 1st of september to the 30th of november 2025", "2025-09-01 to 2025-11-30"),
        ("refunds in the 4th quarter of 2025", "Q4 2025"),
    ],
)
def test_more_ways_of_writing_a_period(text: str, label: str) -> None:
    period = find_period(text, CLOCK)
    assert period is not None and period.label.startswith(label), period


MORE: list[tuple[str, dict[str, Any]]] = [
    ("revenue • Texas • Jan\u2013Mar '26", {"period": "January to March 2026"}),  # dashes and '26
    ("tix per order • TX • 3Q25", {"metric": "avg_order_tickets", "period": "Q3 2025"}),
    ("What is the total of orders that were made in the past fortnight?", {"period": "the last 14 days"}),
    (
        "hi! intern here, first week, sorry if this is a silly one: how much money did we refund last month?",
        {},
    ),
    ("count of distinct acts that had a show in Houston during 2025", {"metric": "artists_playing"}),
    ("how many venues sold tickets in 2025", {"metric": "venues_sold", "period": "2025"}),
    ("number of venues with at least one refund in Q1 2026", {"metric": "venues_refunded"}),
    ("how many acts play country music", {"metric": "artists", "filters": {"genre": "country"}}),
    ("How many artists of the genre rock exist in the catalog?", {"metric": "artists", "group": None}),
    (
        "the sell-through of the concerts of Houston in October 2025",
        {"metric": "sell_through", "group": None},
    ),
]


@pytest.mark.parametrize(("question", "expected"), MORE, ids=[q for q, _ in MORE])
def test_answered_with_everything_asked_in_other_words(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    test_answered_with_everything_asked(planner, warehouse, question, expected)


@pytest.mark.parametrize(
    "question",
    [
        "how many customers placed exactly one order in 2025?",  # each customer's count first
        "venues in TX with zero VIP sales in Q1 2026",  # what did not happen, narrower than none
        "how many different venues sold their tickets that year?",  # 'that year' with no year before
    ],
)
def test_conditions_the_plans_cannot_compute_are_said(planner: DeterministicPlanner, question: str) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_a_month_or_year_the_plan_does_not_hold_is_reported() -> None:
    from chat.plan import ToolCall

    sql = "SELECT SUM(f.revenue) AS value FROM fact_ticket_sales AS f"
    march = find_period("march 2026", CLOCK)
    assert march is not None
    slots: dict[str, Any] = {"metric": "revenue", "group": None, "filters": {}, "period": march.to_dict()}
    narrower = Plan("analytics", [ToolCall("query_warehouse", {"sql": sql})], slots, planner="bedrock")
    assert "the period" in uncovered("revenue from january to march 2026", narrower)
    assert "the period" in uncovered("revenue in march 2025", narrower)
    assert uncovered("revenue in march 2026", narrower) == []


def test_splitting_by_a_kind_drops_the_filter_of_that_kind(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    ask(planner, "upper tier tickets in Texas in 2025", memory)
    split = ask(planner, "ok now split it all by tier pls", memory)
    assert split.slots["group"] == "tier" and "tier" not in split.slots["filters"]
    assert split.slots["filters"]["state"] == "TX"


def test_a_follow_up_names_a_quarter_of_the_last_questions_year(planner: DeterministicPlanner) -> None:
    memory = Conversation("q")
    ask(planner, "average ticket price in Houston for february 2025", memory)
    quarter = ask(planner, "and what about the whole first quarter", memory)
    assert quarter.slots["period"]["label"] == "Q1 2025"


def test_a_first_letter_is_not_a_typo() -> None:
    from chat.understood import correct

    assert correct("still learning the data") == "still learning the data"
    assert correct("tikcets sold") == "tickets sold"


THIRD: list[tuple[str, dict[str, Any]]] = [
    ("tickets TX 2025-Q3", {"period": "Q3 2025"}),
    ("What did ticket revenue come to in the year before last?", {"period": "2024"}),
    ("How many concerts was cancelled in 2025? (by date of concert)", {"metric": "cancelled", "group": None}),
    (
        "how many Gillette Stadium concerts had at least one refund issued during 2025?",
        {"metric": "concerts_refunded"},
    ),
    (
        "Gillette Stadium: HOW MANY SEATS IN TOTAL?",
        {"metric": "capacity", "filters": {"venue": [1, "Gillette Stadium"]}},
    ),
    (
        "GIVE ME THE MEAN PRICE PAID PER Cher TICKET, CALENDAR 2025",
        {"metric": "avg_price", "filters": {"artist": [11, "Cher"]}},
    ),
    ("TICKETS IN TX IN 2025", {"filters": {"state": "TX"}, "period": "2025"}),
    ("Which 4 states had the highest average order value in the back half of 2025?", {"period": "H2 2025"}),
    (
        "Which day of the week do Cher fans buy the most tickets on?",
        {"metric": "tickets", "group": "weekday"},
    ),
    ("Fridays vs Saturdays: tickets sold in 2025", {"compare": {"dim": "days"}, "period": "2025"}),
    (
        "mobile and web, which one has more revenue in 2025/10/01~2025/12/31?",
        {"compare": {"dim": "channel"}, "period": "2025-10-01 to 2025-12-31"},
    ),
]


@pytest.mark.parametrize(("question", "expected"), THIRD, ids=[q for q, _ in THIRD])
def test_answered_as_asked_in_capitals_keywords_and_ranges(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    test_answered_with_everything_asked(planner, warehouse, question, expected)
    assert ask(planner, question).slots["filters"].get("state") not in ("IN", "ME", "OK")


@pytest.mark.parametrize(
    "question",
    [
        "ddl pls: alter dim_artist, new column manager_email",
        "How many customers bought in 2025 and then came back and bought again in 2026?",
        "and what did those bring in, in dollars?",  # a follow-up with nothing before it
        "same list but ranked by revenue",
        "Also the number of orders, please.",
    ],
)
def test_writes_cohorts_and_orphan_follow_ups_are_not_answered(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_a_follow_up_moves_to_the_period_before_or_to_all_time(planner: DeterministicPlanner) -> None:
    memory = Conversation("b")
    week = ask(planner, "how many orders came in over the last 7 days?", memory)
    prior = ask(planner, "what about the seven days prior to those?", memory)
    assert prior.slots["period"]["end"] == week.slots["period"]["start"]
    ask(planner, "average ticket price for Cher in 2025", memory)
    ever = ask(planner, "AND ACROSS ALL TIME", memory)
    assert ever.slots["period"] is None and ever.slots["filters"]["artist"] == [11, "Cher"]


FOURTH: list[tuple[str, dict[str, Any]]] = [
    (
        "Hi team, hope all is well. Could you let me know how many tickets were sold for Gillette Stadium"
        " in 2025? Many thanks, Marta",
        {"metric": "tickets", "filters": {"venue": [1, "Gillette Stadium"]}, "period": "2025"},
    ),
    ("hey :wave: how much rev did we do yesterday? ty", {"metric": "revenue", "period": "yesterday"}),
    (
        "Dear all, may I ask how many venues in TX hold more than 10,000 people? Kind regards, Ahmed",
        {"metric": "venues", "filters": {"state": "TX"}},
    ),
    ("Kindly share the average ticket price of Cher for the year 2025.", {"metric": "avg_price"}),
    ("Help me check how many tickets TX sold in 2025 second half year.", {"period": "H2 2025"}),
    (
        "For my master's thesis I need one number: total tickets sold on the platform over the interval"
        " [2025-07-01, 2025-10-01).",
        {"metric": "tickets", "period": "2025-07-01 to 2025-09-30"},
    ),
    ("How many venues are there in Houston? It's for a council briefing.", {"metric": "venues"}),
    (
        "Please share the quarter-wise revenue for TX from 2025 till date.",
        {"group": "quarter", "period": "since 2025"},
    ),
    ("revenue by quarter in TX from 2025-01-01 until now", {"period": "2025-01-01 to 2026-05-06"}),
    ("tickets in Houston in the first quarter of this year", {"period": "Q1 2026"}),
    ("number of refunds per quarter in 2025", {"metric": "refund_count", "group": "quarter"}),
    (
        "Hi, could you provide daily ticket counts from 1 to 7 March 2026? Thanks, Jo",
        {"group": "day", "period": "2026-03-01 to 2026-03-07"},
    ),
    ("In 2025, how many of our concerts ended up cancelled?", {"metric": "cancelled", "group": None}),
    ("median order value last month? :thinking_face:", {"metric": "median_order_value"}),
    (
        "For the audit file: what was the largest single refund amount recorded in 2025?",
        {"metric": "max_refund"},
    ),
    (
        "biggest single order by value in Texas in 2025",
        {"metric": "max_order_value", "filters": {"state": "TX"}},
    ),
    ("how many orders were placed in the prior quarter?", {"metric": "orders", "period": "Q1 2026"}),
    ("Which venues in TX can hold 15,000 people or more?", {"metric": "capacity"}),
    (
        "How much money was refunded during 2025 because the concert was cancelled?",
        {"metric": "refund_amount", "group": None, "filters": {"reason": "concert_cancelled"}},
    ),
    ("customer-requested refunds in 2025, in dollars", {"filters": {"reason": "customer_request"}}),
    (
        "How much revenue was brought in per distinct customer in TX during 2025?",
        {"metric": "revenue_per_customer"},
    ),
    (
        "Mobile orders week by week for the Monday-start weeks from 2 February to 1 March 2026.",
        {"metric": "orders", "group": "week", "filters": {"channel": "mobile"}},
    ),
    ("how many concerts in Houston in 2025, excluding cancelled shows", {"metric": "concerts"}),
    ("uh, hey, what's the average, um, refund amount for last quarter?", {"metric": "avg_refund"}),
    (
        "orders per distinct customer for the first half of 2025 (sales rows divided by unique customer_id)",
        {"metric": "orders_per_customer", "period": "H1 2025"},
    ),
    (
        "What was the largest number of tickets bought in one order during 2025?",
        {"metric": "max_order_tickets"},
    ),
    (
        "Houston in 2025 year had how many concerts? Please let me know, cancelled ones not counted.",
        {"metric": "concerts", "period": "2025"},
    ),
]


@pytest.mark.parametrize(("question", "expected"), FOURTH, ids=[q[:60] for q, _ in FOURTH])
def test_answered_as_asked_in_mails_chats_intervals_and_other_englishes(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    test_answered_with_everything_asked(planner, warehouse, question, expected)


@pytest.mark.parametrize(
    "question",
    [
        "What percentage of the concerts scheduled to start in 2025 ended up cancelled?",  # a rate
        "In March 2026, which of the Houston venues had zero mobile sales?",  # what did not sell, by channel
    ],
)
def test_rates_and_absences_are_said_not_answered(planner: DeterministicPlanner, question: str) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_a_misread_question_that_named_a_new_subject_breaks_the_chain(planner: DeterministicPlanner) -> None:
    memory = Conversation("k")
    ask(planner, "average order value in Houston for H2 2025", memory)
    misread = ask(planner, "and the zorblax in Foxborough?", memory)
    assert not misread.calls
    assert not ask(planner, "and for all of 2025?", memory).calls, "Foxborough or Houston: unknown"
    pointing = ask(planner, "same thing for Texas?", memory)
    assert not pointing.calls and "did not understand the last one" in (pointing.reply or "")


def test_a_misread_question_that_named_nothing_new_keeps_the_chain(planner: DeterministicPlanner) -> None:
    memory = Conversation("n")
    ask(planner, "average order value in Houston for H2 2025", memory)
    assert not ask(planner, "which of the two did better?", memory).calls
    year = ask(planner, "and for all of 2025?", memory)
    assert year.calls and year.slots["filters"]["city"] == ["Houston", "TX"]


def test_those_points_back_to_what_the_last_answer_counted(planner: DeterministicPlanner) -> None:
    memory = Conversation("t")
    ask(planner, "how many tickets did Houston venues sell in Q1 2026?", memory)
    box = ask(planner, "how much money did those box-office sales bring in?", memory)
    assert box.calls, box.reply
    assert box.slots["filters"].get("city") == ["Houston", "TX"] and box.slots["period"]["label"] == "Q1 2026"
    assert ask(planner, "how much money did those box-office sales bring in?").calls == []


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("Which venue sold most? Best Buy Theater", "Which venue sold most? Best Buy Theater"),  # no comma
        ("Revenue at 10:30:00 today?", "Revenue at 10:30:00 today?"),  # a time, not an emoji
        ("Good morning, revenue in 2025? Thanks in advance! Best, Lena", "revenue in 2025?"),
        ("refunds in May 2026? #finance #q2", "refunds in May 2026?"),  # a post's hashtags
        ("the #1 venue in 2025", "the #1 venue in 2025"),  # a rank, not a hashtag
        (
            "Not sure if this is even possible, but could you tell me refunds in 2025? No worries if not.",
            "refunds in 2025?",
        ),
        (
            "Sorry if this is a silly one - revenue at Fenway Park in Q1 2026, if that's something you can check?",
            "revenue at Fenway Park in Q1 2026",
        ),
        (
            "If it isn't too much trouble, orders per week in March 2026? Whatever is easiest.",
            "orders per week in March 2026?",
        ),
        ("Writing the newsletter ✍️ revenue in 2025", "Writing the newsletter - revenue in 2025"),
    ],
)
def test_only_a_greeting_a_sign_off_and_emoji_are_set_aside(message: str, question: str) -> None:
    from chat.courtesy import set_aside as courtesy

    assert courtesy(message) == question


@pytest.mark.parametrize(
    "question",
    [
        "which artists are playing Gillette Stadium in the first half of 2026?",
        "Good morning, could you let me know which artists are booked at Gillette Stadium from now on?",
    ],
)
def test_which_artists_play_a_venue_lists_artists_not_concerts(
    planner: DeterministicPlanner, warehouse: Engine, question: str
) -> None:
    plan = ask(planner, question)
    assert plan.intent == "concerts" and plan.slots.get("of") == "artist", plan.reply
    sql = plan.calls[0].args["sql"]
    assert "GROUP BY a.artist_id" in sql and run(warehouse, sql)["Status"] == "FINISHED"


def test_a_follow_up_after_an_interjection_and_a_dash_keeps_the_question(
    planner: DeterministicPlanner,
) -> None:
    memory = Conversation("c")
    ask(planner, "whats the avg order value in Houston for H2 2025? :moneybag:", memory)
    same = ask(planner, "cool - same thing for Foxborough?", memory)
    assert same.calls, same.reply
    assert same.slots["metric"] == "avg_order_value" and same.slots["period"]["label"].startswith("H2 2025")
    assert same.slots["filters"]["city"] == ["Foxborough", "MA"]


def test_the_seats_of_the_venue_a_conversation_is_about(planner: DeterministicPlanner) -> None:
    memory = Conversation("v")
    ask(planner, "Gillette Stadium concerts in 2025", memory)
    for question in (
        "how many people can it hold?",
        "This venue can hold how many people?",
        "what is its capacity?",
    ):
        seats = ask(planner, question, memory)
        assert seats.calls, seats.reply
        assert seats.slots["metric"] == "capacity" and seats.slots["period"] is None
        assert seats.slots["filters"]["venue"] == [1, "Gillette Stadium"]
    alone = ask(planner, "how many people can this venue hold?")
    assert not alone.calls and "points back" in (alone.reply or "")


def test_what_that_represents_and_a_restriction_follow_the_conversation(
    planner: DeterministicPlanner,
) -> None:
    memory = Conversation("r")
    ask(planner, "What was total ticket revenue at Gillette Stadium in 2025?", memory)
    ask(planner, "And for Robertson Stadium?", memory)
    tickets = ask(planner, "How many tickets does that represent?", memory)
    assert tickets.calls and tickets.slots["metric"] == "tickets"
    assert tickets.slots["filters"]["venue"] == [2, "Robertson Stadium"]
    vip = ask(planner, "Restrict that to VIP, please.", memory)
    assert vip.calls and vip.slots["metric"] == "tickets" and vip.slots["filters"]["tier"] == "vip"
    assert not ask(planner, "How many tickets does that represent?").calls, "nothing to point back to"


def test_a_refund_reason_filters_refunds_and_nothing_else(planner: DeterministicPlanner) -> None:
    memory = Conversation("f")
    ask(planner, "For the audit file: total refund amount per quarter for 2025.", memory)
    ask(planner, "Now the count of refund records per quarter.", memory)
    cancelled = ask(planner, "Restrict that to refunds issued because the concert was cancelled.", memory)
    assert cancelled.calls, cancelled.reply
    assert cancelled.slots["metric"] == "refund_count" and cancelled.slots["group"] == "quarter"
    assert cancelled.slots["filters"]["reason"] == "concert_cancelled"
    assert "f.reason = 'concert_cancelled'" in cancelled.calls[0].args["sql"]
    sold = ask(planner, "tickets sold in 2025 because the concert was cancelled")
    assert not sold.calls and "no refund reason" in (sold.reply or "")


def test_cancelled_ones_left_out_is_not_a_measure_and_mondays_start_weeks(
    planner: DeterministicPlanner,
) -> None:
    artists = ask(
        planner, "In Q1 of 2026 year, which artists performed in Houston? Cancelled concerts not included."
    )
    assert artists.calls and artists.slots.get("of") == "artist" and not artists.slots.get("cancelled")
    weeks = ask(planner, "Mobile orders week by week for the Monday-start weeks in Q1 2026")
    assert "days" not in weeks.slots["filters"], "a Monday-start week is not a filter on Mondays"


def test_which_of_the_two_compared_keeps_the_comparison(planner: DeterministicPlanner) -> None:
    memory = Conversation("w")
    ask(planner, "who sold more tickets in 2025 - Houston or Chicago?", memory)
    money = ask(planner, "And by money? Which city has more revenue then?", memory)
    assert money.calls and money.slots["metric"] == "revenue" and money.slots["compare"]["dim"] == "city"


def test_an_id_is_not_idaho_and_instead_of_names_the_measure_replaced(planner: DeterministicPlanner) -> None:
    top = ask(
        planner, "Fraud desk: which customer ID bought the most tickets in 2025? Just the ID and the count."
    )
    assert top.calls and top.slots["group"] == "customer" and "state" not in top.slots["filters"]
    assert ask(planner, "tickets sold in ID in 2025").slots["filters"]["state"] == "ID"
    memory = Conversation("i")
    ask(planner, "ticket revenue per quarter of 2025 at Houston venues", memory)
    tickets = ask(planner, "What about tickets instead of revenue?", memory)
    assert tickets.calls and tickets.slots["metric"] == "tickets" and tickets.slots["group"] == "quarter"


def test_the_previous_year_after_a_year_is_the_year_before_it(planner: DeterministicPlanner) -> None:
    memory = Conversation("p")
    ask(planner, "revenue in Texas in 2024", memory)
    before = ask(planner, "and the previous year?", memory)
    assert before.calls and before.slots["period"]["start"].startswith("2023-01-01")
    alone = ask(planner, "tickets in TX during the previous year")
    assert alone.slots["period"]["label"].startswith("last year (2025)")


FIFTH: list[tuple[str, dict[str, Any]]] = [
    ("Revenue for Texas in week 12 of 2026?", {"metric": "revenue", "period": "week 12 of 2026 (2026-03-16"}),
    ("orders per day, 2026-W10", {"group": "day", "period": "week 10 of 2026 (2026-03-02 to 2026-03-08)"}),
    (
        "Daily tickets for the week before last, Monday through Sunday",
        {"group": "day", "period": "the week before last"},
    ),
    ("revenue the month before last", {"period": "the month before last (March 2026)"}),
    ("How many tickets did Cher sell under 2025?", {"metric": "tickets", "period": "2025"}),
    ("Orders in Texas Tuesday through Thursday in 2025", {"filters": {"days": [2, 3, 4]}}),
    (
        "What share of 2025 revenue came Monday to Friday?",
        {"share": True, "filters": {"days": [1, 2, 3, 4, 5]}},
    ),
    ("Please tally the shows in 2025 that were called off.", {"metric": "cancelled", "group": None}),
    ("How many unique buyers received a refund in 2025?", {"metric": "customers_refunded"}),
    (
        "which state had the largest refund total in dollars in 2025",
        {"metric": "refund_amount", "group": "state"},
    ),
    ("Which month of 2025 saw the most refund transactions?", {"metric": "refund_count", "group": "month"}),
    ("revenue.sum() / customer_id.nunique() in 2025", {"metric": "revenue_per_customer"}),
    ("df[df.state == 'TX'].quantity.sum() in 2025", {"metric": "tickets", "filters": {"state": "TX"}}),
    ("groupby('channel') revenue.sum() for 2025", {"metric": "revenue", "group": "channel"}),
    ("dim_venue rows where state == 'TX' - names only", {"metric": "capacity", "group": "venue"}),
    (
        "As a booking assistant, I want to know how many orders came in last week, so that I can plan shifts.",
        {"metric": "orders", "period": "last week"},
    ),
    ("As the tour manager for Cher, I want the revenue of 2025.", {"filters": {"artist": [11, "Cher"]}}),
    (
        "Houston concerts per quarter in 2025, without cancellations",
        {"metric": "concerts", "group": "quarter"},
    ),
    ("Which venues did Cher play in 2025?", {"of": "venue"}),
    ("Cher's gigs in Q1 2026, venue names please", {"of": "venue"}),
    ("tickets sold in 1H25", {"period": "H1 2025"}),
]


@pytest.mark.parametrize(("question", "expected"), FIFTH, ids=[q[:60] for q, _ in FIFTH])
def test_answered_as_asked_with_week_numbers_stories_pandas_and_swedish_english(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    test_answered_with_everything_asked(planner, warehouse, question, expected)


@pytest.mark.parametrize(
    "question",
    [
        "tickets in week 61 of 2026",  # no such week: not the year's figure
        "revenue in 2025 without cancellations",  # revenue, not the cancelled concerts
        "revenue.sum() / quantity.max() in 2025",  # a ratio the plans do not compute
        "how many customers bought more than 3 tickets in 2025",
    ],
)
def test_a_week_number_a_ratio_or_a_measure_left_out_is_said(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_from_it_points_back_and_keeps_the_filters(planner: DeterministicPlanner) -> None:
    memory = Conversation("m")
    ask(planner, "Gillette Stadium - how many tickets were sold there under 2025, totally?", memory)
    money = ask(planner, "How big was the revenue from it, in dollars?", memory)
    assert money.calls and money.slots["filters"]["venue"] == [1, "Gillette Stadium"]
    assert money.slots["period"]["label"] == "2025"
    orphan = ask(planner, "How big was the revenue from it?", Conversation("o"))
    assert not orphan.calls and "points back" in (orphan.reply or "")


SIXTH: list[tuple[str, dict[str, Any]]] = [
    (
        "what were tickets for Cher in 2025 comma in total question mark",
        {"metric": "tickets", "period": "2025"},
    ),
    (
        "orders by month for the second quarter of twenty twenty five period",
        {"group": "month", "period": "Q2 2025"},
    ),
    ("G'day mate - which state flogged the most tix in 2025?", {"group": "state", "top": 1}),
    ("lowkey how many tix did Cher sell in 2025 tho", {"metric": "tickets"}),
    ("ASP at Gillette Stadium in 2025?", {"metric": "avg_price"}),
    ("ATV in Texas last quarter", {"metric": "avg_order_value"}),
    ("UPT for the web channel in 2025", {"metric": "avg_order_tickets", "filters": {"channel": "web"}}),
    ("tickets on Christmas Eve 2025", {"period": "2025-12-24"}),
    ("revenue since Memorial Day 2025", {"period": "since 2025-05-26"}),
    ("tickets in Texas in autumn 2025", {"period": "autumn 2025 (September to November)"}),
    ("revenue by month over the winter of 2025/26", {"group": "month", "period": "winter 2025/26"}),
    ("Which towns in TX have venues?", {"group": "city"}),
    ("Security briefing: tickets sold in Texas in 2025", {"metric": "tickets"}),
    ("For our grant application: total revenue for 2025", {"metric": "revenue"}),
    ("average spend per buyer in 2025", {"metric": "revenue_per_customer"}),
    ("Gillette Stadium vs Chicago Theatre: revenue in 2025, side by side", {"compare": {"dim": "venue"}}),
    ("mean order value: web vs box_office in 2025", {"compare": {"dim": "channel"}}),
]


@pytest.mark.parametrize(("question", "expected"), SIXTH, ids=[q[:60] for q, _ in SIXTH])
def test_answered_as_asked_when_dictated_in_slang_jargon_seasons_and_holidays(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    test_answered_with_everything_asked(planner, warehouse, question, expected)


@pytest.mark.parametrize(
    "question",
    [
        "tickets sold in winter 2025",  # which winter: not read, not the year's figure
        "orders with 4+ tickets in 2025",  # a condition on each order
        "how many customers bought 2 or more tickets in 2025",
        "Grant select on fact_refunds to bob",  # SQL's GRANT
    ],
)
def test_an_unread_season_a_condition_on_each_order_or_a_grant_is_said(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_a_sentence_after_the_question_is_read_as_words(planner: DeterministicPlanner) -> None:
    assert courtesy_set_aside("and revenue for that period?") == "and revenue for that period?"  # a span
    weeks = ask(planner, "revenue by week for last month? Weeks starting Monday.")
    assert weeks.calls and weeks.slots["group"] == "week" and "days" not in weeks.slots["filters"]


SEVENTH: list[tuple[str, dict[str, Any]]] = [
    ("What did a ticket cost on average at Gillette Stadium in 2025?", {"metric": "avg_price"}),
    ("How many tickets does a typical Houston order contain in 2025?", {"metric": "avg_order_tickets"}),
    ("What's the most anyone has paid for a single Cher ticket?", {"metric": "max_price"}),
    (
        "My son is obsessed with Cher - how many tickets have people bought for her shows?",
        {"metric": "tickets"},
    ),
    ("Which Monday-start week in Q1 2026 had the most orders?", {"group": "week", "top": 1}),
    ("How many separate venues sold tickets in 2025?", {"metric": "venues_sold"}),
    (
        "Revenue per month for summer 2025 - June, July and August.",
        {"group": "month", "period": "summer 2025"},
    ),
    ("Seats at Chicago Theatre, please - we need it for the evacuation plan.", {"metric": "capacity"}),
    (
        "refunds in dollars for cancelled concerts vs customer requests in 2025",
        {"compare": {"dim": "reason"}},
    ),
    ("Coming from retail, so bear with my jargon: ASP in 2025?", {"metric": "avg_price"}),
    (
        "On average, how many orders did each customer place in 2025? (orders divided by distinct customers)",
        {"metric": "orders_per_customer", "group": None},
    ),
    ("How many concerts does Cher have, past or future, leaving out cancelled ones?", {"metric": "concerts"}),
    ("As a booker, I want the concert IDs of every cancelled Cher show.", {"cancelled": True}),
]


@pytest.mark.parametrize(("question", "expected"), SEVENTH, ids=[q[:60] for q, _ in SEVENTH])
def test_answered_as_asked_with_typical_orders_named_seasons_reasons_and_asides(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    test_answered_with_everything_asked(planner, warehouse, question, expected)


def test_a_name_in_the_plan_is_no_cue() -> None:
    venue = {"metric": "tickets", "filters": {"artist": [7, "Men At Work"]}, "group": None}
    assert uncovered("tickets for Men At Work", Plan("analytics", [], venue)) == []


def test_two_periods_one_within_the_other_are_still_two_unless_its_months_are_listed(
    planner: DeterministicPlanner,
) -> None:
    both = ask(planner, "revenue in Q1 2026 and March 2026")
    assert both.calls and len(both.slots["compare"]["periods"]) == 2


def test_that_one_after_a_ranking_is_the_thing_ranked_first(planner: DeterministicPlanner) -> None:
    memory = Conversation("t")
    first = ask(planner, "which venue in Texas sold the most tickets in 2025?", memory)
    assert first.slots["group"] == "venue" and first.slots["top"] == 1
    memory.turns[-1]["answer"] = "Top 1 venues by tickets sold in Texas, 2025: 1. Robertson Stadium (120)."
    seats = ask(planner, "How many seats has that one got?", memory)
    assert seats.calls and seats.slots["filters"]["venue"] == [2, "Robertson Stadium"]
    assert seats.slots["group"] is None
    memory = Conversation("u")
    ask(planner, "top 3 venues by tickets sold in 2025", memory)
    memory.turns[-1]["answer"] = "Top 3 venues by tickets sold, 2025: 1. Robertson Stadium (120); 2. ..."
    which = ask(planner, "and how many seats has that one got?", memory)
    assert not which.calls and "by its name" in (which.reply or "")


def test_that_same_month_points_back_and_how_many_after_a_breakdown_is_one_figure(
    planner: DeterministicPlanner,
) -> None:
    memory = Conversation("s")
    ask(planner, "tickets sold in Texas last month", memory)
    split = ask(planner, "Can you split that same month by day of the week?", memory)
    assert split.calls and split.slots["group"] == "weekday" and split.slots["filters"]["state"] == "TX"
    vip = ask(planner, "Just the VIP tickets in that month - how many?", memory)
    assert vip.calls and vip.slots["group"] is None and vip.slots["filters"]["tier"] == "vip"
    assert not ask(planner, "Split that same month by channel?").calls  # nothing to point back to


@pytest.mark.parametrize(
    "question",
    [
        '=COUNTIFS(dim_artist[genre], "rock")',  # a spreadsheet formula
        'SUMPRODUCT((tier="vip")*quantity) over the 2025 rows',
        "Project dim_artist onto name, selecting rows with genre = 'pop'.",  # relational algebra
        "how many rows does fact_refunds hold where amount > 10",
    ],
)
def test_a_formula_or_an_expression_over_a_table_is_not_read_as_the_schema(
    planner: DeterministicPlanner, question: str
) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.intent != "explain_schema" and "formula" in (plan.reply or "")


def test_both_in_a_follow_up_is_asked_again(planner: DeterministicPlanner) -> None:
    memory = Conversation("both")
    ask(planner, "web tickets in 2025", memory)
    ask(planner, "and mobile?", memory)
    plan = ask(planner, "revenue for both of them", memory)
    assert not plan.calls and "both" in (plan.reply or "")
    assert planner.plan("describe dim_venue", CLOCK).intent == "explain_schema"  # a table's name alone


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Channel splits for Cher, 2025 season: revenue",
            {"group": "channel", "period": "2025"},
        ),  # a fan's words
        (
            "Head-to-head, the 2025 season: Cher against Foo Fighters in revenue",
            {"compare": {"dim": "artist"}},
        ),
        ("Top-3 leaderboard, 2025: venues ranked by revenue", {"group": "venue", "top": 3}),
        (
            "Kindly furnish the aggregate refund amount recorded against Gillette Stadium in 2025",
            {},
        ),  # formal
        ("Identify the single artist with the highest revenue in 2025", {"group": "artist", "top": 1}),
        ("Cher in year 2025 have how many concert? Not count the cancel one.", {"metric": "concerts"}),
        ("at which venues did Cher play in 2025? Leave out cancelled dates.", {"period": "2025"}),
    ],
)
def test_how_a_fan_a_lawyer_or_a_learner_asks(
    planner: DeterministicPlanner, warehouse: Engine, question: str, expected: dict[str, Any]
) -> None:
    plan = ask(planner, question)
    assert plan.calls, plan.reply
    assert not plan.slots.get("cancelled"), plan.slots
    for key, value in expected.items():
        if key == "period":
            assert value in plan.slots["period"]["label"], plan.slots["period"]
        elif key == "compare":
            assert plan.slots["compare"]["dim"] == value["dim"], plan.slots["compare"]
        else:
            assert plan.slots.get(key) == value, (key, plan.slots)
    assert run(warehouse, plan.calls[0].args["sql"])["Status"] == "FINISHED"


@pytest.mark.parametrize(
    "question",
    [
        "orders for the web and box office channels in 2025",  # two channels: not the first alone
        "floor and vip tickets in 2025",
        "list every Texas venue that recorded no floor ticket sale in 2025",  # a tier that did not sell
    ],
)
def test_two_sides_or_an_absence_are_never_narrowed(planner: DeterministicPlanner, question: str) -> None:
    plan = ask(planner, question)
    assert not plan.calls and plan.reply


def test_a_pronoun_for_the_one_a_ranking_found_is_not_ranked_again(planner: DeterministicPlanner) -> None:
    memory = Conversation("winner")
    ask(planner, "which artist sold the most tickets in Texas in 2025?", memory)
    again = ask(planner, "and how much revenue did they make there?", memory)
    assert again.calls == [] and "ranked first" in (again.reply or ""), again.slots
    listed = Conversation("list")
    ask(planner, "top 5 artists by tickets in 2025", listed)
    assert ask(planner, "and by revenue?", listed).calls, "a ranking asked again by another measure"


def test_an_api_call_with_a_parameter_not_known_is_not_read_without_it(planner: DeterministicPlanner) -> None:
    plan = ask(planner, "GET /v1/stats?metric=orders&bucket=week&week_start=sunday&year=2025")
    assert plan.calls == [], plan.slots


def test_the_date_of_an_event_is_not_answered_with_a_total(planner: DeterministicPlanner) -> None:
    for question in ("when was the very last refund in 2025?", "on what date did the first web sale happen?"):
        assert ask(planner, question).calls == [], question
