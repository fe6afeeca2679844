"""Two questions in one ("How many tickets did X sell in 2025, and how many were VIP?"): each
part planned on its own, the second as a follow-up to the first, and both answered; never the
second part alone stated as the answer to the whole; and blanks to fill ("X sold ____ tickets
and made $____") counted against the figures the plan gives. Pure: the planner is passed in."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chat import analytics, dialects
from chat.coverage import covered
from chat.exclusions import planned_without
from chat.memory import Conversation
from chat.periods import MONTHS, SHORT_MONTHS, find_period
from chat.plan import Plan, Planner, cannot

# ", and how many ...", "? And what was ...", "plus the revenue", "(and how many were VIP)",
# "+ how many orders": a second request after a first one. "Which venue sold the most, and how
# many?" asks for the ranking's own figure: the second part must hold more than its question
# words (`_CONTENT_FREE`).
_SPLIT = re.compile(
    r"(?:(?:\s*[,;:(]\s*|\s*[?!.]\s*|\s*[\u2013\u2014-]{1,2}\s*|\s+)(?:and|plus)\s*,?\s+(?:also\s+)?|\s+[+&]\s+)"
    r"(?=(?:how (?:many|much)|what(?:'s| is| was| were| are| about)?|which|who|the (?:number|total|count"
    r"|revenue|average|median)|(?:total |gross )?revenue\b|\$?_{2,}))",  # "and ____ of them": a blank to fill
    re.IGNORECASE,
)
# What a second part may say that asks nothing new: its question words, "was that", "in total".
_CONTENT_FREE = re.compile(
    r"\b(?:and|plus|also|how|many|much|what(?:'s)?|is|was|were|are|that|those|it|they|them|there"
    r"|did|do|does|sell|sold|make|made|bring|brought|in|total|all|overall|exactly|of|the|number"
    r"|count|figure|value)\b|[?.!,()]"
)
# One request that holds two figures ("the difference between revenue in 2024 and revenue in
# 2025", "which was bigger, ... or ...", "revenue in 2025 and the growth over 2024"): a
# comparison, planned whole.
_ONE_REQUEST = re.compile(
    r"\b(?:difference|differ|between|ratio|sum|summed|compare[ds]?|comparing|comparison|versus|vs\.?"
    r"|(?<!other )(?<!rather )than|against|growth|grew|gap|change[ds]?|increase[ds]?|decrease[ds]?|up or down"
    r"|bigger|higher|larger|greater|smaller|lower|fewer|less|more)\b",
    re.IGNORECASE,
)
# A second part that undoes what the first narrowed ("and how many overall?", "were not VIP",
# "the rest", "the lowest"), which a follow-up would read as the first part again.
_UNDOES = re.compile(
    r"\b(?:not|non|n't|excluding|except|without|other|others|else|rest|overall|everyone"
    r"|everybody|everything|whole|entire|everywhere|altogether|combined|all|any|every|first|last one"
    r"|earliest|latest|instead)\b|n't\b",
    re.IGNORECASE,
)
# A span, or a period placed against another ("from March to May", "the March before that",
# "March of the year before", "March so far"): the first part's year is not simply its own.
_NOT_THE_YEAR = re.compile(
    r"\b(?:to|through|thru|until|till|up to|on|onwards?|from|since|before|after|next|last|this|previous"
    r"|prior|following|preceding|so far|to date|year|ago)\b|[\u2013\u2014-]",
    re.IGNORECASE,
)
# What makes the first part's year no period's own: a bound ("before 2025") or a name ("Tailgate
# 2008", a capitalised word that is no month, quarter or preposition).
_BOUNDS = ("before", "after", "since", "until", "till", "through", "thru", "from", "to", "by")
_PLAIN_BEFORE_A_YEAR = (*MONTHS, *SHORT_MONTHS, "q1", "q2", "q3", "q4", "h1", "h2",
                        "in", "of", "during", "for")  # fmt: skip
# A period said against the first part's ("the March before that", "the January after").
_AGAINST_THE_FIRST = re.compile(
    r"\b(?:before|after|previous|prior|following|preceding|earlier|later|same|then)\b"
    r"|\bon(?:wards?)?\b(?=\s*(?:[?.!,;]|$))",  # "from April on", not "on average"
    re.IGNORECASE,
)
# A third request inside the second part ("and revenue ... and orders").
_THIRD = re.compile(
    r"\band\s+(?:the\s+)?(?:tickets|tix|revenue|orders|refunds|customers|buyers|concerts|shows|average"
    r"|median|number)\b",
    re.IGNORECASE,
)
# The words of each measure, taken out of a ranking's second part to see whether it asks more
# than the ranking's own figure ("which venue sold the most tickets, and how many tickets?").
_MEASURE_WORDS = {
    "tickets": r"tickets?|tix|seats?",
    "revenue": r"revenue|dollars?|money|sales|earn(?:ed)?|gross(?:ed)?",
    "orders": r"orders?|purchases?",
}
# The second part naming whose figure it asks ("how many did X sell", "the revenue for X"): X
# stands for the first part's subject, not inside it (a pronoun or "there" keeps it).
_NAMED_SUBJECT = re.compile(
    r"\b(?:did|does|do|has|have|had|for)\s+(?!(?:they|it|she|he|we|you|them|those|these|that|this|her|his"
    r"|their|its|each|every|all|both)\b)[a-z]",
    re.IGNORECASE,
)
_KEPT_ON_PURPOSE = re.compile(r"\b(?:there|that (?:venue|city|state|artist|place)|her|his|their|its)\b", re.I)
_ENTITIES = ("artist", "venue", "city", "state", "genre", "concert")
_ASK_APART = "Ask them one at a time."
# A period the second part says without its year ("in Q1 2025, and how many in Q2?", "in
# January 2025 and how many in March?"): the first part's year, not the latest such period.
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_YEARLESS = re.compile(
    r"\b(?:in|of|for|during|over|from)\s+(?:the\s+)?(?:month of\s+)?"
    r"(?:q[1-4]|h[12]|(?:first|second|third|fourth|1st|2nd|3rd|4th) (?:quarter|half)"
    rf"|{'|'.join((*MONTHS, *SHORT_MONTHS))})\b(?!\s*(?:of\s+)?'?\d)(?!\s+quarter)",
    re.IGNORECASE,
)


# Two measures asked of one subject ("Revenue and tickets for 2025", "How many orders and
# tickets did Cher have in 2025?"): each measure with the rest of the question, as two requests.
_MEASURE = (
    r"(?:(?:total |gross )?revenue|income|earnings|takings|ticket sales|tickets sold|tickets|sales|orders)"
    r"(?!\s+(?:prices?|price|costs?|count|share|per)\b)"
)  # not refunds (after them a follow-up's "revenue" is the amount refunded), nor prices (a ticket
# price said alone is read as tickets)
# A rest that the second measure would be read through, or that asks more: the whole is asked
# apart ("for customers in Texas": a count of customers; "for concerts in 2025": a list of them;
# ", and how many were VIP?": a third request).
_NOT_SHARED = re.compile(
    r"\b(?:customers?|buyers?|fans?|people|persons?|concerts?|shows?|gigs?|events?|upcoming|future|next"
    r"|how|what|which|who|where|when|refund(?:s|ed)?)\b|[,;:(\u2013\u2014]|\s-\s|\?.",
    re.IGNORECASE,
)
_TWO_MEASURES = re.compile(
    r"^(?P<lead>\W*(?:(?:what|how much|how many)\s+(?:(?:was|were|is|are|did)\s+)?)?(?:the\s+)?(?:total\s+)?)"
    rf"(?P<a>{_MEASURE})\s+(?:and|&|plus)\s+(?:the\s+)?(?:(?:total|number|count)\s+of\s+)?"
    rf"(?P<b>{_MEASURE})(?P<rest>\s.*|[?.!]?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Parts:
    """The question cut in two at the second request."""

    first: str
    second: str


def split(question: str) -> Parts | list[str] | None:
    """The two requests of a question; the requests when it asks three or more (a list); None
    when it asks one thing."""
    if _ONE_REQUEST.search(question):
        return None
    if (m := _TWO_MEASURES.match(question)) and not _NOT_SHARED.search(m["rest"]):
        asked = " ".join(w for w in ("and", m["lead"].strip(), m["b"]) if w)  # "and how many tickets"
        return Parts(f"{m['lead']}{m['a']}{m['rest']}", f"{asked}{m['rest']}")
    found = list(_SPLIT.finditer(question))
    if not found:
        return None
    if (
        len(found) > 1
        and re.match(r"\s*[.!]", found[0][0])
        and len(question[: found[0].start()].split()) <= 3
    ):
        return split(question[found[0].start() :].lstrip(" .!"))  # "Much obliged. And how many ..."
    if len(found) > 1:
        cuts = [0, *(m.start() for m in found), len(question)]
        return [question[a:b].strip(" ,;:(") for a, b in itertools.pairwise(cuts)]
    m = found[0]
    if re.fullmatch(r"\s+plus\s+", m[0], re.IGNORECASE) and re.match(r"the\b", question[m.end() :], re.I):
        return None  # "revenue in 2024 plus the revenue in 2025": a sum, one request
    first, second = question[: m.start()].strip(" ,;:(\u2013\u2014-"), question[m.start() :].strip(" ,;:")
    second = re.sub(r"^[^a-z]*(?:(?:and|plus)\b\s*,?\s*)?", "and ", second, flags=re.IGNORECASE)
    second, mark, tail = second.partition("?")  # "..., and how many? Cities, not venues.": a remark
    if not first or not _CONTENT_FREE.sub(" ", second).strip():
        return None
    if tail.strip():  # on the whole question: said with each part
        return Parts(f"{first}. {tail.strip()}", f"{second}{mark} {tail.strip()}")
    return Parts(first, second + mark)


def planned(planner: Planner, question: str, clock: datetime | None, memory: Conversation | None) -> Plan:
    """The plan of a question whose every part is used (`chat.coverage.covered`): two requests
    in one are planned apart and answered both, or refused with the reason; never one of them
    answered as if it were the whole."""
    parts = split(question)
    if parts is None and (english := dialects.read(question)) != question:
        parts = split(english)  # "..., dan berapa yang VIP?": two requests once read as English
    if isinstance(parts, list):
        return cannot(f"That asks {len(parts)} things at once. {_ASK_APART}", planner=planner.name)
    if parts is not None and (both := _both(planner, parts, clock, memory)) is not None:
        return both
    plan = _one(planner, question, clock, memory)
    blanks = _blanks(question)  # "Fill in the blanks: X sold ____ and made $____"
    if blanks > 1 and plan.calls and not (plan.slots.get("compare") and blanks <= 3):
        return cannot(
            f"That asks {blanks} things at once ({blanks} blanks). {_ASK_APART}", planner=plan.planner
        )
    return plan


def _one(planner: Planner, question: str, clock: datetime | None, memory: Conversation | None) -> Plan:
    """One request planned, with what it leaves out (`chat.exclusions`), its coverage checked."""
    return planned_without(planner, question, clock, memory) or covered(
        question, planner.plan(question, clock, memory)
    )


def _blanks(text: str) -> int:
    return len(re.findall(r"_{2,}", text))


def _both(planner: Planner, parts: Parts, clock: datetime | None, memory: Conversation | None) -> Plan | None:
    if _blanks(parts.first) > 1 or _blanks(parts.second) > 1:
        return cannot(
            f"That asks more things than it has parts (two blanks in one). {_ASK_APART}", planner=planner.name
        )
    first = _one(planner, parts.first, clock, memory)
    if not _answers(first):
        return None  # the first part is no question of its own: the whole is planned (and checked)
    if first.slots.get("excluded"):
        return _apart(first, parts, "its first part leaves something out, which the second may or may not")
    if first.slots.get("group") or first.slots.get("rank") or first.slots.get("compare"):
        if not _asks_more(parts.second, str(first.slots.get("metric"))):
            return None  # "which venue sold the most tickets, and how many tickets?": its own figure
        return _apart(first, parts, "its first part ranks, breaks down or compares, and the second asks more")
    own = (first.slots.get("period") or {}).get("start", "")[:4]  # the year of the first part's period
    dated = Parts(
        parts.first, _with_year(parts.second, parts.first) if own and own in parts.first else parts.second
    )
    after = Conversation(memory.session if memory else "-", list(memory.turns) if memory else [])
    after.add(parts.first, first.intent, first.slots, "", True)
    second = covered(dated.second, planner.plan(dated.second, clock, after))
    if not _answers(second):
        return cannot(
            f"That asks two things, and I can answer only the first ('{parts.first}'). "
            f"The second ('{parts.second}'): {second.reply or 'not understood.'} {_ASK_APART}",
            planner=first.planner,
        )
    ratios = (*analytics.AVERAGES, *analytics.MEDIANS, *analytics.PER_CUSTOMER, *analytics.PRICES)
    second_blank = re.fullmatch(r"and\s+\$?\s*_{2,}\s*%?\s*\w*[.?!]?", parts.second)
    if first.slots.get("metric") in ratios and second_blank:
        # "the average order was $____ and ____ tickets": the second blank is the average's too
        return _apart(first, parts, "its second blank may be the first figure's, not a total")
    if (why := _misread(dated, first.slots, second.slots, clock)) is not None:
        return _apart(first, parts, why)
    return Plan(
        second.intent,
        [*first.calls, *second.calls],
        second.slots,
        planner=first.planner,
        parts=[_part(first), _part(second)],
    )


def _with_year(second: str, first: str) -> str:
    """The second part with the first's one year after a month, quarter or half it names alone."""
    years = set(_YEAR.findall(first))
    before = re.search(r"(\S+)\s+(?:19|20)\d{2}\b", first)
    word = before[1].strip("(,") if before else ""
    bounded = word.lower() in _BOUNDS
    named = word[:1].isupper() and word.lower() not in _PLAIN_BEFORE_A_YEAR
    if len(years) != 1 or bounded or named or _YEAR.search(second) or _NOT_THE_YEAR.search(second):
        return second  # the year of the period said ("in 2025"), not "before 2025" or "Tailgate 2008"
    if (m := _YEARLESS.search(second)) is None:
        return second
    return f"{second[: m.end()]} {years.pop()}{second[m.end() :]}"


def _misread(
    parts: Parts, first: dict[str, Any], second: dict[str, Any], clock: datetime | None
) -> str | None:
    """Why the second part's plan may not be what it asks (None: it is): each rule a way a
    follow-up reading goes wrong when the part is not a follow-up."""
    if second == first or (
        first.get("metric")
        and second.get("metric")
        and analytics.describe(second) == analytics.describe(first)
    ):
        return "its second part reads as the first again"
    new = {
        k
        for k in _ENTITIES
        if (second.get("filters") or {}).get(k) not in (None, (first.get("filters") or {}).get(k))
    }
    kept = {k for k in _ENTITIES if (first.get("filters") or {}).get(k) is not None} & {
        k for k in _ENTITIES if (second.get("filters") or {}).get(k) == (first.get("filters") or {}).get(k)
    }
    if (
        new
        and kept - new
        and _NAMED_SUBJECT.search(parts.second)
        and not _KEPT_ON_PURPOSE.search(parts.second)
    ):
        return "the second part names its own subject, and I would have kept the first's with it"
    if _UNDOES.search(parts.second) or _THIRD.search(parts.second, len("and ")):
        return "its second part widens, negates or adds to the first, which I would read as the first"
    if second.get("compare") and not first.get("compare"):
        return "its second part compares two things where the first asks one"
    if first.get("period") and _AGAINST_THE_FIRST.search(parts.second):
        return "the second part's period is said against the first's"
    said = find_period(parts.second.lower(), clock) if clock else None
    if said is not None and not first.get("period"):
        return "the period is said once for both parts"
    if second.get("period") != first.get("period") and said is None:
        return "the second part's period is not said"
    if (second.get("period") or {}).get("future") and not (first.get("period") or {}).get("future"):
        return "the second part asks about a period that has not happened"
    same_subject = second.get("filters") == first.get("filters") and second.get("period") == first.get(
        "period"
    )
    narrows = second.get("metric") == first.get("metric") and second.get("group") is None
    if not (same_subject or narrows or second.get("group")):
        return "the second part changes both the measure and what it is measured on"
    return None


def _apart(first: Plan, parts: Parts, why: str) -> Plan:
    return cannot(
        f"That asks two things ('{parts.first}' and '{parts.second}'), and I would not be sure to "
        f"answer the second as asked: {why}. {_ASK_APART}",
        planner=first.planner,
    )


def _asks_more(second: str, metric: str) -> bool:
    """Whether a second part asks more than the figure `metric` of the first."""
    rest = _CONTENT_FREE.sub(" ", second)
    if words := _MEASURE_WORDS.get(metric):
        rest = re.sub(rf"\b(?:{words})\b", " ", rest, flags=re.IGNORECASE)
    return bool(rest.strip())


def _answers(plan: Plan) -> bool:
    return plan.intent in ("analytics", "concerts") and bool(plan.calls) and len(plan.calls) == 1


def _part(plan: Plan) -> dict[str, Any]:
    return {"intent": plan.intent, "slots": plan.slots}
