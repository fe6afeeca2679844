"""The embedded planner: no model, only rules. Finds the intent (analytics, concert list,
prediction, recommendation, venue ranking, pipeline status, schema, raw SQL) and its slots
(metric, grouping, places, artists, genres, dates, top-N), and turns them into tool calls.
A follow-up ("and in Ohio?") starts from the previous question's slots. Says plainly what it
cannot answer rather than guessing. Pure."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chat import analytics
from chat.memory import Conversation
from chat.periods import MONTHS, Period, find_period
from chat.plan import Plan, ToolCall, cannot
from chat.vocabulary import REGIONS, Found, Vocabulary, words
from chat.wording import reword

CAPABILITIES = (
    "I can answer questions about tickets sold, revenue, orders, ticket prices (average, median, "
    "highest, lowest), per-order and per-customer figures, customers, refunds, concerts "
    "(cancelled, sold out, sell-through), venues and their seats, and artists (by venue, artist, "
    "city, state, genre, concert, customer, channel, tier, day, week, month, quarter, year or day "
    "of the week, for a period), predict ticket sales for a concert, recommend concerts for a customer, "
    "rank venues by predicted popularity, report the pipeline's health, explain the schema, and "
    "run a read-only SQL query (start it with SELECT)."
)
TABLES = (
    "dim_date", "dim_artist", "dim_venue", "dim_concert", "fact_ticket_sales", "fact_refunds",
    "agg_daily_sales", "agg_daily_venue_sales", "agg_daily_artist_sales", "agg_concert_sell_through",
)  # fmt: skip
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twenty": 20}  # fmt: skip
_FILLER = {
    "and", "what", "about", "how", "in", "for", "at", "the", "of", "by", "only", "instead", "then",
    "last", "this", "next", "month", "year", "week", "quarter", "days", "weeks", "months", "since",
    "between", "yesterday", "today", "q1", "q2", "q3", "q4", "on", "during", "ok", "okay", "now",
    "do", "just", "same", "please", "too", "as", "well", "again",
}  # fmt: skip
_FOLLOW_UP = re.compile(
    r"^\s*(?:(?:ok|okay|right|cool|great|thanks)[,!.]?\s+)?"
    r"(and|what about|how about|same(?: thing| again| question)?(?: for| but| with)?|now|also|then|but"
    r"|only|just|(?:rank|sort|order|show|list|break down|split) (?:them|those|these|that|it)"
    r"|(?:what|how) (?:if|for))\b",
    re.I,
)
_SQL = re.compile(
    r"^\s*(?:(?:run|execute)?\s*(?:this\s+)?(?:sql|query)\s*:\s*)?((?:select|with)\b.*)$", re.I | re.S
)
_SQL_PREFIX = re.compile(r"^\s*(?:run|execute)?\s*(?:this\s+)?(?:sql|query)\s*:\s*(.*)$", re.I | re.S)
_GROUP_WORDS = {
    "venue": ("venue", "venues", "arena", "arenas", "stadium", "stadiums"),
    "artist": (
        "artist",
        "artists",
        "performer",
        "performers",
        "band",
        "bands",
        "act",
        "acts",
    ),
    "city": ("city", "cities"),
    "state": ("state", "states", "province", "provinces"),
    "genre": ("genre", "genres"),
    "concert": ("concert", "concerts", "event", "events", "show", "shows", "gig", "gigs"),
    "channel": ("channel", "channels"),
    "tier": ("tier", "tiers"),
}
_TOGETHER = {"across", "in", "at", "for", "of", "over", "from"}
_GROUP_CUES = {"which", "what", "top", "best", "worst", "bottom", "per", "by", "each", "most", "the",
               "busiest", "biggest", "largest", "smallest", "every", "leading", "highest", "lowest",
               "quietest", "least", "fewest", "list", "our"}  # fmt: skip
_COMBINED = r"\b(?:combined|total|altogether|all together|overall|sum of|in all)\b"
_HOW = {"earning", "grossing", "selling", "performing", "paid", "attended", "sold", "popular"}
_SINGULAR = {"venue", "arena", "stadium", "artist", "performer", "band", "act", "show", "city",
             "state", "province", "genre", "concert", "event", "channel", "tier"}  # fmt: skip


_TIER_OR_CHANNEL_TICKETS = (
    r"\b(?:vip|floor|upper|lower|online|web|mobile|app|box[- ]office|partner)\s+(?:tickets?|seats?|sales)\b"
)
_WRITE_WORDS = (
    r"^\s*(?:(?:hey|hi|ok|okay)[,!]?\s+)?(?:please\s+|can you\s+|could you\s+|go ahead and\s+)?"
    r"(?:please\s+)?(?:drop|delete|remove|insert|update|"
    r"truncate|alter|wipe|erase|add|create|rename|modify|change|set|mark|cancel|reset)\b(?!.*\bselect\b)"
)


def _channel_tier(t: str) -> dict[str, str]:
    """Sales channel and ticket tier named in the question (the workload's values)."""
    out: dict[str, str] = {}
    for channel, pattern in (
        ("web", r"\b(?:online|web|website)\b"),
        ("mobile", r"\b(?:mobile|app|phone)\b"),
        ("box_office", r"\bbox[- ]office\b"),
        ("partner", r"\b(?:partners?|resellers?)\b"),
    ):
        if re.search(pattern, t) and not re.search(r"\b(?:by|per|each) channel", t):
            out["channel"] = channel
            break
    for tier in ("vip", "floor", "lower", "upper"):
        if re.search(rf"\b{tier}\b(?! than)", t) and not re.search(r"\b(?:by|per|each) tier", t):
            out["tier"] = tier
            break
    return out


_DAY_WORDS = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}


def _days(t: str, group: str | None) -> list[int] | None:
    """The days of the week a question keeps ("on Fridays", "weekend sales"), unless it breaks
    the figures down by day of the week or sets the weekend against the weekdays."""
    if group in ("weekday", "daytype"):
        return None
    named = [n for day, n in _DAY_WORDS.items() if re.search(rf"\b{day}s?\b", t)]
    if named:
        return named
    if re.search(r"\bweekends?\b", t):
        return [0, 6]
    if re.search(r"\b(?:on )?weekdays\b|\bduring the week\b", t):
        return [1, 2, 3, 4, 5]
    return None


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def _number_after(text: str, *nouns: str) -> int | None:
    for noun in nouns:
        if m := re.search(rf"\b{noun}s?\s*(?:id\s*)?(?:#|number|no\.?)?\s*(\d+)\b", text):
            return int(m[1])
    return None


def _top(text: str) -> int | None:
    n = r"(\d+|" + "|".join(_NUMBER_WORDS) + ")"
    for pattern in (
        rf"\b(?:which|what|the|recommend|suggest|list|show me|give me)\s+{n}\s+[a-z]",
        rf"\bk\s*=\s*{n}",
    ):
        if m := re.search(pattern, text):
            return int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
    if m := re.search(
        r"\b(?:top|best|worst|bottom|first|highest|lowest)\s+(\d+|" + "|".join(_NUMBER_WORDS) + r")\b", text
    ):
        return int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
    if m := re.search(r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(?:most|best|least|biggest|top)\b", text):
        return int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1]]
    return None


_PRICE = r"(?:ticket )?price"
_CANCELLED = r"\bcancel(?:l?ed|lations?)\b|\bcalled off\b|\bscrapped\b|\baxed\b"
_ORDER = r"(?:order|purchase|transaction|booking|sale)"
_PER_CUSTOMER = r"per (?:customer|buyer|fan|person|head)"
_HOW_MANY = r"\b(?:how many|number of|count of|count the)\s+(?:different\s+|distinct\s+)?"


def _measure(t: str) -> str | None:
    """The measures beyond sums and counts: a median, extremes, per-order and per-customer forms,
    counts and seats of the dimensions themselves, cancelled concerts."""
    if _has(t, rf"\bmedian {_PRICE}", r"\bmedian\b.*\bpaid\b"):
        return "median_price"
    if _has(
        t,
        rf"\b(?:highest|max(?:imum)?|most expensive|top) {_PRICE}",
        r"\b(?:most expensive|priciest|dearest) (?:tickets?|seats?)\b",
    ):
        return "max_price"
    if _has(t, rf"\b(?:lowest|min(?:imum)?|cheapest) {_PRICE}", r"\bcheapest (?:tickets?|seats?)\b"):
        return "min_price"
    if _has(t, rf"\btickets? per {_ORDER}", r"\baverage order size\b", rf"\bper {_ORDER}\b.*\btickets\b"):
        return "avg_order_tickets"
    if _has(
        t,
        rf"\b(?:average|avg|mean) (?:{_ORDER}|basket) (?:value|size in dollars|amount)",
        rf"\b(?:revenue|spend|spent|value|money) per {_ORDER}",
    ):
        return "avg_order_value"
    if _has(
        t,
        rf"\b(?:revenue|spend|spent|spending|money|dollars) {_PER_CUSTOMER}",
        rf"\b(?:average|avg) (?:spend|spending)\b.*{_PER_CUSTOMER}",
    ):
        return "revenue_per_customer"
    if _has(t, rf"\btickets? {_PER_CUSTOMER}"):
        return "tickets_per_customer"
    if _has(t, _CANCELLED):
        return "cancelled"
    if _has(t, r"\b(?:most|fewest|least|more|number of) (?:concerts|shows|gigs|events)\b"):
        return "concerts"
    if _has(
        t,
        r"\b(?:list|show me|name|what are|which are|which|what|all)\b(?: [a-z-]+){0,3} "
        r"(?:venues|arenas|stadiums)\b",
        r"^(?:our |the |all )?(?:venues|arenas|stadiums) (?:in|at)\b",
    ) and not _has(t, r"\b(?:sold|sales?|tickets?|revenue|how many|number of|count)\b"):
        return "capacity"
    if _has(t, _HOW_MANY + r"(?:[a-z-]+ ){0,2}(?:venues|arenas|stadiums)\b", r"\bvenues\b.*\bcount\b"):
        return "venues"
    if _has(
        t,
        _HOW_MANY + r"(?:[a-z-]+ ){0,2}(?:artists|bands|performers|acts)\b",
        r"\b(?:artists|acts)\b.*\bcount\b",
    ):
        return "artists"
    if _has(
        t,
        r"\b(?:seats|seating capacity)\b",
        r"\b(?:biggest|largest|smallest) (?:venue|arena|stadium)s?\b",
        r"\bcapacity of\b",
        r"\btotal capacity\b",
    ):
        return "capacity"
    if _has(
        t,
        r"\b(?:how many|number of|count of) (?:orders|purchases|transactions|bookings)\b",
        r"\bmost orders\b",
    ):
        return "orders"
    return None


def _metric(t: str) -> str | None:
    if measure := _measure(t):
        return measure
    if _has(t, r"sold[ -]?out", r"sell[- ]?outs?\b"):
        return "sold_out"
    if _has(t, r"sell[- ]?(?:through|thru)", r"occupancy", r"fill rate", r"how full", r"capacity sold"):
        return "sell_through"
    if _has(
        t,
        r"refund(ed)? amount",
        r"amount refunded",
        r"refunds? (?:in|worth) (?:dollars|money)",
        r"money refunded",
        r"how much .*refund",
        r"(?:\$|dollars?|money|value) (?:refunded|in refunds|of refunds)",
        r"refund(?:ed|s)? (?:dollars|value|total in dollars)",
    ):
        return "refund_amount"
    if _has(t, r"refund"):
        return "refunds"
    if _has(
        t,
        r"average (?:ticket )?price",
        r"avg (?:ticket )?price",
        r"mean (?:ticket )?price",
        r"price per ticket",
    ):
        return "avg_price"
    if _has(
        t,
        r"revenue",
        r"gross",
        r"\bearn",
        r"\bmoney\b",
        r"\bdollars\b",
        r"how much .*(?:make|made|bring)",
        r"\bincome\b",
        r"takings",
        r"\b(?:take|took|taken|taking) in\b",
        r"\bgrossed\b",
    ):
        return "revenue"
    if _has(t, r"customers", r"buyers", r"\bfans\b", r"people bought", r"unique (?:customers|buyers)"):
        return "customers"
    if _has(
        t,
        r"how many (?:concerts|shows|events)",
        r"number of (?:concerts|shows|events)",
        r"count (?:of )?(?:concerts|shows)",
        r"concerts (?:are|were) (?:there|scheduled|held|played)",
    ):
        return "concerts"
    if _has(t, r"\b(?:orders|transactions|purchases|bookings)\b"):
        return "orders"
    if _has(
        t,
        r"tickets?",
        r"\btix\b",
        r"\bsold\b",
        r"\bsales?\b",
        r"\bsell(?:s|ing)?\b",
        r"\bbest[- ]selling\b",
        r"\bpopular\b",
        r"\bbusiest\b",
    ):
        return "tickets"
    return None


_TIME_GROUP_WORDS = {
    "week": (r"\b(?:by|per|each|every) week\b", r"\bweekly\b", r"\bweek by week\b"),
    "quarter": (r"\b(?:by|per|each|every) quarter\b", r"\bquarterly\b", r"\bquarter by quarter\b"),
    "year": (r"\b(?:by|per|each|every) year\b", r"\byearly\b", r"\bannual(?:ly)?\b", r"\byear by year\b"),
    "day": (r"\b(?:by|per|each|every) (?:day|date)\b(?! of (?:the )?week)", r"\bdaily\b", r"\bday by day\b"),
    "daytype": (r"\bweekends?\b.*\bweekdays?\b", r"\bweekdays?\b.*\bweekends?\b"),
    "weekday": (r"\bday of (?:the )?week\b", r"\bweekdays?\b", r"\b(?:best|busiest|worst|quietest) day\b"),
    "customer": (
        r"\b(?:by|each|every) (?:customer|buyer|fan)s?\b",
        r"\b(?:top|best|biggest|which) (?:\d+ |[a-z]+ )?(?:customers|buyers|fans|spenders)\b",
        r"\b(?:which|what) (?:customer|buyer|fan)\b",
    ),
}  # fmt: skip


def _group(t: str, metric: str | None, found: list[Found]) -> tuple[str | None, bool]:
    """The grouping word and whether it was singular ('which venue' -> top 1)."""
    for group, patterns in _TIME_GROUP_WORDS.items():
        if _has(t, *patterns) and not (group == "customer" and metric == "customers"):
            single = _has(
                t, r"\b(?:best|busiest|worst|quietest|which|what) (?:day|weekday|customer|buyer|fan)\b"
            )
            return group, group in ("weekday", "customer") and single
    if _has(
        t,
        r"\bper month\b",
        r"\bby month\b",
        r"\bmonthly\b",
        r"\beach month\b",
        r"\bover time\b",
        r"\bmonth by month\b",
        r"\bmonth-by-month\b",
        r"\btrend(?:s|ing)?\b",
    ):
        return "month", False
    if _has(t, r"\b(?:which|what|best|busiest|worst|biggest|quietest) month\b"):
        return "month", True
    if m := re.search(
        r"\b(?:which|what|best|busiest|worst|biggest|quietest) (week|quarter|year|day)\b(?! of the week)", t
    ):
        return m[1], True
    named_spans = {i for f in found for i in range(f.start, f.end)}
    kinds = {i: f.entity.kind for f in found for i in range(f.start, f.end)}
    kept = [(i, w) for i, (w, _) in enumerate(words(t)) if i not in named_spans]
    ws = [w for _, w in kept]
    for i, w in enumerate(ws):
        before = ws[i - 1] if i else ""
        if before in _HOW and i > 1:
            before = ws[i - 2]  # "top earning artist", "best selling venue": the cue is before
        together = before == "the" and i > 2 and ws[i - 2] == "all" and ws[i - 3] in _TOGETHER
        named = kinds.get(kept[i][0] - 1) in (
            "genre",
            "artist",
        )  # "the opera shows": a filter, not a breakdown
        combined = before in ("every", "each", "all") and _has(t, _COMBINED)
        if (
            (
                before not in _GROUP_CUES
                and not (before.isdigit() and not re.fullmatch(r"(?:19|20)\d\d", before))
            )
            or together
            or combined
            or (before == "the" and named)
        ):
            continue  # "across all the venues" is every venue together, not a breakdown
        for group, nouns in _GROUP_WORDS.items():
            if w in nouns and not (group == "concert" and metric == "concerts"):
                single = bool(re.match(r"\s*who\b", t)) or before in (
                    "which", "what", "busiest", "biggest", "largest", "smallest", "quietest", "top", "best",
                    "worst", "leading", "highest", "lowest",
                )  # fmt: skip
                return group, (w in _SINGULAR and single) or bool(re.match(r"\s*who\b", t))
    return None, False


_NOT_NAMES = set(MONTHS) | {f"{d}s" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")} | {
    "saturdays", "sundays", "ytd", "mtd",
    "i", "q1", "q2", "q3", "q4", "sql", "dlq", "etl", "api", "utc", "id", "ok", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip


def _unknown_name(question: str, found: list[Found]) -> str | None:
    """Capitalised words (a name: after the first word, or after in/at/for/by/from) that the
    vocabulary does not know: better said than silently ignored."""
    taken = {i for f in found for i in range(f.start, f.end)}
    ws = words(question)
    i = 0
    while i < len(ws):
        after_cue = i > 0 and ws[i - 1][0] in ("in", "at", "by", "for", "from", "of")
        name = []
        j = i
        while j < len(ws) and ws[j][1][:1].isupper() and j not in taken and ws[j][0] not in _NOT_NAMES:
            name.append(ws[j][1])
            j += 1
        if name and (i > 0 or after_cue) and not (len(name) == 1 and name[0] in REGIONS):
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
        filters: dict[str, Any] = {"venue": [kinds["venue"].key, kinds["venue"].label]}
        metric = "capacity"
    elif "artist" in kinds and len(found) == 1:
        asked = re.search(r"\bgenre\b|\b(?:kind|type|style|sort) of (?:music|act|artist|band)\b", t)
        group, metric = "genre", "artists"
        filters = {"artist": [kinds["artist"].key, kinds["artist"].label]}
    else:
        return None
    if asked is None or _metric(t) not in (None, "capacity", "artists"):
        return None
    return {"intent": "analytics", "metric": metric, "group": group, "filters": filters, "period": None,
            "top": 1, "order": "desc", "share": False}  # fmt: skip


class DeterministicPlanner:
    """Rules over the vocabulary of the warehouse's dimensions."""

    name = "deterministic"

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def plan(self, question: str, clock: datetime | None, memory: Conversation | None = None) -> Plan:
        """The plan of one question; follow-ups start from the conversation's last question."""
        previous = memory.previous() if memory else None
        q = reword(question)
        t = q.lower()
        if not q:
            return cannot("Ask me something. " + CAPABILITIES)
        if _has(t, _WRITE_WORDS):
            return cannot("I only read the data: I can't change, add or remove anything.")
        if sql := self._sql(q):
            return Plan("sql", [ToolCall("query_warehouse", {"sql": sql})], {"sql": sql})
        if re.fullmatch(r"(hi|hello|hey|help|what can you do\??)[!. ]*", t):
            return Plan("help", reply=CAPABILITIES)
        if _has(
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
        if (table and _metric(t) is None) or _has(
            t, r"\bschema\b", r"\b(what|which|list( the)?|show( me)?( the)?) tables\b", r"\btables are there",
            r"\bcolumns\b", r"what data (is|do)", r"\bdescribe\b",
        ):  # fmt: skip
            return Plan(
                "explain_schema",
                [ToolCall("explain_schema", {"table": table} if table else {})],
                {"table": table},
            )
        follow = bool(_FOLLOW_UP.match(q)) and previous is not None
        prev_intent = (previous or {}).get("intent")
        concert = _number_after(t, "concert", "show", "event")
        customer = _number_after(t, "customer", "user", "fan", "buyer")
        if _has(
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
        if _has(
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
            args = {"customer_id": customer, "k": _top(t) or 10}
            return Plan("recommend_concerts", [ToolCall("recommend_concerts", args)], args)
        found = self.vocabulary.find(q)
        if unknown := _unknown_name(q, found):
            return cannot(f"I don't know a venue, artist, city or state called '{unknown}'.")
        if lookup := _lookup(t, found):
            return Plan(
                "analytics",
                [ToolCall("query_warehouse", {"sql": analytics.compile_slots(lookup).sql})],
                lookup,
            )
        measured = _metric(re.sub(r"\bpopular(?:ity)?\b|\brank(?:ed|ing|s)?\b", " ", t))
        sized = _has(t, r"\b(?:seats|seating|capacity|biggest|largest|smallest)\b")
        if (measured is None or (measured == "capacity" and not sized)) and _has(
            t,
            r"\brank",
            r"venue popularity",
            r"popular venues?\b",
            r"(hottest|trending) venues?",
            r"venues? (?:will|are going to|expected to)",
            r"predicted demand",
            r"most popular venues?",
        ):
            top = _top(t) or (1 if re.search(r"\b(which|what) venue\b", t) else 10)
            ranked: dict[str, Any] = {"top": top}
            for f in found:
                if f.entity.kind == "state":
                    ranked["state"] = f.entity.key
                elif f.entity.kind == "city":
                    ranked["city"] = f.entity.key[0]
            return Plan("rank_venues", [ToolCall("rank_venues", ranked)], ranked)
        return self._analytics(q, t, found, clock, previous if (follow or self._bare(t, found)) else None)

    @staticmethod
    def _sql(q: str) -> str | None:
        if m := _SQL.match(q):
            return m[1].strip()
        if m := _SQL_PREFIX.match(q):
            return m[1].strip() or None
        return None

    @staticmethod
    def _bare(t: str, found: list[Found]) -> bool:
        """Only a place, a name or a period ("in Ohio?", "for March 2026"): a follow-up."""
        named = {i for f in found for i in range(f.start, f.end)}
        left = [w for i, (w, _) in enumerate(words(t)) if i not in named]
        return bool(found or find_period(t, datetime.now(UTC))) and all(
            w in _FILLER or w in MONTHS or w.isdigit() for w in left
        )

    def _analytics(
        self, q: str, t: str, found: list[Found], clock: datetime | None, previous: dict[str, Any] | None
    ) -> Plan:
        base = dict(previous) if previous and previous.get("intent") in ("analytics", "concerts") else None
        metric = _metric(t)
        listing = (
            _has(
                t,
                r"\b(list|show me|upcoming|what|which) (the )?(upcoming )?(concerts|shows)\b",
                r"\bupcoming (concerts|shows)\b",
                r"\bconcerts? (by|of|at|in)\b",
                r"\bcoming up\b",
                r"\b(?:what's|what is|what are) (?:booked|scheduled|on)\b",
                r"\b(?:any|which|what) (?:[a-z-]+ )?(?:concerts|shows|gigs)\b",
                r"\b(?:gigs|shows)\b(?!.*\b(?:sold|sales?|tickets?|tix|revenue|gross)\b)",
            )
            and metric in (None, "tickets", "concerts")
            and not _has(t, r"how many|number of|\bcount\b", r"\b(?:top|best|most|biggest|busiest)\b")
        )
        if metric is None and _has(
            t, r"\b(?:top|best|biggest|busiest|most popular)\b.*\b(?:concerts|shows|gigs)\b"
        ):
            metric, listing = "tickets", False  # a ranking of concerts: by tickets sold (stated)
        if metric is None and not listing and base is None:
            return cannot("I didn't understand the question. " + CAPABILITIES)
        if clock is None:
            return cannot(
                "The warehouse has no ticket sales yet: produce some events first (`concert produce`)."
            )
        period = find_period(t, clock)
        if period is not None and period.start > clock and metric not in ("concerts", None) and not listing:
            return cannot(
                f"The warehouse has no sales after {clock:%Y-%m-%d}: {period.label} has not happened yet "
                "(for a forecast, ask to predict ticket sales for a concert)."
            )
        filters: dict[str, Any] = dict(base.get("filters") or {}) if base else {}
        new_filters: dict[str, Any] = {}
        for f in found:
            e = f.entity
            if e.kind in ("venue", "artist"):
                new_filters[e.kind] = [e.key, e.label]
            elif e.kind == "city":
                new_filters["city"] = list(e.key)
            else:
                new_filters[e.kind] = e.key
        if concert := _number_after(t, "concert", "show"):
            new_filters["concert"] = concert
        new_filters.update(_channel_tier(t))
        places = {"state", "city", "venue"}
        if places & set(new_filters):
            for k in places:
                filters.pop(k, None)
        if {"artist", "genre"} & set(new_filters):
            filters.pop("artist", None)
            filters.pop("genre", None)
        filters.update(new_filters)
        if listing or (base and base.get("intent") == "concerts" and metric is None):
            return self._listing(t, filters, period, clock, base)
        group, singular = _group(t, metric, found)
        if base and metric == "tickets" and _has(t, _TIER_OR_CHANNEL_TICKETS) and base.get("metric"):
            metric = None  # "what about vip tickets?": a filter on the last question's measure
        if base and group is None and not _has(t, r"\b(?:in total|overall|altogether|all together)\b"):
            group = base.get("group")  # a follow-up keeps the breakdown unless it asks for a total
        if days := _days(t, group):
            filters["days"] = days
        slots: dict[str, Any] = {
            "intent": "analytics",
            "metric": metric or (base or {}).get("metric") or "tickets",
            "group": group if group or not base or metric else base.get("group"),
            "filters": filters,
            "period": period.to_dict() if period else ((base or {}).get("period") if base else None),
            "top": _top(t) or (1 if singular else None) or (base or {}).get("top"),
            "order": "asc"
            if _has(t, r"\b(least|fewest|lowest|worst|bottom|smallest|quietest)\b")
            else (base or {}).get("order", "desc"),
            "share": _has(t, r"\b(?:share|percentage|percent|proportion|fraction)\b", r"%"),
        }
        if slots["metric"] == "sold_out" and slots["group"] is None and _has(t, r"\bwhich\b|\blist\b"):
            slots["group"] = "concert"
        if slots["group"] is None and slots["metric"] == "sold_out" and "venue" in t:
            slots["group"] = "venue"
        listed = _has(t, r"\b(?:venues|arenas|stadiums)\b") and not _has(t, _COMBINED)
        if slots["group"] is None and slots["metric"] == "capacity" and listed:
            slots["group"] = "venue"  # "venues in Houston": the list of them, with their seats
        if slots["group"] and slots["metric"] in ("sold_out", "capacity") and slots["top"] is None:
            slots["top"] = 200  # a list of venues or sold-out shows: all of them, within reason
        try:
            compiled = analytics.compile_slots(slots)
        except ValueError as exc:
            return cannot(f"I can't answer that: {exc}.")
        return Plan("analytics", [ToolCall("query_warehouse", {"sql": compiled.sql})], slots)

    @staticmethod
    def _listing(
        t: str, filters: dict[str, Any], period: Period | None, clock: datetime, base: dict[str, Any] | None
    ) -> Plan:
        upcoming = _has(
            t,
            r"\bupcoming\b",
            r"\bnext\b",
            r"\bfuture\b",
            r"\bscheduled\b",
            r"\bcoming\b",
            r"\bbooked\b",
            r"\bgoing forward\b",
            r"\bahead\b",
        ) or (period is None and bool((base or {}).get("upcoming")))
        slots = {
            "intent": "concerts",
            "filters": filters,
            "period": period.to_dict() if period else None,
            "upcoming": upcoming,
            "top": _top(t) or 20,
        }
        sql = analytics.compile_listing(slots, clock)
        return Plan("concerts", [ToolCall("query_warehouse", {"sql": sql})], slots)
