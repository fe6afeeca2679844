"""Other words for the same things: abbreviations and trade synonyms rewritten to the words the
planner's rules and the coverage check know, before either reads the question. Pure.

One table rather than a synonym in every rule: a word added here is understood by every rule
and checked by coverage the same way. Whole words only, and a capitalised word inside the question is
taken for a name's and left as written ("The Receipts").
"""

from __future__ import annotations

import re

_REWRITES: tuple[tuple[str, str], ...] = (
    # abbreviations
    (r"\bavg\b", "average"),
    (r"\bqtrs\b", "quarters"),
    (r"\bqtr\b", "quarter"),
    (r"\byrs\b", "years"),
    (r"\byr\b", "year"),
    (r"\bwks\b", "weeks"),
    (r"\bwk\b", "week"),
    (r"\b(?:ytd|year to date)\b", "this year"),
    (r"\b(?:mtd|month to date)\b", "this month"),
    (r"(?:\bno\.|\bnum\b|#) of\b", "number of"),
    (r"\bpct\b", "percent"),
    (r"\bas a %", "as a percent"),
    (r"\b(?:pls|plz)\b", ""),
    # the trade's words
    (r"\bunit price\b", "ticket price"),
    (r"\bunits\b", "tickets"),
    (r"\b(?:receipts|takings|turnover|sales revenue)\b", "revenue"),
    (r"\b(?:pull|pulled|pulling|bring|brought|bringing|rake|raked) in\b", "earn"),
    (r"\b(?:sales|sale|selling) (channels?)\b", r"\1"),
    (r"\b(?:ticket|seating|price) (tiers?)\b", r"\1"),
    (r"\border count\b", "number of orders"),
    (r"\bseat (?:count|total)s?\b", "seats"),
    (r"\b(vip|floor|upper|lower|upper tier|lower tier) seats?\b", r"\1 tickets"),
    (r"\b(?:order|basket) sizes?\b", "tickets per order"),
    (r"\b(?:kind|type|style|sort)s? of music\b", "genre"),
    (r"\b(?:move|moves|moved|moving|shift|shifts|shifted)\b", "sell"),
    (r"\bamong (?:all )?(?:of )?(?:our |the |all the |all our )?(?=[a-z]+s\b)", "by "),
    (r"(?<!by )(?<!per )(?<!each )(?<!every )(?<!between )\b(?:dates|gigs|performances)\b", "shows"),
    (r"\b(?:room|hall)s\b(?= (?:in|we|do|are|with|by)\b)", "venues"),
    (r"\b(?:room|hall)\b(?= (?:in|we|do|is|with|by)\b)", "venue"),
)
_COMPILED = tuple((re.compile(p, re.IGNORECASE), r) for p, r in _REWRITES)


def reword(text: str) -> str:
    """The question with abbreviations and synonyms in the planner's words (spaces collapsed);
    a capitalised word inside the question is a name's and stays."""
    out = text
    for pattern, replacement in _COMPILED:

        def keep_names(m: re.Match[str], replacement: str = replacement) -> str:
            if m.start() > 0 and m[0][:1].isupper():
                return m[0]
            return m.expand(replacement)

        out = pattern.sub(keep_names, out)
    return re.sub(r"\s{2,}", " ", out).strip()
