"""How a question wants its figure: broken down (by venue, artist, place, genre, channel, tier,
customer, day of the week or a period of time), ranked (top N, which one), on some days of the
week, for a channel or a tier. Pure."""

from __future__ import annotations

import re

from chat.measures import has
from chat.vocabulary import Found, words

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "twenty": 20}  # fmt: skip


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


# Words that ask for a count of things ("count the concerts that were cancelled"), not each one.
_COUNTED = r"\bhow many\b|\bnumber of\b|\bcount(?:s|ed)?\b|\btally\b"


_TOGETHER = {"across", "in", "at", "for", "of", "over", "from"}


_GROUP_CUES = {"which", "what", "top", "best", "worst", "bottom", "per", "by", "each", "most", "the",
               "busiest", "biggest", "largest", "smallest", "every", "leading", "highest", "lowest",
               "quietest", "least", "fewest", "list", "our", "whichever", "cheapest", "priciest",
               "dearest", "expensive"}  # fmt: skip
_SUPERLATIVE = r"\b(?:most|highest|biggest|largest|greatest|fewest|least|lowest|smallest|top|best|worst)\b"
# The kind of thing a ranking ranks, said as the sentence's subject ("state with the highest ...",
# "genre that brought in the most money", "of all the performers, who sold the most ...").
_LEADS = {"name", "the", "tell", "me", "give", "show", "find", "and", "so", "ok", "okay", "now"}
# "who sold the most tickets": an artist (sellers are the acts); "who bought ...": a customer
_WHO_BOUGHT = re.compile(r"^\s*who (?:has |have |had )?(?:bought|purchased|spent|ordered)\b.*" + _SUPERLATIVE)
_WHO_SOLD = re.compile(
    r"^\s*who (?:has |have |had )?(?:sold|grossed|earned|played|performed|drew|made|took|brought)\b.*"
    + _SUPERLATIVE
)


COMBINED = r"\b(?:combined|total|altogether|all together|overall|sum of|in all)\b"


_HOW = {"earning", "grossing", "selling", "performing", "paid", "attended", "sold", "popular", "revenue",
        "ticket", "tickets", "money"}  # fmt: skip


_SINGULAR = {"venue", "arena", "stadium", "artist", "performer", "band", "act", "show", "city",
             "state", "province", "genre", "concert", "event", "channel", "tier"}  # fmt: skip


# The workload's sales channels and ticket tiers, and the words that name them.
CHANNEL_WORDS = {"web": r"\b(?:online|web|website)\b", "mobile": r"\b(?:mobile|app|phone)\b",
                 "box_office": r"\bbox[- ]office\b", "partner": r"\b(?:partners?|resellers?)\b"}  # fmt: skip
TIER_WORDS = {tier: rf"\b{tier}\b(?! than)" for tier in ("vip", "floor", "lower", "upper")}


def channel_and_tier(t: str) -> dict[str, str]:
    """Sales channel and ticket tier named in the question (the workload's values)."""
    out: dict[str, str] = {}
    for kind, table in (("channel", CHANNEL_WORDS), ("tier", TIER_WORDS)):
        if re.search(rf"\b(?:by|per|each) {kind}", t):
            continue
        if named := next((value for value, pattern in table.items() if re.search(pattern, t)), None):
            out[kind] = named
    return out


def named_values(t: str) -> dict[str, list[str]]:
    """Every channel and every tier the text names, in the tables' order."""
    return {
        kind: [value for value, pattern in table.items() if re.search(pattern, t)]
        for kind, table in (("channel", CHANNEL_WORDS), ("tier", TIER_WORDS))
    }


# Why a refund was issued (fact_refunds.reason): "refunds issued because the concert was
# cancelled", "customer-requested refunds".
_REFUND_REASONS = {
    "concert_cancelled": (
        r"\b(?:because|as|since|after|when) (?:the |its |their )?(?:concert|show|gig|event)s? "
        r"(?:was|were|got|had been|has been) (?:cancelled|canceled|called off|scrapped)\b"
        r"|\b(?:due to|for|from|because of|over) (?:a |the )?(?:cancelled|canceled|called-off) "
        r"(?:concert|show|gig|event)s?\b|\bcancell?ation refunds?\b"
    ),
    "customer_request": (
        r"\bcustomer[- ]requested\b|\bcustomer[- ]requests?\b|\b(?:at|on) (?:the )?customers?'? request\b"
        r"|\brequested by (?:the )?customers?\b"
    ),
}


def refund_reasons(t: str) -> list[str]:
    """Every refund reason the question names, in the order it names them ("for cancelled
    concerts versus customer requests")."""
    at = sorted((m.start(), r) for r, p in _REFUND_REASONS.items() if (m := re.search(p, t, re.IGNORECASE)))
    return [r for _, r in at]


def refund_reason(t: str) -> tuple[str | None, str]:
    """The refund reason the question names, if any, and the question without its phrase."""
    for reason, pattern in _REFUND_REASONS.items():
        if m := re.search(pattern, t, re.IGNORECASE):
            return reason, f"{t[: m.start()]} {t[m.end() :]}"
    return None, t


_DAY_WORDS = {
    "sunday": 0,
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
}


_DAY_RANGE = re.compile(
    r"\b(?:from )?("
    + "|".join(_DAY_WORDS)
    + r")s? ?(?:-|to|through|thru|until|till) ?("
    + "|".join(_DAY_WORDS)
    + r")s?\b"
)


def day_range(t: str) -> list[int] | None:
    """The days of a range of days of the week ("Monday to Friday", "Friday to Monday"): every
    day from the first to the last, both included, going forward (DATE_PART(dow) values)."""
    if not (m := _DAY_RANGE.search(t)):
        return None
    first, last = _DAY_WORDS[m[1]], _DAY_WORDS[m[2]]
    return sorted((first + i) % 7 for i in range((last - first) % 7 + 1))  # "Friday to Monday" wraps


def days_named(t: str) -> list[int]:
    """The days of the week the text names, in the order it names them ("Fridays vs Saturdays");
    none when they are the ends of a range ("Monday to Friday")."""
    if day_range(t):
        return []
    at = sorted((m.start(), n) for day, n in _DAY_WORDS.items() if (m := re.search(rf"\b{day}s?\b", t)))
    return [n for _, n in at]


def days_of_week(t: str, group: str | None) -> list[int] | None:
    """The days of the week a question keeps ("on Fridays", "weekend sales"), unless it breaks
    the figures down by day of the week or sets the weekend against the weekdays."""
    if group in ("weekday", "daytype"):
        return None
    if (ranged := day_range(t)) is not None:
        return None if len(ranged) == 7 else ranged  # "Monday to Sunday": the whole week, no filter
    named = [n for day, n in _DAY_WORDS.items() if re.search(rf"\b{day}s?\b", t)]
    if named:
        return named
    if re.search(r"\bweekends?\b", t):
        return [0, 6]
    if re.search(r"\b(?:on )?weekdays\b|\bduring the week\b", t):
        return [1, 2, 3, 4, 5]
    return None


def number_after(text: str, *nouns: str) -> int | None:
    for noun in nouns:
        if m := re.search(rf"\b{noun}s?\s*(?:id\s*)?(?:#|number|no\.?)?\s*(\d+)\b", text):
            return int(m[1])
    return None


def top_n(text: str) -> int | None:
    n = r"(\d+|" + "|".join(NUMBER_WORDS) + ")"
    for pattern in (
        rf"\b(?:which|what|the|recommend|suggest|list|show me|give me)\s+{n}\s+[a-z]",
        rf"\bk\s*=\s*{n}",
    ):
        if m := re.search(pattern, text):
            return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    if m := re.search(
        r"\b(?:top|best|worst|bottom|first|highest|lowest)\s+(\d+|" + "|".join(NUMBER_WORDS) + r")\b", text
    ):
        return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    if m := re.search(r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(?:most|best|least|biggest|top)\b", text):
        return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    return None


_TIME_GROUP_WORDS = {
    "week": (r"\b(?:by|per|each|every) week\b", r"\bweekly\b", r"\bweek by week\b"),
    "quarter": (r"\b(?:by|per|each|every) quarter\b", r"\bquarterly\b", r"\bquarter by quarter\b"),
    "year": (r"\b(?:by|per|each|every) year\b", r"\byearly\b", r"\bannual(?:ly)?\b", r"\byear by year\b"),
    "day": (r"\b(?:by|per|each|every) (?:day|date)\b(?! of (?:the )?week)", r"\bdaily\b", r"\bday by day\b"),
    "daytype": (r"\bweekends?\b.*\bweekdays?\b", r"\bweekdays?\b.*\bweekends?\b"),
    "weekday": (
        r"\bday of (?:the )?week\b",
        r"\b(?:by|per|each|every|which|what|best|busiest|worst|quietest) weekday\b",
    ),  # "the best day" is a date: "of the week" asks for the weekday
    "customer": (
        r"\b(?:by|each|every) (?:customer|buyer|fan)s?\b",
        r"\b(?:top|best|biggest|which) (?:\d+ |[a-z]+ )?(?:customers|buyers|fans|spenders)\b",
        r"\b(?:which|what) (?:customer|buyer|fan)\b",
    ),
}  # fmt: skip


def grouping(t: str, metric: str | None, found: list[Found]) -> tuple[str | None, bool]:
    """The grouping word and whether it was singular ('which venue' -> top 1)."""
    for group, patterns in _TIME_GROUP_WORDS.items():
        if has(t, *patterns) and not (group == "customer" and metric == "customers"):
            single = has(
                t, r"\b(?:best|busiest|worst|quietest|which|what) (?:day|weekday|customer|buyer|fan)\b"
            )
            return group, group in ("weekday", "customer") and single
    if has(
        t,
        r"\bper month\b",
        r"\bby month\b",
        r"\bmonthly\b",
        r"\beach month\b",
        r"\bevery month\b",
        r"\bover time\b",
        r"\bmonth by month\b",
        r"\bmonth-by-month\b",
        r"\btrend(?:s|ing)?\b",
    ):
        return "month", False
    if has(t, r"\b(?:which|what|best|busiest|worst|biggest|quietest) month\b"):
        return "month", True
    if m := re.search(
        r"\b(?:which|what|best|busiest|worst|biggest|quietest) (?:single )?(week|quarter|year|day|date)\b"
        r"(?! of the week)",
        t,
    ):
        ranked = re.search(r"\b(?:most|highest|biggest|fewest|least|lowest|busiest|best|worst)\b", t)
        first = re.search(
            r"\b(?:first|last|earliest|latest|next|most recent) (?:sale|order|ticket|refund|concert|show)", t
        )
        if m[1] != "date" or (ranked and not first):  # "on what date was the first sale" is no ranking
            return ("day" if m[1] == "date" else m[1]), True  # "which date had the most ...": a day
    named_spans = {i for f in found for i in range(f.start, f.end)}
    kinds = {i: f.entity.kind for f in found for i in range(f.start, f.end)}
    kept = [(i, w) for i, (w, _) in enumerate(words(t)) if i not in named_spans]
    ws = [w for _, w in kept]
    if subject := _ranked_subject(t, ws):
        return subject
    for i, w in enumerate(ws):
        before = ws[i - 1] if i else ""
        if before in _HOW and i > 1:
            before = ws[i - 2]  # "top earning artist", "best selling venue": the cue is before
        together = before == "the" and i > 2 and ws[i - 2] == "all" and ws[i - 3] in _TOGETHER
        named = kinds.get(kept[i][0] - 1) in (
            "genre",
            "artist",
        )  # "the opera shows": a filter, not a breakdown
        combined = before in ("every", "each", "all", "the", "our") and has(t, COMBINED)
        if (
            (
                before not in _GROUP_CUES
                and before not in NUMBER_WORDS
                and not (before.isdigit() and not re.fullmatch(r"(?:19|20)\d\d", before))
            )
            or together
            or combined
            or (before == "the" and named)
        ):
            continue  # "across all the venues" is every venue together, not a breakdown
        for group, nouns in _GROUP_WORDS.items():
            # concerts counted per concert are ones: "how many of our concerts were cancelled"
            counted = metric == "concerts" or (metric in ("cancelled", "sold_out") and has(t, _COUNTED))
            if w in nouns and not (group == "concert" and counted):
                single = bool(re.match(r"\s*who\b", t)) or before in (
                    "which", "what", "busiest", "biggest", "largest", "smallest", "quietest", "top", "best",
                    "worst", "leading", "highest", "lowest", "whichever", "cheapest", "priciest",
                    "dearest", "expensive",
                )  # fmt: skip
                return group, (w in _SINGULAR and single) or bool(re.match(r"\s*who\b", t))
    return None, False


def _ranked_subject(t: str, ws: list[str]) -> tuple[str, bool] | None:
    """A ranking whose subject opens the sentence, with no cue word before it: "state with the
    highest average order value", "genre that brought in the most money", "of all the
    performers, who sold the most tickets?", "who sold the most tickets at X" (an artist)."""
    if not re.search(_SUPERLATIVE, t) or has(t, COMBINED):
        return None
    if has(t, r"\b(?:more|less|fewer|greater|over|under|at least|at most)\b(?: than)? \$?\d"):
        return None  # "artists that sold more than 100 tickets at the top venue": a threshold
    if _WHO_SOLD.match(t):
        return "artist", True
    if _WHO_BOUGHT.match(t):
        return "customer", True
    for i, w in enumerate(ws[:6]):
        group = next((g for g, nouns in _GROUP_WORDS.items() if w in nouns), None)
        if group is None:
            continue
        lead, rest = ws[:i], " ".join(ws[i + 1 :])
        if group == "concert" or not re.search(_SUPERLATIVE, rest):
            return None
        if lead[-3:] == ["of", "all", "the"] or lead[-2:] == ["of", "all"]:
            return (group, True) if re.match(r"(?:who|which)\b", rest) else None
        if set(lead) <= _LEADS and re.match(r"(?:with|that|which|who)\b", rest):
            return group, w in _SINGULAR
        return None
    return None
