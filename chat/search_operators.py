"""A question written in a search box's operators: `tickets by:month city:"Seattle"
sold:2025-01-01..2025-06-30`, `top:3 cities by:revenue`, `list:venues state:FL capacity:>20000`,
read as the words they stand for. Pure.

Each `key:value` this module knows becomes words the planner reads (`by:month` is "by month",
`city:"Seattle"` is "in Seattle", `sold:A..B` is "between A and B", `capacity:>20000` is "capacity
> 20000"); a question with an operator it does not know is left as written, so the planner says
it cannot read it rather than answering without it. Only operators written as one token (no
space around the colon) count: "note: tickets" or "20:00" are not operators.
"""

from __future__ import annotations

import re

_OPERATOR = re.compile(r"(?<![\w:/])([a-z]+):(\"[^\"]*\"|'[^']*'|[^\s\"']+)", re.I)
_WORDS = {
    "by": "by {}", "top": "top {}", "bottom": "bottom {}", "city": "in {}", "state": "in {}",
    "venue": "at {}", "artist": "by {}", "genre": "in the genre {}", "channel": "via {}",
    "tier": "in the {} tier", "list": "list the {}", "capacity": "capacity {}", "seats": "capacity {}",
}  # fmt: skip
_DATES = {"sold", "date", "dates", "when", "period"}  # a range of sale days
_IGNORED = {"fields", "format"}  # how the answer is shown, not what it holds ("sort" is not: it orders)


def _range(value: str) -> str | None:
    """`A..B` as "between A and B", `A..` as "since A", one day as "on A"."""
    start, dots, end = value.partition("..")
    if not dots:
        return f"on {start}"
    if start and end:
        return f"between {start} and {end}"
    return f"since {start}" if start else None


def read(text: str) -> str:
    """The question with its search operators as words (as written if any is unknown)."""
    found = list(_OPERATOR.finditer(text))
    if not found:
        return text
    out: list[str] = []
    last = 0
    for m in found:
        key, value = m[1].lower(), m[2].strip("\"'")
        if key in _IGNORED:
            words = ""
        elif key in _DATES:
            if (words_or_none := _range(value)) is None:
                return text
            words = words_or_none
        elif key in _WORDS:
            words = _WORDS[key].format(value)
        else:
            return text  # an operator this module does not know: the planner reports it
        out += [text[last : m.start()], words]
        last = m.end()
    return re.sub(r"\s{2,}", " ", "".join([*out, text[last:]])).strip()
