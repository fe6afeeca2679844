"""A question written as a spreadsheet formula ("=COUNTIFS(...)", "SUMPRODUCT(...)") or as
relational algebra over a table ("project dim_venue onto name, selecting rows with ..."). The
planner does not evaluate either: it says so rather than reading the table's name as a question
about the schema. Pure."""

from __future__ import annotations

import re

_FUNCTIONS = (
    "sumifs", "countifs", "averageifs", "sumif", "countif", "averageif", "sumproduct", "counta", "countblank",
    "vlookup", "hlookup", "xlookup", "index", "match", "filter", "unique", "maxifs", "minifs", "sum",
    "count", "average", "max", "min", "median", "year", "month", "date",
)  # fmt: skip
_FORMULA = re.compile(r"(?:^|\s|\()=\s*[A-Za-z]+\s*\(|\b(?:" + "|".join(_FUNCTIONS) + r")\s*\(", re.I)
_UPPER_CALL = re.compile(r"\b(?:" + "|".join(_FUNCTIONS) + r")\(", re.I)
# a condition on a table's rows: a comparison, a quoted value, or the algebra's words
_CONDITION = re.compile(
    r"[<>=]|\"[^\"]*\"|'[^']*'|\[[a-z_]+\]|\b(?:select(?:ing|ed)?|project(?:ed|ion)?|rows?|where|whose|filter(?:ed)?"
    r"|restrict(?:ed)?|sum|count|average|mean|max|min|total)\b",
    re.I,
)

REPLY = (
    "I can't evaluate a spreadsheet formula or an expression over the tables. Ask it in words, "
    "like 'how many venues in Texas have at least 20,000 seats?'."
)


def is_formula(text: str) -> bool:
    """Whether the text is (or holds) a spreadsheet formula: "=NAME(" or a known function called."""
    return bool(
        (_FORMULA.search(text) and _UPPER_CALL.search(text)) or re.match(r"\s*=\s*[A-Za-z]+\s*\(", text)
    )


def names_rows(text: str) -> bool:
    """Whether a question naming a table also puts a condition on its rows or computes over them."""
    return bool(_CONDITION.search(text))
