"""SQL-like shorthand read as the question it stands for ("sum(quantity) from ticket sales where
state = IL and year = 2025" is "tickets in IL in 2025"). Pure.

Analysts write half-SQL: aggregates and WHERE clauses over the tables they imagine ("orders",
"sales", "venues"). Sent as SQL it fails on a table that does not exist; read as words, the
planner answers it with its own guarded SQL and the coverage check still sees every word. A
statement over any other table or function, or with two statements, is SQL and is left as
written, for the guard to judge and explain.
"""

from __future__ import annotations

import re

_STARTS_AS_SQL = re.compile(r"^\s*(?:select|with)\b", re.I)
# "add where channel = mobile", "state = MI instead": a condition alone, in a follow-up
_CONDITION_ONLY = re.compile(r"\bwhere\s+\w+\s*(?:=|>=|<=|<|>)|^\s*\w+\s*=\s*\S", re.I)
_AGGREGATE = re.compile(r"\b(?:sum|count|avg|min|max|median)\s*\(", re.I)
_MEASURES: tuple[tuple[str, str], ...] = (
    (r"count\(\s*distinct\s+(?:customer|buyer)(?:_id)?s?\s*\)", "number of distinct customers"),
    (r"count\(\s*distinct\s+(\w+?)(?:_id)?s?\s*\)", r"number of distinct \1s"),
    (r"sum\(\s*(?:quantity\s*\*\s*unit_price|unit_price\s*\*\s*quantity|revenue)\s*\)", "revenue"),
    (r"sum\(\s*amount\s*\)", "refund dollars"),
    (r"sum\(\s*(?:quantity|tickets)\s*\)", "tickets"),
    (r"avg\(\s*(?:unit_)?price\s*\)", "average ticket price"),
    (r"max\(\s*(?:unit_)?price\s*\)", "highest ticket price"),
    (r"min\(\s*(?:unit_)?price\s*\)", "lowest ticket price"),
    (r"median\(\s*(?:unit_)?price\s*\)", "median ticket price"),
    (r"avg\(\s*([\w ]+?)\s*\)", r"average \1"),
)
_NOUNS = {"concerts": "concerts", "shows": "concerts", "venues": "venues", "refunds": "refunds",
          "artists": "artists"}  # fmt: skip
_PLACE = {"state": "in", "city": "in", "venue": "at", "artist": "for", "year": "in", "sold_at": "in",
          "quarter": "in", "month": "in", "date": "in", "starts_at": "in", "refunded_at": "in"}  # fmt: skip
_CONDITION = re.compile(
    r"(\w+)\s*(=|>=|<=|>|<|\bin\b)\s*(\([^)]*\)|'[^']*'|.+?(?=\s+and\s|\s+group\b|\s+order\b|\s+limit\b|,|$))",
    re.I,
)


_IMAGINED_TABLE = (
    r"\bfrom\s+(?:the\s+)?(ticket sales|sales|orders|tickets|concerts|shows|venues|refunds|artists)\b"
)


def is_half_sql(text: str) -> bool:
    """SQL-shaped (SELECT first, an aggregate call, a condition) but over no table or only the
    tables people imagine ("orders", "ticket sales"); SQL with two statements or over any other
    table or function is SQL, for the guard to judge and explain."""
    if ";" in text:
        return False
    table = re.search(r"\bfrom\s+\S+", text, re.I)
    if table and not re.match(_IMAGINED_TABLE, text[table.start() :], re.I):
        return False
    return bool(_STARTS_AS_SQL.match(text) or _AGGREGATE.search(text) or _CONDITION_ONLY.search(text))


def _condition(column: str, op: str, value: str) -> str:
    value = value.strip().strip("'\"")
    column = column.lower()
    if op.lower() == "in" and value.startswith("("):
        parts = [p.strip().strip("'\"") for p in value.strip("()").split(",")]
        return f"{_PLACE.get(column, '')} {' vs '.join(parts)}".strip()
    if op.lower() == "in":  # "sold_at in Q1 2026"
        return f"{_PLACE.get(column, 'in')} {value}"
    if op != "=":
        return f"with {column} {op} {value}"
    if column in _PLACE:
        return f"{_PLACE[column]} {value}"
    if column == "tier":
        return f"{value} tier"
    if column in ("channel", "status", "genre"):
        return value  # channel = mobile, status = cancelled, genre = rock
    return f"{column} {value}"  # a column it does not know stays, for the coverage check


_CLAUSES = r"\b(?:group by\s+\w+|order by\s+\S+(?:\s+(?:asc|desc))?|limit\s+\d+)"


# pandas notation: a column's aggregate ("quantity.sum()", "df['revenue'].mean()"), a boolean
# filter ("df[df.state == 'QC']"), a group ("groupby('tier')") and a ratio of two aggregates.
_PANDAS_COLUMNS = {"quantity": "tickets", "revenue": "revenue", "amount": "refund amount",
                   "unit_price": "ticket price", "price": "ticket price", "customer_id": "customers",
                   "sale_id": "orders", "order_id": "orders", "concert_id": "concerts", "venue_id": "venues",
                   "artist_id": "artists", "refund_id": "refunds"}  # fmt: skip
_PANDAS_AGGREGATES = {"sum": "{}", "nunique": "distinct {}", "mean": "average {}", "median": "median {}",
                      "max": "highest {}", "min": "lowest {}", "count": "number of {}",
                      "size": "number of {}"}  # fmt: skip
_PANDAS_AGGREGATE = re.compile(
    r"(?:\b\w+)?(?:\.|\b)(?:\[\s*['\"](\w+)['\"]\s*\]|(\w+))\.(" + "|".join(_PANDAS_AGGREGATES) + r")\(\s*\)"
)
_PANDAS_FILTER = re.compile(
    r"\b\w+\[\s*\w+(?:\.(\w+)|\[\s*['\"](\w+)['\"]\s*\])\s*==\s*['\"]?([^'\"\]]+?)['\"]?\s*\]"
)
_PANDAS_GROUP = re.compile(r"\b(?:\w+\.)?groupby\(\s*['\"](\w+)['\"]\s*\)(?:\.)?")
# A dimension table's rows asked by a condition ("dim_venue rows where city == 'X'"): its things.
_DIMENSION_ROWS = re.compile(
    r"\b(dim_venue|dim_artist|dim_concert)(?: rows| records| entries)?\b(?=.*\bwhere\b)", re.I
)
_TABLE_NOUNS = {"dim_venue": "venues", "dim_artist": "artists", "dim_concert": "concerts"}


def _pandas(text: str) -> str:
    """pandas notation as words: "revenue.sum() / customer_id.nunique()" is "revenue divided by
    distinct customers", "df[df.state == 'QC'].quantity.sum()" is "tickets in QC"; Python's
    "==" is "="."""

    def aggregate(m: re.Match[str]) -> str:
        column = (m[1] or m[2]).lower()
        noun = _PANDAS_COLUMNS.get(column, column)
        if m[3] in ("count", "size") and column not in _PANDAS_COLUMNS:
            noun = "orders"  # "df.count()": the rows, each a sale
        return " " + _PANDAS_AGGREGATES[m[3]].format(noun) + " "

    out = _PANDAS_FILTER.sub(lambda m: f" {_condition(m[1] or m[2], '=', m[3])} ", text)
    out = _PANDAS_GROUP.sub(lambda m: f" by {m[1]} ", out)
    out = _PANDAS_AGGREGATE.sub(aggregate, out)
    if out != text:
        out = re.sub(r"\s+/\s+", " divided by ", out)
    out = re.sub(r"(?<=\w)\s*==\s*", " = ", out)
    if not _STARTS_AS_SQL.match(out):
        out = _DIMENSION_ROWS.sub(lambda m: _TABLE_NOUNS[m[1].lower()], out)
    return " ".join(out.split())


def read(text: str) -> str:
    """The shorthand as words, or the text unchanged when it is not half-SQL. Words it does not
    translate are kept, so the coverage check sees them."""
    text = _pandas(text)
    if not is_half_sql(text):
        return text
    t = " ".join(text.strip().rstrip(";").split())
    if re.match(r"\w+\s*=", t):
        t = f"where {t}"  # "state = MI instead"
    first = re.search(r"\bselect\b|\b(?:sum|count|avg|min|max|median)\s*\(|\bwhere\b|\bgroup by\b", t, re.I)
    prefix, t = (t[: first.start()], t[first.start() :]) if first else ("", t)  # "same but count(*)"
    prefix = re.sub(r"^\s*(?:add|plus)\s*$", "and", prefix, flags=re.I)  # "add where channel = mobile"
    measure = ""
    for pattern, words in _MEASURES:
        if m := re.search(pattern, t, re.I):
            measure = m.expand(words)
            break
    table = re.search(_IMAGINED_TABLE, t, re.I)
    noun = _NOUNS.get(table[1].lower(), "") if table else ""
    counted = re.search(r"count\(\s*(?:\*|1)\s*\)", t, re.I)
    where = re.search(r"\bwhere\b(.*?)(?=\bgroup by\b|\border by\b|\blimit\b|$)", t, re.I)
    conditions = [_condition(*c) for c in _CONDITION.findall(where[1])] if where else []
    status = [c for c in conditions if c.lower() in ("cancelled", "canceled")]
    conditions = [c for c in conditions if c not in status]
    if counted:
        measure = " ".join(["number of", *status, noun or "orders"])
    elif not measure:
        measure = " ".join([*status, noun])
    group = re.search(r"\bgroup by\s+(\w+)", t, re.I)
    limit = re.search(r"\blimit\s+(\d+)", t, re.I)
    ascending = re.search(r"\border by\s+\S+\s+asc\b", t, re.I)
    left = (t[: where.start()] + " " + _CONDITION.sub(" ", where[1]) + " " + t[where.end() :]) if where else t
    left = re.sub(r"^\s*select\s+", " ", left, flags=re.I)
    if group:
        left = re.sub(rf"^\s*{group[1]}\s*,", " ", left, flags=re.I)
    left = re.sub(r"(?:^|\s)and(?=\s|$)|,", " ", left)
    for pattern in (r"\b(?:sum|count|avg|min|max|median)\s*\([^)]*\)", _IMAGINED_TABLE, _CLAUSES):
        left = re.sub(pattern, " ", left, flags=re.I)
    if group and limit:
        head = f"{'bottom' if ascending else 'top'} {limit[1]} {group[1]} by {measure}"
    else:
        head = measure + (f" by {group[1]}" if group else "")
    return " ".join(" ".join([prefix, head, *conditions, left]).split())
