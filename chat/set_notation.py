"""A question in a mathematician's notation ("argmax over customer_id of total quantity",
"Cardinality of the set of artists whose genre is jazz", "Let V be the set of venues whose
state is TX. What is |V|?", "the sum of quantity times unit_price over sales with tier = lower"),
read as the planner's words. Pure.

A set named by a letter is replaced by what defines it, in the same message only: a later
message's "that restricted V" is not known, and stays for the planner to say so.
"""

from __future__ import annotations

import re

from chat.rewrites import compiled, rewrite

_LET = re.compile(r"^\s*let (?P<name>[A-Z]) be the set of (?P<what>[^.?!]+)[.?!]?\s*", re.I)
_REWRITES = compiled(
    (
        (r"\barg(max|min) over (?:the )?(\w+?)(?:_ids?|s)? of (?:the )?(?:total )?", r"which \2 has the \1 "),
        (r"\bthe (max) (?=\w)", "the most "),
        (r"\bthe (min) (?=\w)", "the least "),
        (r"\bcardinality of the set of (\w+) whose\b", r"how many \1 whose"),
        (r"\bcardinality of\b", "how many"),
        (r"\|\s*(\w+)\s*\|", r"the number of \1"),
        (r"\b(?:the )?sum of quantity times unit_?price\b", "revenue"),
        (r"\b(?:the )?sum of quantity\b", "tickets sold"),
        (r"\b(?:the )?(?:mean|average) of quantity\b", "average tickets per order"),
        (r"\b(?:over|across) (?:all |every |the )?(?:sales )?rows(?: with| whose| where)?\b", ""),
        (r"\b(?:over|across) (?:all |every |the )?sales (?:with|whose|where)\b", ""),
        (r"\bsold_at (?:in|falls in|during)\b", "in"),
        (r"\bquantity purchased\b", "tickets"),
        (r",?\s*no date restriction\b", ", all time"),
        (r"^\s*(?:compute|evaluate|calculate|find|determine)\s+", ""),
        (r",?\s*taking only (\w+) with (?:at least one|a|any)(?: \d{4})? sales?\b", ""),
    )
)


# "Tabulate f(m) = total revenue of month m, for m from 2025-09 to 2026-02": a breakdown
_TABULATE = re.compile(
    r"^\s*(?:tabulate|list|give)\s+\w\((\w)\)\s*=\s*(?:the )?(?:total )?(.+?) (?:of|in|for) "
    r"(month|quarter|week|day|year) \1,?\s*for \1 (?=from|in|between)",
    re.I,
)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip


def _month(m: re.Match[str]) -> str:
    return f"{_MONTH_NAMES[int(m[2]) - 1]} {m[1]}" if 1 <= int(m[2]) <= 12 else m[0]


def read(text: str) -> str:
    """The text in the planner's words, a set named by a letter replaced by its definition."""
    if m := _LET.match(text):
        rest = text[m.end() :]
        if re.search(rf"\b{m['name']}\b", rest):
            what = m["what"].strip()
            rest = re.sub(rf"\|\s*{m['name']}\s*\|", f"the number of {what}", rest)
            text = re.sub(rf"\b(?:over |in )?{m['name']}\b", f"over {what}", rest)
    if m := _TABULATE.match(text):
        rest = re.sub(r"\b((?:19|20)\d\d)-(\d\d)\b(?!-)", _month, text[m.end() :])
        text = f"{m[2]} by {m[3]} {rest}"
    text = rewrite(_REWRITES, text)
    return re.sub(r"\s{2,}", " ", text)
