"""A question written as a spreadsheet formula ("=COUNTIFS(...)", "SUMPRODUCT(...)") or as
relational algebra over a table ("project dim_venue onto name, selecting rows with ..."). The
planner does not evaluate either: it says so rather than reading the table's name as a question
about the schema. Pure."""

from __future__ import annotations

import re

# a spreadsheet's own functions; sum(...), count(...), avg(...) are half-SQL's too (`half_sql`)
_FUNCTIONS = (
    "sumifs", "countifs", "averageifs", "sumif", "countif", "averageif", "sumproduct", "counta", "countblank",
    "vlookup", "hlookup", "xlookup", "index", "match", "filter", "unique", "maxifs", "minifs",
)  # fmt: skip
_CALL = re.compile(r"\b(?:" + "|".join(_FUNCTIONS) + r")\s*\(", re.I)
_CELL = re.compile(r"(?:^|[\s:(])=\s*[A-Za-z]+\s*\(")  # "=SUM(", "Evaluate =COUNTIFS("
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
    """Whether the text holds a spreadsheet formula: "=NAME(" or a spreadsheet's own function."""
    return bool(_CELL.search(text) or _CALL.search(text))


def names_rows(text: str) -> bool:
    """Whether a question naming a table also puts a condition on its rows or computes over them."""
    return bool(_CONDITION.search(text))
