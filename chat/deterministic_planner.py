"""The embedded planner: no model, only rules. Finds the intent (analytics, concert list,
prediction, recommendation, venue ranking, pipeline status, schema, raw SQL) and its slots
(metric, grouping, places, artists, genres, dates, top-N), and turns them into tool calls.
A follow-up ("and in Ohio?") starts from the previous question's slots. Says plainly what it
cannot answer rather than guessing. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chat import absence, analytics, comparisons, follow_ups, formulas
from chat.groupings import (
    CHANNEL_WORDS,
    COMBINED,
    TIER_WORDS,
    channel_and_tier,
    days_named,
    days_of_week,
    grouping,
    number_after,
    refund_reason,
    refund_reasons,
    top_n,
)
from chat.measures import has, metric_of
from chat.memory import Conversation
from chat.periods import AFTER_TODAY, MONTHS, Period, find_period
from chat.plan import Plan, ToolCall, cannot
from chat.thresholds import seat_threshold, without_seat_threshold
from chat.understood import KNOWN
from chat.vocabulary import Found, Vocabulary, filter_value, words
from chat.wording import reword
from schemas.regions import REGIONS

CAPABILITIES = (
    "I can answer questions about tickets sold, revenue, orders, ticket prices (average, median, "
    "highest, lowest), per-order and per-customer figures, customers, refunds, concerts "
    "(cancelled, sold out, sell-through), venues and their seats, and artists (by venue, artist, "
    "city, state, genre, concert, customer, channel, tier, day, week, month, quarter, year or day "
    "of the week, for a period), compare two of them or two periods, predict ticket sales for a concert, "
    "recommend concerts for a customer, "
    "rank venues by predicted popularity, report the pipeline's health, explain the schema, and "
    "run a read-only SQL query (start it with SELECT)."
)
TABLES = (
    "dim_date", "dim_artist", "dim_venue", "dim_concert", "fact_ticket_sales", "fact_refunds",
    "agg_daily_sales", "agg_daily_venue_sales", "agg_daily_artist_sales", "agg_concert_sell_through",
    "resolved_artist", "resolved_venue", "resolved_concert", "entity_ids", "entity_alias",
)  # fmt: skip
_FILLER = {
    "and", "what", "about", "how", "in", "for", "at", "the", "of", "by", "only", "instead", "then",
    "last", "this", "next", "month", "year", "week", "quarter", "days", "weeks", "months", "since",
    "between", "yesterday", "today", "q1", "q2", "q3", "q4", "h1", "h2", "on", "during", "ok", "okay", "now",
    "do", "just", "same", "please", "too", "as", "well", "again", "question",
}  # fmt: skip
_BREAKDOWN_WORDS = {"broken", "break", "breakdown", "down", "split", "per", "each", "every", "grouped",
                    "group"}  # fmt: skip
_GROUP_WORDS = {"day", "week", "month", "quarter", "year", "venue", "artist", "city", "state", "genre",
                "channel", "tier", "weekday"}  # fmt: skip
_MEASURE_WORDS = {"tickets", "tix", "revenue", "money", "dollars", "orders", "refunds", "customers", "buyers"}
_SQL = re.compile(
    r"^\s*(?:(?:run|execute)?\s*(?:this\s+)?(?:sql|query)\s*:\s*)?((?:select|with)\b.*)$", re.I | re.S
)
_SQL_PREFIX = re.compile(r"^\s*(?:run|execute)?\s*(?:this\s+)?(?:sql|query)\s*:\s*(.*)$", re.I | re.S)
# A list of cities ("IL cities where we have venues - list them", "which cities in Ohio have
# venues"), not a ranking of them by a measure.
_CITY_LIST = (
    r"\b(?:list|name|what are|which are|which|what|all)\b(?: [a-z-]+){0,3} cities\b",
    r"^(?:our |the |all )?(?:[a-z]{2} )?cities (?:in|where|with|we)\b",
    r"\bcities\b.*\blist\b",
)
_COUNTED = (
    r"\b(?:how many|number of|count|sold|sales?|tickets?|tix|revenue|orders|customers|refunds?|concerts|shows"
    r"|most|top|best|busiest|biggest|fewest|least)\b"
)
# "in how many distinct cities did we sell tickets", "how many states had at least one sale":
# places counted through their sales (a count of the catalog's places is not answered)
_PLACES_SOLD = (
    r"\b(?:how many|number of|count of)\s+(?:distinct\s+|different\s+|separate\s+|unique\s+)?"
    r"(cities|states)\b(?:\s+(?:or|and)\s+provinces)?"
    r"(?=.*\b(?:sold|sell|sales?|tickets?|tix|bought|orders?|revenue)\b)"
    # a condition on each place ("every month", "for the first time", "drop", "more ... than")
    # is not a count through the sales
    r"(?!.*\b(?:refund\w*|every|each|first time|again|drop\w*|fell|fall\w*|rose|grew|grow\w*|more|less|fewer"
    r"|than|only|once|twice|never|no|not|without)\b)"
)
# A ranking asked alone ("which venue sold the most tickets?"), and the words that say it is of
# everything ("overall", "across all venues")
_ASKS_WHICH = r"\b(?:which|what|who)\b"
_RANKS_ONE = r"\b(?:most|least|fewest|top|best|worst|highest|lowest|busiest|quietest)\b"
_EVERYTHING = r"\b(?:overall|in total|altogether|of all|across all|all venues|everywhere|anywhere|whole)\b"
_PLACES = ("venue", "artist", "city", "state", "genre")
_CONCERTS_WITH = (
    r"\b(?:how many|number of|count of)\s+(?:[\w-]+\s+){0,4}?(?:concerts|shows|gigs)\s+(?:that\s+)?"
    r"(?:had|have|has|with|got|saw)\b(?=.*\b(?:refund|sold|sales?|tickets?)\b)"
)
_EACH_CONCERT = (
    r"\b(?:by|per|each|every|which|what|top|best|worst|highest|lowest|most|least|bottom) (?:\w+ )?"
    r"(?:concerts?|shows?|gigs?)\b"
)
# A list asked for: "list ...", "which ones?", "which gigs", "name them".
_WHICH_ONES = (
    r"\blist\b|\bwhich ones\b|\bname them\b|\b(?:which|what) (?:[a-z-]+ )?(?:concerts|shows|gigs)\b"
    r"|\bthe concerts (?:of|for)\b"  # "the concert IDs of every cancelled X show"
)
# "which artists are booked at X", "who is playing there from now on": a list of artists
_WHICH_ARTISTS = (
    r"\b(?:which|what) (?:artists|acts|bands|performers|musicians)\b.*\b(?:perform|performs|performed"
    r"|performing|play|plays|played|playing|booked|scheduled|appear|appeared|appearing|on|have|has|had)\b"
    r"|\bwho (?:is|are|was|were|has|have) (?:been )?(?:playing|performing|booked|scheduled|on)\b"
)
# "... venue names please", "which venues did X play in 2025": a list of the venues of those concerts
_WHICH_VENUES = (
    r"\bvenue names?\b|\bnames? of (?:the )?venues\b"
    r"|\b(?:which|what) (?:venues|arenas|stadiums)\b.*\b(?:perform|performs|performed|performing|play|plays"
    r"|played|playing|booked|scheduled|appear|appeared|appearing)\b"
)
_UPCOMING = r"\b(?:upcoming|coming up|future|ahead|(?:are|is) scheduled|going forward)\b"
_TIER_OR_CHANNEL_TICKETS = (
    r"\b(?:vip|floor|upper|lower|online|web|mobile|app|box[- ]office|partner)\s+(?:tickets?|seats?|sales)\b"
)
_WRITE_WORDS = (
    r"^\s*(?:(?:hey|hi|ok|okay)[,!]?\s+)?(?:please\s+|can you\s+|could you\s+|go ahead and\s+)?"
    r"(?:please\s+)?(?:drop|delete|remove|insert|update|"
    r"truncate|alter|wipe|erase|add|create|rename|modify|change|set|mark|cancel|reset)\b(?!.*\bselect\b)"
)
# A purchase asked of the chat ("can you buy me two tickets", "book us seats for the next one").
_PURCHASE = (
    r"\b(?:buy|book|reserve|purchase)\s+(?:me|us|my \w+|for me)\b.{0,40}"
    r"\b(?:tickets?|tix|seats?|passes)\b"
    r"|\b(?:can|could|would|will) (?:you|u) (?:please )?(?:buy|book|reserve|purchase)\b"
)
# ... or anywhere outside a name, in the words of SQL's writes and DDL ("ddl pls: alter dim_artist,
# new column x"); SQL itself goes to the guard, which says why it refuses.
_WRITE_ANYWHERE = (
    r"\b(?:alter|truncate|revoke)\b|\bddl\b"
    r"|\bgrant (?:select|insert|update|delete|all|usage|execute|create|references|role|access|permissions?"
    r"|privileges?|rights?|\w+ (?:on|to))\b|\b(?:new|add(?: a)?) column\b|\binsert into\b"
    r"|\bdelete from\b|\bdrop (?:table|column|view|schema|database)\b|\bupdate \w+ set\b"
    r"|\bcreate (?:a )?(?:table|view|schema|index|user|database)\b"
)


_NOT_NAMES = set(MONTHS) | {f"{d}s" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")} | {
    "saturdays", "sundays", "ytd", "mtd", "i'm", "i've", "i'd", "i'll",
    "i", "q1", "q2", "q3", "q4", "h1", "h2", "sql", "dlq", "etl", "api", "utc", "id", "ok", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip


def _unknown_name(question: str, found: list[Found]) -> str | None:
    """Capitalised words (a name: after the first word, or after in/at/for/by/from) that the
    vocabulary does not know: better said than silently ignored."""
    taken = {i for f in found for i in range(f.start, f.end)}
    ws = words(question)
    # "... in the next thirty days? Skip the cancelled ones.": a sentence's first word
    opening = {0} | {len(words(question[: m.end()])) for m in re.finditer(r"[.?!]\s+(?=[A-Z])", question)}
    i = 0
    while i < len(ws):
        after_cue = i > 0 and ws[i - 1][0] in ("in", "at", "by", "for", "from", "of")
        name = []
        j = i
        while (
            j < len(ws)
            and ws[j][1][:1].isupper()
            and j not in taken
            and ws[j][0] not in _NOT_NAMES
            and ws[j][0] not in KNOWN  # "VIP", "WEB", "Thank you": words, not names
        ):
            name.append(ws[j][1])
            j += 1
        if name and (i not in opening or after_cue) and not (len(name) == 1 and name[0] in REGIONS):
            return " ".join(name)
        i = max(j, i + 1)
    return None


def _lookup(t: str, found: list[Found]) -> dict[str, Any] | None:
    """A fact about one named venue or artist ("where is X", "which state's X in", "what genre
    does X play"): the breakdown of that one row by the attribute asked."""
    kinds = {f.entity.kind: f.entity for f in found}
    if "venue" in kinds and len(found) == 1:
        asked = re.search(
            r"\b(?:which|what) (state|city|province)\b|\bwhere(?: is|'s| are)?\b|\blocated\b", t
        )
        group = ("state" if asked[1] in ("state", "province") else "city") if asked and asked[1] else "city"
        filters: dict[str, Any] = {"venue": filter_value(kinds["venue"])}
        metric = "capacity"
    elif "artist" in kinds and len(found) == 1:
        asked = re.search(r"\bgenre\b|\b(?:kind|type|style|sort) of (?:music|act|artist|band)\b", t)
        group, metric = "genre", "artists"
        filters = {"artist": filter_value(kinds["artist"])}
    else:
        return None
    if asked is None or metric_of(t) not in (None, "capacity", "artists"):
        return None
    return {"intent": "analytics", "metric": metric, "group": group, "filters": filters, "period": None,
            "top": 1, "order": "desc", "share": False, "lookup": True}  # fmt: skip


_THAT_DAY = r"\b(?:that|this|the same) (?:day|weekday)\b"
_COMPARABLE = ("artist", "venue", "city", "state", "genre")


def _compare(
    t: str, found: list[Found], clock: datetime, base: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Two sides of the question's measure: two named things of one kind (or two channels, two
    tiers), or two periods (named, or relative: "year over year"), or, in a follow-up, the last
    question's period against a new one ("how does that compare with February?")."""
    if periods := comparisons.two_periods(t, clock):
        return {"periods": [p.to_dict() for p in periods]}
    if not (re.search(comparisons.CUE, t) or re.search(comparisons.CHANGE, t)):
        return None
    for kind in _COMPARABLE:
        named = [f.entity for f in found if f.entity.kind == kind]
        if len(named) == 2:
            return {"dim": kind, "values": [filter_value(e) for e in named]}
    for kind, table in (("channel", CHANNEL_WORDS), ("tier", TIER_WORDS)):
        at = sorted((m.start(), key) for key, pattern in table.items() if (m := re.search(pattern, t)))
        if len(at) == 2:
            return {"dim": kind, "values": [key for _, key in at]}
    if len(days := days_named(t)) == 2:  # "Fridays vs Saturdays"
        return {"dim": "days", "values": [[d] for d in days]}
    if len(reasons := refund_reasons(t)) == 2:  # "refunds for cancelled concerts versus customer requests"
        return {"dim": "reason", "values": reasons}
    earlier = (base or {}).get("period")
    year = str(Period.from_dict(earlier).start.year) if earlier else None
    now = find_period(t, clock) or find_period(f"in {comparisons.in_year(t, year)}", clock)
    if earlier and now and re.search(comparisons.CUE, t):
        pair = sorted([Period.from_dict(earlier), now], key=lambda p: p.start)
        if pair[0] != pair[1]:
            return {"periods": [p.to_dict() for p in pair]}
    return None


def _counted_through(t: str, metric: str) -> str:
    """Venues or artists counted through the fact the question names: those with a refund, a
    sale, or a concert ("acts that had a show in Detroit in 2025"); else the catalog's own."""
    sold, refunded, hosting = analytics.COUNTED_THROUGH[metric]
    if has(t, r"\brefund"):
        return refunded
    if has(t, r"\b(?:sold|sell\w*|sales?|tickets?|tix|bought|revenue|orders?|earn\w*|gross\w*)\b"):
        return sold
    if has(
        t,
        r"\b(?:concerts?|shows?|gigs?|played|performed|host\w*|held|booked|scheduled)\b",
        r"\bplay(?:s|ing)?\b(?! (?:[a-z-]+ )?music\b)",  # "did X play", not "acts that play electronic music"
    ):
        return hosting
    return metric


def _of_concerts(base: dict[str, Any]) -> bool:
    """Whether the last question's period was one of concerts' starts (a list of concerts, a
    count of them), not of sales: a follow-up listing concerts keeps it then."""
    return base.get("intent") == "concerts" or base.get("metric") in ("concerts", "cancelled")


def _without_names(t: str, found: list[Found]) -> str:
    """The question without the names it holds (a city called "O'Hare'; DROP TABLE ...")."""
    for f in found:
        t = t.replace(f.entity.label.lower(), " ")
    return t


def _without_named_years(t: str, found: list[Found]) -> str:
    """The question without the names that hold a year ("Tailgate 2008"), where a period is read:
    the year is the name's, not the question's."""
    for f in found:
        if re.search(r"\b(?:19|20)\d{2}\b", label := f.entity.label.lower()):
            t = t.replace(label, " ")
    return t


# Concerts that have happened ("were played", "took place", "did X play", "so far"): a bound
# after a date stops at today for them, not at the last one scheduled
_PAST_TENSE = (
    r"\b(?:were|was|did|played|performed|held|hosted|took place|happened|been|had|so far"
    r"|to date)\b"
)


# A superlative with nothing after it ("which tier sold the fewest?"): its measure and scope are
# a question before's
_ELLIPTICAL = re.compile(
    r"\b(?:the )?(?:most|fewest|least|best|worst|highest|lowest|biggest|smallest)\s*[?.!]*\s*$"
)


class DeterministicPlanner:
    """Rules over the vocabulary of the warehouse's dimensions."""

    name = "deterministic"

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def plan(self, question: str, clock: datetime | None, memory: Conversation | None = None) -> Plan:
        """The plan of one question; follow-ups start from the conversation's last question."""
        previous = memory.previous() if memory else None
        if previous and memory and (missed := memory.missed()) and self._names_a_subject(missed, clock):
            previous = None  # the misread question moved the conversation: what it was about is unknown
        q = reword(question)
        t = q.lower()
        if not q:
            return cannot("Ask me something. " + CAPABILITIES)
        if has(t, _WRITE_WORDS):
            return cannot("I only read the data: I can't change, add or remove anything.")
        if has(t, _PURCHASE):
            return cannot("I only read the data: I can't buy, book or reserve tickets.")
        if sql := self._sql(q):
            return Plan("sql", [ToolCall("query_warehouse", {"sql": sql})], {"sql": sql})
        found = self.vocabulary.find(q)  # read once: the names, kept out of the write check below
        if has(_without_names(t, found), _WRITE_ANYWHERE):
            return cannot("I only read the data: I can't change, add or remove anything.")
        if re.fullmatch(r"(hi|hello|hey|help|what can you do\??)[!. ]*", t):
            return Plan("help", reply=CAPABILITIES)
        if has(
            t,
            r"\bpipeline\b",
            r"\bhealth",
            r"dead[- ]letter",
            r"\bdlq\b",
            r"\blag\b",
            r"backlog",
            r"failed (?:executions|workflows|runs)",
            r"\bplatform\b.*\b(doing|ok|status|running)",
            r"\bstatus of the\b",
            r"system status",
            r"freshness",
        ):
            return Plan("pipeline_status", [ToolCall("pipeline_status")])
        table = next((n for n in TABLES if re.search(rf"\b{n}\b", t)), None)
        bare = _without_names(t, found)  # a name may hold anything ("O'Hare'; DROP TABLE dim_venue")
        if formulas.is_formula(bare) or (table and table in bare and formulas.names_rows(bare)):
            return cannot(formulas.REPLY)
        if (table and metric_of(t) is None) or has(
            t, r"\bschema\b", r"\b(what|which|list( the)?|show( me)?( the)?) tables\b", r"\btables are there",
            r"\bcolumns\b", r"what data (is|do)", r"\bdescribe\b",
        ):  # fmt: skip
            return Plan(
                "explain_schema",
                [ToolCall("explain_schema", {"table": table} if table else {})],
                {"table": table},
            )
        # "and Q4?", "how many tix was that", "what's their combined capacity": from the last question
        follow = previous is not None and bool(
            follow_ups.FOLLOW_UP.match(q)
            or re.search(r"\b(?:that|those|them|it|instead)\s*\??\s*$|\btheir\b|\bthey\b", t)
            or re.search(follow_ups.POINTS_BACK, t)  # "those box-office sales", "this venue", "instead"
            or follow_ups.ranks_last_breakdown(t, previous)  # "which month was the best one?"
        )
        if previous is None and memory and memory.missed() and re.search(r"\bthey\b", t) and not found:
            # "which venues are they playing?" right after a question not understood: who "they"
            # are is unknown, and answering for everyone would answer another question
            return cannot("I don't know who 'they' are here: ask again with the name.")
        if previous is None and memory and memory.missed() and not found and (cut := _ELLIPTICAL.search(t)):
            # "which tier sold the fewest?" right after a question not understood: of what, where and
            # when is the question before's, and answering for everything would answer another one
            return cannot(
                f"'{cut[0].strip(' ?.!')}' of what? I did not understand the last question: "
                "ask the whole question."
            )
        if follow and has(t, follow_ups.SEVERAL):
            return cannot(
                "'both' points back to more than one earlier question, and I keep only the last: "
                "ask with both named, like 'revenue, web against mobile, last month'."
            )
        prev_intent = (previous or {}).get("intent")
        concert = number_after(t, "concert", "show", "event")
        customer = number_after(t, "customer", "user", "fan", "buyer")
        if has(
            t,
            r"\bpredict",
            r"\bforecast",
            r"\bwill (?:it |they |concert \d+ )?sell\b",
            r"how many tickets will",
            r"expected (?:ticket )?sales",
        ) or (follow and prev_intent == "predict_sales" and concert is not None):
            if concert is None:
                concert = (previous or {}).get("concert_id") if prev_intent == "predict_sales" else None
            if concert is None:
                return cannot("Which concert? Ask like 'predict ticket sales for concert 123'.")
            return Plan(
                "predict_sales", [ToolCall("predict_sales", {"concert_id": concert})], {"concert_id": concert}
            )
        if has(
            t,
            r"\brecommend",
            r"\bsuggest",
            r"what should customer",
            r"concerts? for customer",
            r"would customer \d+ like",
        ) or (follow and prev_intent == "recommend_concerts" and customer is not None):
            if customer is None:
                customer = (
                    (previous or {}).get("customer_id") if prev_intent == "recommend_concerts" else None
                )
            if customer is None:
                return cannot("Which customer? Ask like 'recommend concerts for customer 42'.")
            args = {"customer_id": customer, "k": top_n(t) or 10}
            return Plan("recommend_concerts", [ToolCall("recommend_concerts", args)], args)
        if clock is not None and find_period(t, clock):  # "September through November 2025": the
            # months of a period, not the artist called November
            found = [f for f in found if not (f.entity.kind == "artist" and f.entity.label.lower() in MONTHS)]
        if unknown := _unknown_name(q, found):
            return cannot(f"I don't know a venue, artist, city or state called '{unknown}'.")
        if lookup := _lookup(t, found):
            return Plan(
                "analytics",
                [ToolCall("query_warehouse", {"sql": analytics.compile_slots(lookup).sql})],
                lookup,
            )
        measured = metric_of(re.sub(r"\bpopular(?:ity)?\b|\brank(?:ed|ing|s)?\b", " ", t))
        sized = has(t, r"\b(?:seats|seating|capacity|biggest|largest|smallest)\b")
        if (measured is None or (measured == "capacity" and not sized)) and has(
            t,
            r"\brank",
            r"venue popularity",
            r"popular venues?\b",
            r"(hottest|trending) venues?",
            r"venues? (?:will|are going to|expected to)",
            r"predicted demand",
            r"most popular venues?",
        ):
            top = top_n(t) or (1 if re.search(r"\b(which|what) venue\b", t) else 10)
            ranked: dict[str, Any] = {"top": top}
            for f in found:
                if f.entity.kind == "state":
                    ranked["state"] = f.entity.key
                elif f.entity.kind == "city":
                    ranked["city"] = f.entity.key[0]
            return Plan("rank_venues", [ToolCall("rank_venues", ranked)], ranked)
        pronoun = None if found else re.search(follow_ups.PRONOUN_INSIDE, t)
        said = (
            re.search(follow_ups.POINTS_BACK, t)
            or (None if found else re.search(follow_ups.PRONOUN_END, t))
            or pronoun
        )
        if previous is None and said and self._named_within(t, said, found, clock):
            said = None  # "orders in Indiana ... for venues in that state": Indiana
        if previous is None and not said and follow_ups.FOLLOW_UP.match(q):  # "and what did those bring in?"
            said = re.search(r"\b(?:those|these|them|they|their|that|it)\b", t) or (
                re.match(r"\s*(?:also|then|just|only)\b", t) if self._measure_only(t) or not found else None
            )
        if previous is None and not said and memory and memory.missed():
            said = follow_ups.FOLLOW_UP.match(q)  # "And at which venues?" after a misread question
        if previous is None and said:
            return cannot(
                f"'{said[0].strip(' ?')}' points back to an earlier question, and "
                + (
                    "I did not understand the last one"
                    if memory and memory.missed()
                    else "there is none in this conversation that I understood"
                )
                + ": ask the whole question."
            )
        follow = (
            follow or bool(pronoun) or self._bare(t, found) or self._measure_only(t) or self._grouping_only(t)
        )
        if previous is not None and (one := re.search(follow_ups.ONE_OF_THEM, t)):
            return cannot(
                f"'{one[0]}' stands for one of the things the last answer named, and I do not carry "
                "which: ask again with its name."
            )
        kinds = {f.entity.kind for f in found}
        winner = self._winner(t, previous) if follow and (previous or {}).get("group") not in kinds else None
        if winner is not None:
            # "top-selling act ... - who?" then "how many concerts did they play": the one the last
            # answer named, which a ranking by another measure need not find again
            return cannot(
                f"'{winner}' stands for the one the last answer ranked first, and I do not carry an "
                "answer's name into the next question: ask again with it named."
            )
        if not follow and (unsaid := self._context_unsaid(t, found, previous, clock)):
            # "which venue sold the most tickets?" right after two questions on Wisconsin last
            # month: that place and month, or everything? Either answer could be the wrong one
            return cannot(
                f"Do you mean {unsaid}, as in the last question, or all of them? Ask again with it "
                "(or say 'all time', 'all venues')."
            )
        last_answer = memory.answered() if memory and follow else ""
        return self._analytics(q, t, found, clock, previous if follow else None, last_answer)

    @staticmethod
    def _context_unsaid(
        t: str, found: list[Found], previous: dict[str, Any] | None, clock: datetime | None
    ) -> str | None:
        """What the last question was about (its place, name and period) when this one, a
        ranking asked in the same conversation, names no place, name or period of its own nor
        says it wants everything: the scope it may have meant."""
        if not previous or previous.get("intent") != "analytics" or found or clock is None:
            return None
        if find_period(t, clock) or has(t, follow_ups.ALL_TIME, _EVERYTHING):
            return None
        if not (has(t, _ASKS_WHICH) and has(t, _RANKS_ONE)):  # in either order: "most tickets which venue?"
            return None
        filters = previous.get("filters") or {}
        scope = [analytics.side_label(k, v) for k, v in filters.items() if k in _PLACES]
        period = (previous.get("period") or {}).get("label")
        said = [*scope, *([str(period)] if period else [])]
        return ", ".join(said) if said else None

    @staticmethod
    def _named_within(t: str, said: re.Match[str], found: list[Found], clock: datetime | None) -> bool:
        """What `said` points at is named earlier in the question itself."""
        before = t[: said.start()]
        n = len(words(before))
        kinds = {f.entity.kind for f in found if f.end <= n}
        period = find_period(before, clock) if clock is not None else None
        return follow_ups.named_within(before, said[0], kinds, period)

    def _names_a_subject(self, question: str, clock: datetime | None) -> bool:
        """Whether a question names a measure, venue, artist, place, genre or period of its own."""
        q = reword(question)
        t = q.lower()
        named_period = clock is not None and find_period(t, clock) is not None
        return bool(self.vocabulary.find(q)) or named_period or metric_of(t) is not None

    @staticmethod
    def _sql(q: str) -> str | None:
        if m := _SQL.match(q):
            return m[1].strip()
        if m := _SQL_PREFIX.match(q):
            return m[1].strip() or None
        return None

    @staticmethod
    def _grouping_only(t: str) -> bool:
        """Only a breakdown ("broken down by quarter", "per venue?"): a follow-up asking the last
        question by it."""
        ws = [w for w, _ in words(t)]
        grouped = [w for w in ws if w.rstrip("s") in _GROUP_WORDS]
        cue = any(w in _BREAKDOWN_WORDS or w == "by" for w in ws)
        rest = [w for w in ws if w not in _FILLER and w not in _BREAKDOWN_WORDS and w not in grouped]
        return cue and len(grouped) == 1 and not rest

    @staticmethod
    def _measure_only(t: str) -> bool:
        """Only a measure ("tickets?", "and revenue"): a follow-up asking it of the last question."""
        left = [w for w, _ in words(t) if w not in _FILLER]
        return 0 < len(left) <= 2 and all(w in _MEASURE_WORDS for w in left)

    @staticmethod
    def _bare(t: str, found: list[Found]) -> bool:
        """Only a place, a name or a period ("in Ohio?", "for March 2026"): a follow-up."""
        named = {i for f in found for i in range(f.start, f.end)}
        left = [w for i, (w, _) in enumerate(words(t)) if i not in named]
        return bool(found or find_period(t, datetime.now(UTC))) and all(
            w in _FILLER or w in MONTHS or w.isdigit() for w in left
        )

    @staticmethod
    def _winner(t: str, previous: dict[str, Any] | None) -> str | None:
        """The pronoun that stands for the one a top-1 ranking found ("they" for an artist, "it"
        for a venue or a place), when the question before named no such thing itself; or the
        words that point at its figure ("the orders that went into that figure")."""
        if not previous or previous.get("top") != 1 or not previous.get("group"):
            return None
        group, named = previous["group"], set(previous.get("filters") or {})
        if group == "artist" and "artist" not in named:
            said = re.search(r"\b(?:they|them|their|he|she|his|her)\b", t)
        elif group in ("venue", "city", "state") and not named & {"venue", "city", "state"}:
            said = re.search(r"\b(?:it|its)\b", t)
        else:
            said = None
        # "how many orders went into that figure?": the first one's figure, whatever the group
        said = said or re.search(
            r"\b(?:went|go|goes|going|gone) into (?:that|this|it)\b"
            r"|\b(?:behind|make up|made up|makes up) (?:that|this)"
            r" (?:figure|number|amount|average|total|value)\b",
            t,
        )
        return said[0] if said else None

    def _analytics(
        self,
        q: str,
        t: str,
        found: list[Found],
        clock: datetime | None,
        previous: dict[str, Any] | None,
        last_answer: str = "",
    ) -> Plan:
        base = dict(previous) if previous and previous.get("intent") in ("analytics", "concerts") else None
        if base and base.pop("lookup", False):  # after "where is X": X is kept, not the lookup's shape
            base.update(group=None, top=None, rank=False)
        pointed = has(t, follow_ups.THAT_ONE) and grouping(t, None, found)[0] in (
            None,
            (base or {}).get("group"),
        )
        if base and base.get("group") in _COMPARABLE and base.get("top") and pointed:
            # "how many seats has that one got?" after "which venue took the most money?": that venue
            kind = str(base["group"])
            one = follow_ups.first_ranked(last_answer) if base.get("top") == 1 else None
            named = [f for f in self.vocabulary.find(one) if f.entity.kind == kind] if one else []
            if not any(f.entity.kind == kind for f in found):
                if len(named) != 1:
                    return cannot(
                        f"'that one' points to one {kind} of the last answer: ask about it by its name."
                    )
                kept = {**(base.get("filters") or {}), kind: filter_value(named[0].entity)}
                base.update(group=None, top=None, rank=False, filters=kept)
        if base and base.get("group") == "weekday" and base.get("top") == 1 and has(t, _THAT_DAY):
            # "and how much revenue on that day, same month?" after "which weekday sold the most?"
            day = str(follow_ups.first_ranked(last_answer) or "").strip().title()
            if day not in analytics.DAY_NAMES:
                return cannot("'that day' points to the day the last answer named: ask about it by its name.")
            that_day = [analytics.DAY_NAMES.index(day)]
            kept_filters = {**(base.get("filters") or {}), "days": that_day}
            base.update(group=None, top=None, rank=False, filters=kept_filters)
        if base is None and (none := absence.read(t)):  # "which venues in X sold no tickets in 2025?"
            return self._absent(t, found, clock, none)
        reason, t_no_reason = refund_reason(t)  # "refunds issued because the concert was cancelled"
        # "tickets at venues over 40,000 seats": tickets
        metric = metric_of(without_seat_threshold(t_no_reason))
        last_refunds = base and base.get("metric") in ("refunds", "refund_amount", "refund_count")
        if last_refunds and metric == "refunds" and not has(t, r"\btickets?\b"):
            # "restrict that to refunds issued ...": the refunds the last answer measured
            metric = str((base or {})["metric"])
        if reason and "refund" in t:  # a refund's reason: the measure is of refunds
            metric = {"tickets": "refunds", "revenue": "refund_amount", "orders": "refund_count"}.get(
                metric or "", metric
            )
        listing = (
            has(
                t,
                r"\b(list|show me|upcoming|what|which) (the )?(upcoming )?(concerts|shows)\b",
                r"\bupcoming (concerts|shows)\b",
                r"\bconcerts? (by|of|at|in)\b",
                r"\bcoming up\b",
                r"\bwhat(?:'s|s| is) on\b",
                r"\bupcoming\b",
                r"\b(?:concerts|shows|gigs|dates)\b[^?.]*(?:" + AFTER_TODAY + ")",  # "X concerts after today"
                r"\b(?:what's|what is|what are) (?:booked|scheduled|on)\b",
                r"\b(?:any|which|what) (?:[a-z-]+ )?(?:concerts|shows|gigs)\b",
                r"\b(?:gigs|shows)\b(?!.*\b(?:sold|sales?|tickets?|tix|revenue|gross|per|by|each|every|monthly"
                r"|weekly)\b)",
            )
            and metric in (None, "tickets", "concerts")
            and not has(t, r"how many|number of|\bcount\b", r"\b(?:top|best|most|biggest|busiest)\b")
        )
        if (counted := re.search(_PLACES_SOLD, t)) and metric in (None, "tickets", "orders", "revenue"):
            metric = f"{counted[1]}_sold"  # "in how many cities did we sell tickets": the cities
        concerts_with = has(t, _CONCERTS_WITH)
        if concerts_with:
            metric = "concerts"  # "how many X concerts had a refund": concerts, counted through refunds
        if metric in analytics.COUNTED_THROUGH and (metric != "concerts" or concerts_with):
            # "venues that sold tickets in 2025": counted through the facts
            metric = _counted_through(t, metric)
        cities = metric in (None, "capacity", "venues") and has(t, *_CITY_LIST) and not has(t, _COUNTED)
        if cities:
            metric = "venues"  # "the cities in Ohio": each city, with its number of venues
        if metric is None and has(t, _WHICH_ARTISTS):
            listing = True  # "which artists performed at X in H1 2026": the artists of those concerts
        if metric in (None, "capacity") and has(t, _WHICH_VENUES) and not has(t, _WHICH_ARTISTS):
            listing, metric = True, None  # "which venues did X play in 2025": the venues of those concerts
        if metric == "cancelled" and has(t, _WHICH_ONES) and not has(t, r"how many|number of|\bcount\b"):
            listing = True  # "list X's cancelled gigs", "shows that got scrapped - which ones?"
        if metric is None and has(
            t, r"\b(?:top|best|biggest|busiest|most popular)\b.*\b(?:concerts|shows|gigs)\b"
        ):
            metric, listing = "tickets", False  # a ranking of concerts: by tickets sold (stated)
        if metric is None and not listing and base is None:
            return cannot("I didn't understand the question. " + CAPABILITIES)
        if clock is None:
            return cannot(
                "The warehouse has no ticket sales yet: produce some events first (`concert produce`)."
            )
        period = find_period(_without_named_years(t, found), clock)
        if base and base.get("period") and (unit := re.search(follow_ups.PREVIOUS_UNIT, t)):
            last = Period.from_dict(base["period"])  # "and the previous year?" after 2024: 2023
            if follow_ups.spans_a(unit[1], last):
                period = comparisons.just_before(last)
        if period is None and base and base.get("period") and has(t, follow_ups.BEFORE_THAT):
            period = comparisons.just_before(Period.from_dict(base["period"]))  # "the 7 days prior to those"
        if period is None and base and base.get("period"):  # "and the whole first quarter": of that year
            year = str(Period.from_dict(base["period"]).start.year)
            period = find_period(f"in {comparisons.in_year(t, year)}", clock)
        if has(t, follow_ups.ALL_TIME) and base:
            base = {**base, "period": None}  # "and across all time": no period, not the last one
        if (
            period is not None
            and period.label.startswith("after ")
            and (metric in ("concerts", "cancelled") or listing)
            and not has(t, _PAST_TENSE)
        ):
            # "concerts after March 2026": every one from then on, those to come included
            period = Period(
                period.start, datetime(clock.year + 20, 1, 1, tzinfo=UTC), period.label, period.future
            )
        if (
            period is not None
            and period.start < clock < period.end
            and (metric in ("concerts", "cancelled") or listing)
            and has(
                t, r"\b(?:still to come|yet to come|after today|from today on|coming up|upcoming|ahead)\b"
            )
        ):  # "2026 concerts still to come": from now to the period's end, not the whole period
            period = Period(clock, period.end, f"{period.label}, from today on", future=True)
        if period is None and metric in ("concerts", "cancelled") and not listing and has(t, _UPCOMING):
            period = Period(clock, clock.replace(year=clock.year + 20), "upcoming", future=True)
        if period is not None and period.start > clock and metric not in ("concerts", None) and not listing:
            return cannot(
                f"The warehouse has no sales after {clock:%Y-%m-%d}: {period.label} has not happened yet "
                "(for a forecast, ask to predict ticket sales for a concert)."
            )
        filters: dict[str, Any] = dict(base.get("filters") or {}) if base else {}
        new_filters: dict[str, Any] = {}
        for f in found:
            new_filters[f.entity.kind] = filter_value(f.entity)
        if concert := number_after(t, "concert", "show"):
            new_filters["concert"] = concert
        new_filters.update(channel_and_tier(t))
        if reason:
            new_filters["reason"] = reason
        if threshold := seat_threshold(t):
            new_filters["seats"] = list(threshold)
        places = {"state", "city", "venue"}
        if places & set(new_filters):
            for k in places:
                filters.pop(k, None)
        if {"artist", "genre"} & set(new_filters):
            filters.pop("artist", None)
            filters.pop("genre", None)
        filters.update(new_filters)
        # "and by month?" after "... not counting Texas": still without Texas
        excluded = follow_ups.still_excluded(base, new_filters, t)
        if isinstance(excluded, str):
            return cannot(excluded)
        if listing or (base and base.get("intent") == "concerts" and metric is None):
            if excluded:
                return cannot("A list of concerts can't leave anything out: ask for it with what it keeps.")
            if period is None and base and base.get("period") and _of_concerts(base):
                period = Period.from_dict(base["period"])  # "which venues are they playing?": those
            return self._listing(t, filters, period, clock, base, cancelled=metric == "cancelled")
        if base and str(base.get("metric", "")).startswith("refund") and not has(t, r"\b(?:sold|sales?)\b"):
            # a follow-up of refunds asks of refunds: "tickets?" is the tickets refunded
            metric = {"tickets": "refunds", "revenue": "refund_amount"}.get(metric or "", metric)
        group, singular = ("city", False) if cities else grouping(t_no_reason, metric, found)
        if base and group in filters and group not in new_filters:
            filters.pop(group)  # "now split it all by tier": every tier, not the one asked before
        if metric == "sell_through" and group == "concert" and not has(t, _EACH_CONCERT):
            group = None  # "the sell-through of the concerts in X": one average over them
        if base and metric == "tickets" and has(t, _TIER_OR_CHANNEL_TICKETS) and base.get("metric"):
            metric = None  # "what about vip tickets?": a filter on the last question's measure
        # "just the VIP tickets in that month - how many?" after a breakdown (not a ranking): one figure
        one_figure = bool(base) and has(t, r"\bhow (?:many|much)\b") and not (base or {}).get("rank")
        if base and group is None and not has(t, r"\b(?:in total|overall|altogether|all together)\b"):
            group = None if one_figure else base.get("group")  # the breakdown kept, unless a total is asked
        if (group == "venue" and metric in ("venues", *analytics.COUNTED_THROUGH["venues"])) or (
            group == "artist" and metric in ("artists", *analytics.COUNTED_THROUGH["artists"])
        ):
            group, singular = None, False  # "count the venues in X": the count, not each venue
        if group == "customer" and metric in analytics.PER_CUSTOMER:
            group, singular = (
                None,
                False,
            )  # "orders each customer placed, on average": one figure per customer
        if base and (base.get("filters") or {}).get("days") and group == "weekday" and has(t, _THAT_DAY):
            group, singular = None, False  # "on that day of the week": the day named, not each day
        if group in new_filters and group in ("genre", "state", "channel", "tier"):
            group, singular = None, False  # "artists of the genre latin": that one genre, not each
        if days := days_of_week(t, group):
            filters["days"] = days
        # a venue's seats have no date: "how many people can it hold?" after "its concerts in 2025"
        undated = metric in analytics.METRICS and analytics.METRICS[metric][0] in ("venues", "artists")
        inherited_period = None if undated else (base or {}).get("period")
        slots: dict[str, Any] = {
            "intent": "analytics",
            "metric": metric or (base or {}).get("metric") or "tickets",
            "group": group if group or not base or metric or one_figure else base.get("group"),
            "filters": filters,
            "period": period.to_dict() if period else inherited_period,
            "top": top_n(t) or (1 if singular else None) or (base or {}).get("top"),
            # a breakdown by time is a timeline unless the question ranks it ("the busiest month")
            "rank": bool(top_n(t) or singular)
            or bool((base or {}).get("rank") and group == (base or {}).get("group")),
            "order": "asc"
            if has(t, r"\b(least|fewest|lowest|worst|bottom|smallest|quietest|cheapest)\b")
            else (base or {}).get("order", "desc"),
            "share": has(t, r"\b(?:share|percentage|percent|proportion|fraction)\b", r"%")
            and (metric or (base or {}).get("metric")) != "sell_through",  # a rate already
        }
        if excluded:
            slots["excluded"] = excluded
        if slots["metric"] == "sold_out" and slots["group"] is None and has(t, r"\bwhich\b|\blist\b"):
            slots["group"] = "concert"
        if slots["group"] is None and slots["metric"] == "sold_out" and "venue" in t:
            slots["group"] = "venue"
        listed = has(t, r"\b(?:venues|arenas|stadiums)\b") and not has(t, COMBINED)
        if slots["group"] is None and slots["metric"] == "capacity" and listed:
            slots["group"] = "venue"  # "venues in Houston": the list of them, with their seats
        if slots["group"] and slots["metric"] in ("sold_out", "capacity", "venues") and slots["top"] is None:
            slots["top"] = 200  # a list of venues or sold-out shows: all of them, within reason
        if compare := _compare(t, found, clock, base) or follow_ups.kept_comparison(
            base, new_filters, period, group
        ):
            slots.update(compare=compare, group=None, top=None, share=False)
            named_years = {y for f in found for y in re.findall(r"\b(?:19|20)\d{2}\b", f.entity.label)}
            if any(str(p["label"]) in named_years for p in compare.get("periods", [])):
                return cannot("A year compared here is in a name: say each period to compare in full.")
            sides = [(p["start"], p["end"]) for p in compare.get("periods", [])]
            if len(sides) > 1 and len(set(sides)) == 1:  # "2025 compared to last year" in 2026
                return cannot(
                    f"That compares {compare['periods'][0]['label']} with itself: say the other period."
                )
            if "periods" in compare and not comparisons.alike(compare["periods"], clock):
                return cannot(
                    "That compares periods of different lengths ("
                    + " and ".join(str(p["label"]) for p in compare["periods"])
                    + "): say each period in full."
                )
            if "periods" in compare:  # the later one stays the question's period, for follow-ups
                slots["period"] = compare["periods"][-1]
            else:
                slots["filters"] = {k: v for k, v in filters.items() if k != compare["dim"]}
        try:
            compiled = analytics.compile_slots(slots)
        except ValueError as exc:
            return cannot(f"I can't answer that: {exc}.")
        return Plan("analytics", [ToolCall("query_warehouse", {"sql": compiled.sql})], slots)

    @staticmethod
    def _absent(t: str, found: list[Found], clock: datetime | None, none: dict[str, Any]) -> Plan:
        """The venues, artists or concerts that had no sale, refund or concert in the period."""
        if clock is None:
            return cannot(
                "The warehouse has no ticket sales yet: produce some events first (`concert produce`)."
            )
        of = str(none["of"])
        period = find_period(t, clock)
        filters: dict[str, Any] = {f.entity.kind: filter_value(f.entity) for f in found}
        if threshold := seat_threshold(t):
            filters["seats"] = list(threshold)
        slots: dict[str, Any] = {
            "intent": "analytics",
            "metric": {"venue": "venues", "artist": "artists", "concert": "concerts"}[of],
            "group": None if none["counted"] else of,
            "filters": filters,
            "period": period.to_dict() if period else None,
            "top": 200,
            "rank": False,
            "order": "desc",
            "share": False,
            "absent": none["absent"],
            "any_status": none["any_status"],
        }
        try:
            compiled = analytics.compile_slots(slots)
        except ValueError as exc:
            return cannot(f"I can't answer that: {exc}.")
        return Plan("analytics", [ToolCall("query_warehouse", {"sql": compiled.sql})], slots)

    @staticmethod
    def _listing(
        t: str,
        filters: dict[str, Any],
        period: Period | None,
        clock: datetime,
        base: dict[str, Any] | None,
        *,
        cancelled: bool = False,
    ) -> Plan:
        upcoming = (
            not cancelled
            and has(
                t,
                r"\bupcoming\b",
                r"\bnext\b",
                r"\bfuture\b",
                r"\bscheduled\b",
                r"\bcoming\b",
                r"\bbooked\b",
                r"\bgoing forward\b",
                r"\bahead\b",
                AFTER_TODAY,
            )
        ) or (period is None and bool((base or {}).get("upcoming")))
        slots = (
            {
                "intent": "concerts",
                "filters": filters,
                "period": period.to_dict() if period else None,
                "upcoming": upcoming,
                "top": top_n(t) or (200 if has(t, _WHICH_ARTISTS, _WHICH_VENUES) else 20),
            }
            | ({"cancelled": True} if cancelled else {})
            | (
                {"of": "artist"}
                if has(t, _WHICH_ARTISTS)
                else {"of": "venue"}
                if has(t, _WHICH_VENUES)
                else {}
            )
        )
        sql = analytics.compile_listing(slots, clock)
        return Plan("concerts", [ToolCall("query_warehouse", {"sql": sql})], slots)
