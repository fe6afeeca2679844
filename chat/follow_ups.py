"""Follow-ups: the words that point back to an earlier question, and what a follow-up keeps
of it. Pure."""

from __future__ import annotations

import re
from typing import Any

from chat.analytics import side_label
from chat.periods import Period

# "that state", "that same year": a thing or a period pointed at, which the question itself may
# have named before ("orders in Indiana ... for venues in that state")
_POINTED = re.compile(
    r"\b(?:that|this|the same) (?:same )?(venue|place|stadium|arena|artist|band|act|city|state"
    r"|year|month|quarter|week|day|period|half)\b"
)
_KINDS = {"place": "venue", "stadium": "venue", "arena": "venue", "band": "artist", "act": "artist"}


def named_within(before: str, said: str, kinds_before: set[str], period_before: Period | None) -> bool:
    """Whether what `said` points at ("that state", "that year") is named in the same question
    before it (`kinds_before`: the kinds of the names found there; `period_before`: the period
    said there, which must be one such unit: "in 2025 ... that month" is no month): then it
    points back to nothing earlier in the conversation."""
    m = _POINTED.search(said)
    if not m or not before.strip():
        return False
    kind = _KINDS.get(m[1], m[1])
    if kind in ("venue", "artist", "city", "state"):
        return kind in kinds_before
    return period_before is not None and kind in _UNIT_DAYS and spans_a(kind, period_before)


# "Those" standing for what the last answer counted ("how many of those went through the
# box office?", "what did those box-office sales bring in?"); not "all of them" or "ahead of them".
THOSE_THINGS = (
    r"\b(?:how many|how much|which|what) of (?:those|these|them)\b|\b(?:of|from|among) (?:those|these)\b"
    r"|\b(?:those|these) (?:[\w-]+ )?(?:sales|tickets|orders|concerts|shows|gigs|refunds|customers|buyers"
    r"|venues|artists)\b"
)
# "the second one", "the latter": one of the things the last answer named, which a follow-up does
# not carry (it keeps the last question, not its answer's rows).
ONE_OF_THEM = (
    r"\bthe (?:second|third|fourth|fifth|other) one\b(?!\s+(?:day|week|month|quarter|year|half)s?\b)"
    r"|\bthe (?:latter|former)\b"  # not "just the top one", "the first one": a ranking's first
    r"|\bthe (?:first|second|last|other) (?:one )?of (?:the|those|these) (?:two|three|pair)\b"
)
# Words that point back to an earlier question ("the ticket count there?", "tix instead",
# "repeat that for X"): without one understood, the question is not answered as if standalone.
POINTS_BACK = (
    r"\binstead\b|\b(?:the same|same thing|same again|repeat that|do that|that one)\b"
    r"|\bthat (?:same )?(?:year|month|quarter|week|day|period|half)\b"
    r"|\b(?:this|the) same (?:year|month|quarter|week|day|half)\b"
    r"|\bsame (?:list|number|figure|question|query|breakdown|ranking|period|measure|metric|kpi|pairing)\b"
    r"|\b(?:this|that|the same) (?:venue|place|stadium|arena|artist|band|act|city|state|channel|tier|genre)\b"
    r"|\b(?:does|did|do|is|was|are|were) (?:that|those|these)\b"  # "how many tickets does that represent?"
    r"|" + THOSE_THINGS + "|" + ONE_OF_THEM
)
# "... for both", "both of them", "each of those": several earlier things, which a follow-up does
# not hold (it starts from the last question only), so it is asked again rather than narrowed.
SEVERAL = (
    r"\b(?:for|of|in|on|with|about) (?:both|the two|all three|each of (?:them|those|these))\s*[?.!]?\s*$"
    r"|\bboth (?:of )?(?:them|those|these)\b"
)
# ... and a pronoun at the end, unless the question names what it stands for ("Baltimore venues -
# list them").
PRONOUN_END = r"(?<!are )(?<!is )(?<!were )(?<!was )\b(?:there|that|those|them|it)\s*\??\s*$"
# ... and "it" standing for a thing named before ("how many concerts has it hosted?", "does it
# have seats?"), unless the question names one.
PRONOUN_INSIDE = (
    r"\bit (?:has|had|have|hosted|held|sold|did|does|is|was|gets?|got|seats?|holds?)\b"
    r"|\b(?:does|did|has|had|is|was) it\b|\b(?:at|for|in|of|from|on|with|about|by) it\b|\bits\b"
    # "how many concerts did they have in 2025?": an artist or a venue named before
    r"|\b(?:did|do|does|have|has|had|will) they"
    r" (?:have|had|play|played|perform|performed|host|hosted|sell|sold)\b"
    r"|\bthey (?:have|had|played|performed|hosted)\b"
)
FOLLOW_UP = re.compile(
    r"^\s*(?:(?:ok|okay|right|alright|cool|great|good|fine|thanks|nice|perfect|ooh|oh|ah|hmm|wow|got it"
    r"|sure|yes|yeah)"
    r"\s*[,!.:-]?\s+)?"
    r"(and|what about|how about|same(?: thing| again| question)?(?: for| but| with)?|now|also|then|but"
    r"|only|just|(?:rank|sort|order|show|list|break down|split) (?:them|those|these|that|it)"
    r"|(?:what|how) (?:if|for)|how (?:does|did|do) (?:that|it|this|those) compare)\b",
    re.I,
)
# One thing pointed at ("how many seats has that one got?", "its capacity"): after a ranking, the
# thing the last answer ranked first.
THAT_ONE = (
    r"\b(?:that|this|the same) one\b"
    r"|\b(?:that|this) (?:venue|place|stadium|arena|artist|band|act|city|state)\b"
    r"|\bit\b|\bits\b"
)
_FIRST_RANKED = re.compile(r":\s+1\.\s+(.+?)\s+\((?=[^()]*\)(?:;|\.|$))")


def first_ranked(answer: str) -> str | None:
    """The label the answer ranked first ("Top 1 venues by revenue ...: 1. Rexall Place ($...)")."""
    m = _FIRST_RANKED.search(answer)
    return m[1] if m else None


BEFORE_THAT = (
    r"\b(?:prior|before|preceding|previous|earlier)(?: to)? (?:those|that|them|it|this)\b"
    r"|\b(?:the )?(?:\w+ )?(?:days?|weeks?|months?|quarters?|years?|period) (?:before|prior|preceding)\b"
)
# "the previous year" after a question on 2024 is 2023, not the calendar's last year
PREVIOUS_UNIT = r"\b(?:previous|preceding) (week|month|quarter|year)\b"
_UNIT_DAYS = {"week": (7, 7), "month": (28, 31), "quarter": (89, 92), "year": (365, 366)}


def spans_a(unit: str, period: Period) -> bool:
    """Whether the period is one such unit long ("the previous quarter" after a quarter)."""
    low, high = _UNIT_DAYS[unit]
    return low <= (period.end - period.start).days <= high


ALL_TIME = r"\b(?:all[- ]time|across all time|of all time|ever)\b"


def kept_comparison(
    base: dict[str, Any] | None, new_filters: dict[str, Any], period: Period | None, group: str | None
) -> dict[str, Any] | None:
    """A follow-up of a comparison keeps its two sides: two things when it changes the measure
    or the period ("and revenue-wise?", "what about this year?"), not when it names another
    thing of their kind; two periods only when it changes the measure alone (a new filter, "ok
    now Eagles", asks of the later period). A breakdown ends the comparison, except by the
    compared kind itself ("which city has more revenue then?": which of the two)."""
    kept = (base or {}).get("compare")
    if not kept or (group and group != kept.get("dim")):
        return None
    if "dim" in kept:
        return None if kept["dim"] in new_filters else dict(kept)
    return dict(kept) if period is None and not new_filters else None


_BEST = r"(?:best|worst|busiest|quietest|biggest|strongest|weakest|highest|lowest|top|most|least)"


def ranks_last_breakdown(t: str, previous: dict[str, Any] | None) -> bool:
    """ "Which month was the best one?" right after a breakdown by month: the best of those rows,
    so the question keeps the last one's measure, filters and period unless it says its own."""
    group = (previous or {}).get("group")
    if not group or (previous or {}).get("rank"):
        return False
    word = {"weekday": r"(?:day|weekday|day of the week)"}.get(str(group), re.escape(str(group)))
    return bool(re.search(rf"\b(?:which|what) {word}\b.*\b{_BEST}\b|\b(?:the )?{_BEST} {word}\b", t, re.I))


_PLACES = {"state", "city", "venue"}
_WHO = {"artist", "genre"}
# A follow-up that widens what the last question left out ("and overall?", "and with Texas?",
# "all tiers"): the carried exclusion would be wrong either way.
_WIDENS = re.compile(
    r"\b(?:overall|total|all|every|whole|entire|everywhere|altogether|combined|including|included|with"
    r"|incl|plus|back|too|also)\b",
    re.IGNORECASE,
)


def still_excluded(previous: dict[str, Any] | None, named: dict[str, Any], text: str) -> dict[str, Any] | str:
    """What the last question left out (`chat.exclusions`) and a follow-up still leaves out
    ("and by month?"); the reason to ask the whole question when the follow-up names a thing of
    the same sort (a place after a place left out, a name after a name) or widens it."""
    left: dict[str, Any] = dict((previous or {}).get("excluded") or {})
    if not left:
        return left
    said = ", ".join(side_label(kind, value) for kind, value in left.items())
    if _WIDENS.search(text) or any(
        kind in named or any(kind in group and group & set(named) for group in (_PLACES, _WHO))
        for kind in left
    ):
        return f"The last question left out {said}; ask the whole question, saying what to leave out."
    return left
