"""Questions in an archaic register, Southern American English, Nigerian Pidgin, Taglish,
Hinglish and Swahili: their function words read as the English meant, names left alone; and the confident wrong
answers the nineteenth set found (a grouping "by seat tier" dropped, "the week just past"
dropped, a "slice by channel" answered as shares, an elliptical question after one not
understood answered for everything), each read as asked or not answered."""

from __future__ import annotations

import pytest

from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.dialects import read
from chat.memory import Conversation
from chat.periods import spans_said
from chat.plan import Plan
from chat.vocabulary import Vocabulary
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES, remember


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        (
            "Prithee, how many tickets hath Cher sold from January unto December?",
            "how many tickets has Cher sold from January to December?",
        ),
        ("How many tickets have y'all sold, darlin'?", "How many tickets have you sold?"),
        ("Abeg o, Chicago Theatre - last year, di tickets wey dem sell reach how many?",
         "Chicago Theatre - last year, the tickets that they sell how many?"),
        ("Ilan po ang orders this month, lahat ng venues? Salamat po!", "how many orders this month, all venues?"),
        ("Magkano po ang average ticket price ni Cher last year?", "what is the average ticket price for Cher last year?"),
        ("Ilan po ang concerts ni Cher ngayong 2026? Hindi po kasama yung cancelled.",
         "how many concerts for Cher in 2026? excluding cancelled."),
    ],
)  # fmt: skip
def test_function_words_read_as_english(written: str, meant: str) -> None:
    assert read(written) == meant


@pytest.mark.parametrize(
    "text",
    [
        "Don Henley tickets in 2025",
        "tickets at Sa Pa Arena",
        "Di Meola's revenue",
        "Thy Art Is Murder shows",
        "Cancelled shows don't count.",  # English's own "don't"
    ],
)
def test_a_capitalised_name_or_an_english_word_is_left_alone(text: str) -> None:
    assert read(text) == text


@pytest.fixture
def planner() -> DeterministicPlanner:
    return DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS))


def _ask(planner: DeterministicPlanner, question: str, memory: Conversation | None = None) -> Plan:
    return covered(question, planner.plan(question, CLOCK, memory))


@pytest.mark.parametrize(
    ("question", "group", "period"),
    [
        ("Make you break down di tickets for Cher by seat tier for 2025.", "tier", "2025"),
        ("tickets by calendar month for 2025", "month", "2025"),
        (
            "Let's slice Houston ticket revenue by sales channel for 2025 - one row per channel.",
            "channel",
            "2025",
        ),
        (
            "How many tickets were sold in the week just past, from Monday unto Sunday, across all the venues?",
            None,
            "last week (from 2026-04-27)",
        ),
        ("Which single day, of the last thirty, brought forth the most revenue?", "day", "the last 30 days"),
        ("revenue for the fortnight just gone", None, "the last 2 weeks"),
        ("orders in the 3 months just past", None, "the last 3 months"),
    ],
)
def test_read_as_asked(planner: DeterministicPlanner, question: str, group: str | None, period: str) -> None:
    plan = _ask(planner, question)
    assert plan.calls, plan.reply
    assert plan.slots["group"] == group and plan.slots["period"]["label"] == period
    assert not plan.slots.get("share")


@pytest.mark.parametrize(
    "question",
    [
        "tickets by seat colour for 2025",  # a grouping the warehouse has not
        "which day of the last seventeen had the most orders",  # a count of days not read
        "tickets sold in the 2 weeks before Christmas 2025",  # not Christmas day alone
        "orders 30 days ago",  # a day not read: not every order
        "orders within 7 days of going on sale",
    ],
)
def test_a_grouping_or_period_not_read_is_not_answered(planner: DeterministicPlanner, question: str) -> None:
    assert not _ask(planner, question).calls


@pytest.mark.parametrize(
    ("question", "group"),
    [
        ("Cancelled concerts per quarter of 2025, by the concert's start date.", "quarter"),
        ("how many tickets were refunded during 2025, going by the date of each refund?", None),
    ],
)
def test_by_the_date_of_each_one_is_no_breakdown(
    planner: DeterministicPlanner, question: str, group: str
) -> None:
    plan = _ask(planner, question)
    assert plan.calls and plan.slots["group"] == group, plan.reply


def test_a_slice_of_is_still_a_share(planner: DeterministicPlanner) -> None:
    assert _ask(planner, "VIP's slice of 2025 revenue in %").slots["share"]


def test_an_elliptical_question_after_one_not_understood_is_asked_back(planner: DeterministicPlanner) -> None:
    memory = Conversation("s")
    first = "how many wristbands did Chicago Theatre hand out by the crate?"
    remember(memory, first, _ask(planner, first, memory))
    plan = _ask(planner, "Which tier sold the fewest?", memory)
    assert not plan.calls and "of what" in str(plan.reply)


def test_the_same_question_alone_is_answered(planner: DeterministicPlanner) -> None:
    plan = _ask(planner, "Which tier sold the fewest?")
    assert plan.calls and plan.slots["group"] == "tier" and plan.slots["order"] == "asc"


def test_a_span_is_a_length_of_time_and_a_rankings_count_is_not() -> None:
    assert spans_said("tickets in the 2 weeks just gone") == [(14, 14)]
    assert spans_said("revenue over the past thirty days, by month") == [(30, 30)]
    assert spans_said("orders in the last 3 months") == [(84, 94)]
    assert spans_said("the top 3 months by revenue") == spans_said("the best 5 days for tickets") == []


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Bhai, pichle mahine Texas ke venues mein total kitne tickets bike?",
         "last month Texas venues in total how many tickets sold?"),
        ("Cher ka revenue mahine ke hisaab se dikhao, January se April 2026 tak.",
         "Cher revenue by month, from January to April 2026."),
        ("Is saal Texas mein average ticket price kitna raha? Revenue ko tickets se divide karke batao.",
         "this year Texas in average ticket price how much ? Revenue divided by tickets."),
        ("Houston ke kaun se venues mein 2025 mein ek bhi refund nahi hua?",
         "Houston which venues in 2025 in no refund?"),
        ("Texas mein pichle saal kitne concerts hue? Cancelled wale mat gino.",
         "Texas in last year how many concerts ? excluding cancelled ones."),
    ],
)  # fmt: skip
def test_hinglish_function_words_read_as_english(written: str, meant: str) -> None:
    assert read(written) == meant


@pytest.mark.parametrize(
    "text",
    [
        "Kis Kis Bang Bang tickets in 2025",
        "Sabse tickets at the Mein Arena",
        "ne-yo tickets",
        "bike parking revenue",
        "tickets sold in ne last month",  # a state's code in lower case, not Hindi's "ne"
        "how many tees did Cher sell",
    ],
)
def test_a_hinglish_word_in_a_name_is_left_alone(text: str) -> None:
    assert read(text) == text


@pytest.mark.parametrize(
    ("question", "metric", "filters", "period"),
    [
        ("Bhai, pichle mahine Texas ke venues mein total kitne tickets bike? Bas ek number bata do.",
         "tickets", {"state"}, "last month (April 2026)"),
        ("Yaar, Houston ke saare venues ka is saal ab tak ka total ticket revenue kitna hai?",
         "revenue", {"city"}, "this year (2026)"),
        ("Pichle mahine kitne alag-alag customers ticket kharide? Sab venues mila ke.",
         "customers", set(), "last month (April 2026)"),
        ("Texas mein pichle saal kitne concerts hue? Cancelled wale mat gino.",
         "concerts", {"state"}, "last year (2025)"),
    ],
)  # fmt: skip
def test_hinglish_questions_are_answered_as_asked(
    planner: DeterministicPlanner, question: str, metric: str, filters: set[str], period: str
) -> None:
    plan = _ask(planner, question)
    assert plan.calls, plan.reply
    assert plan.slots["metric"] == metric and set(plan.slots.get("filters") or {}) == filters
    assert plan.slots["period"]["label"] == period
    assert not plan.slots.get("cancelled")


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Sasa! Tiketi ngapi ziliuzwa kwenye Riverside Arena mwezi uliopita? Jumla tu, asante.",
         "how many tickets sold in Riverside Arena last month? total only"),
        ("Tiketi za VIP zilizouzwa Riverside Arena mwaka jana ni ngapi?",
         "tickets of VIP sold Riverside Arena last year how many?"),
        ("Nipe tiketi za Cher kwa kila mwezi, kuanzia Oktoba 2025 hadi Machi 2026.",
         "give me tickets of Cher each month, from October 2025 to March 2026."),
        ("Texas dhidi ya Ohio: tiketi ngapi zimeuzwa mwaka huu?", "Texas against Ohio: how many tickets sold this year?"),
        ("Na mapato ya mwezi huo huo yalikuwa kiasi gani?", "and revenue of the same month was how much?"),
    ],
)  # fmt: skip
def test_swahili_read_as_english(written: str, meant: str) -> None:
    assert read(written) == meant


@pytest.mark.parametrize(
    "text",  # Swahili's "ya", "na", "za" are read only in a Swahili message
    [
        "Thank ya, how many tickets in 2025?",
        "Tickets for Sha Na Na in 2025",
        "How many tickets at Za Za Club?",
    ],
)
def test_swahili_words_in_an_english_message_are_left_alone(text: str) -> None:
    assert read(text) == text


def test_a_swahili_question_is_answered_as_asked(planner: DeterministicPlanner) -> None:
    plan = _ask(planner, "Tiketi za VIP zilizouzwa Gillette Stadium mwaka jana ni ngapi?")
    assert plan.calls and plan.slots["metric"] == "tickets"
    assert plan.slots["filters"] == {"venue": [1, "Gillette Stadium"], "tier": "vip"}
    assert plan.slots["period"]["label"].startswith("last year")


def test_swahili_not_and_and_are_never_dropped(planner: DeterministicPlanner) -> None:
    """ "si" (not) is left unread, so the question is refused rather than answered for VIP; "na"
    (and) joins, and is not Taglish's dropped particle; a month's name is one only before a year."""
    assert not _ask(planner, "Tiketi ngapi si VIP ziliuzwa kwenye Gillette Stadium mwaka jana?").calls
    assert read("Tiketi na mapato ya Cher mwaka jana") == "tickets and revenue of Cher last year"
    assert (
        read("Asante! How many tickets did Mei sell in 2025?").strip()
        == "How many tickets did Mei sell in 2025?"
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Tiket VIP yang terjual di Gillette Stadium tahun lalu ada berapa?",
         "VIP tickets sold in Gillette Stadium last year how many?"),
        ("Permisi Pak, mau tanya: Cher atau Yes, siapa yang jual tiket lebih banyak tahun lalu? Tolong kasih "
         "dua-duanya ya.", "Cher or Yes, who sold more tickets last year? give both."),
        ("Rata-rata harga tiket di Chicago Theatre tahun ini berapa ya, Pak?",
         "average ticket price in Chicago Theatre this year how many?"),
    ],
)  # fmt: skip
def test_indonesian_read_as_english(written: str, meant: str) -> None:
    assert read(written) == meant


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Wah gwaan! How much ticket dem sell fi Cher inna di first half a 2025? January to June, mi mean.",
         "how many tickets were sold for Cher in the first half of 2025? January to June"),
        ("Which state did sell di most ticket last month, nuh counting New York? Gimme di state an di number.",
         "Which state sold the most tickets last month, not counting New York? give me the state and the number."),
    ],
)  # fmt: skip
def test_jamaican_patois_read_as_english(written: str, meant: str) -> None:
    assert read(written) == meant


@pytest.mark.parametrize(
    "text",  # Indonesian's "di" and "ya", Patois's "dem" and "fi" are read only in their own messages
    ["How many tickets did Di Caprio Hall sell in 2025, ya?", "Tickets for Dem Franchize Boyz in 2025"],
)
def test_indonesian_and_patois_words_in_an_english_message_are_left_alone(text: str) -> None:
    assert read(text) == text


def test_an_indonesian_question_is_answered_as_asked(planner: DeterministicPlanner) -> None:
    plan = _ask(planner, "Tiket VIP yang terjual di Gillette Stadium tahun lalu ada berapa?")
    assert plan.calls and plan.slots["metric"] == "tickets"
    assert plan.slots["filters"] == {"venue": [1, "Gillette Stadium"], "tier": "vip"}


@pytest.mark.parametrize(
    ("question", "group", "period"),
    [
        ("Orders per month for Jan, Feb and Mar 2026", "month", "January to March 2026"),
        (
            "tickets for each month of Oct, Nov and Dec 2025, one per month",
            "month",
            "October to December 2025",
        ),
        ("VIP tix per quarter, Q2 2025 to Q1 2026.", "quarter", "Q2 2025 to Q1 2026"),
        ("How many tickets were sold in Q1 in 2025?", None, "Q1 2025"),
        ("tickets in 2025 in May", None, "May 2025"),
        ("How many concerts did Cher have starting in 2025?", None, "2025"),  # not "since 2025"
    ],
)
def test_periods_said_in_lists_and_ranges_are_read_whole(
    planner: DeterministicPlanner, question: str, group: str | None, period: str
) -> None:
    plan = _ask(planner, question)
    assert plan.calls, plan.reply
    assert plan.slots["group"] == group and plan.slots["period"]["label"] == period


def test_a_list_of_days_is_not_read_as_the_last_two(planner: DeterministicPlanner) -> None:
    """ "The weeks of 6, 13 and 20 April" had been read as 13 to 20 April: refused."""
    plan = _ask(planner, "weekly tickets for the weeks of 6, 13 and 20 April 2026")
    assert not plan.calls and "a list of days" in (plan.reply or "")


def test_every_venue_said_as_a_clause_is_all_of_them(planner: DeterministicPlanner) -> None:
    plan = _ask(planner, "Ticket revenue for last quarter, every venue.")
    assert plan.calls and plan.slots["group"] is None, plan.slots


def test_that_day_after_the_busiest_weekday_is_that_day(planner: DeterministicPlanner) -> None:
    """ "How much revenue on that day of the week?" after "which weekday sold the most tickets?"
    is that day's revenue, not the weekdays ranked by revenue again (which may name another)."""
    memory = Conversation("d")
    first = _ask(planner, "Which day of the week sold the most tickets last month?", memory)
    assert first.slots["group"] == "weekday" and first.slots["top"] == 1
    memory.add("q", first.intent, first.slots, "Tickets sold by day of the week: 1. Thursday (2,165).", True)
    plan = _ask(planner, "and how much revenue on that day of the week, same month?", memory)
    assert plan.calls and plan.slots["group"] is None and plan.slots["filters"]["days"] == [4]
    assert plan.slots["metric"] == "revenue" and plan.slots["period"] == first.slots["period"]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Berapa tiket terjual 2 tahun lalu?", "how many tickets sold 2 years ago?"),
        ("Tiket terjual tahun lalu, VIP tidak dihitung", "tickets sold last year, not counting VIP"),
        ("How many tiket did Steely Dan sell in 2025?", "How many tiket did Steely Dan sell in 2025?"),  # a typo
    ],
)  # fmt: skip
def test_indonesian_numbers_and_what_is_not_counted(written: str, meant: str) -> None:
    assert read(written) == meant
