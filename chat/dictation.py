"""A question dictated to a phone and transcribed by ear: homophones of the planner's words
("tickets where sold in the passed thirty days", "revenue buy day of the weak", "witch venue",
"the hole of 2025", "monday threw sunday", "web verses mobile", "the biggest won"), read as the
words meant. Pure.

Only lowercase words (a capitalised one may be a name's), and only where the neighbour makes
the meaning certain: "buy" is "by" only before a grouping ("buy channel"), never before what is
bought; "four" is "for" only before a capitalised name or a year ("four Florida", "four 2025"),
never before something counted ("the top four venues").
"""

from __future__ import annotations

from chat.periods import COUNT
from chat.rewrites import compiled, rewrite

_DIMENSION = (
    r"(?:channel|tier|month|week|weak|day|date|quarter|year|state|city|venue|artist|genre|customer|"
    r"weekday|hour)s?"
)
_DAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{1,2}(?:st|nd|rd|th)?|(?:19|20)\d\d"
_HOMOPHONES = compiled(
    (
        (r"\bwitch\b", "which"),
        (r"\bverses\b", "versus"),
        (rf"\bbuy (?=(?:the |each |every )?{_DIMENSION}\b)", "by "),
        (r"\b(last|this|next|per|each|a|every|that|same|previous|prior|of the) weak(s?)\b", r"\1 week\2"),
        (r"\bweak(s?) (?=starting|beginning|ending|by|to date)", r"week\1 "),
        (rf"\b(the|last|over|in) passed (?={COUNT}|week|month|year|quarter|day)", r"\1 past "),
        (r"\bthe hole (?=of\b|year\b|month\b|quarter\b|week\b|thing\b)", "the whole "),
        (rf"\b({_DAY}) threw ({_DAY})\b", r"\1 through \2"),
        (
            r"\b(tickets|tix|orders|concerts|shows|they) where "
            r"(?=sold|bought|refunded|cancell?ed|played|held)",
            r"\1 were ",
        ),
        (
            r"\b(the|biggest|best|top|which|each|every|this|that|largest|busiest) won(?!'t)(?='?s?\b)",
            r"\1 one",
        ),
        (r"\bwon's\b", "ones"),
        (  # "the median price four Florida", never "the top four Texas venues"
            r"(?<!top )(?<!best )(?<!bottom )(?<!worst )(?<!first )(?<!last )(?<!the )(?<!next )"
            r"(?<!those )(?<!these )\bfour (?=[A-Z]|(?:19|20)\d\d\b|twenty\b)",
            "for ",
        ),
    ),
    flags=0,  # lower case only: a capitalised word may be a name's
)


def read(text: str) -> str:
    """The text with dictation's homophones of the planner's words as the words meant."""
    return rewrite(_HOMOPHONES, text)
