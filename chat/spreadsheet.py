"""A spreadsheet formula asked about ("=SUMIFS(quantity, state, "TX", year, 2025) - what would
that cell show?"), read as the question it stands for: SUMIFS a sum, COUNTIFS a count (of the
sales rows, one an order, or of the venues), each criteria pair a condition. Pure.

Only one formula, of these two functions, over columns and criteria this module knows, is read;
anything else ("the same formula with X", a second formula, an unknown column) is left as
written, and the planner says it does not evaluate formulas.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_FORMULA = re.compile(r"=\s*(SUMIFS|COUNTIFS)\s*\(", re.I)
_SUMMED = {"quantity": "tickets sold", "tickets": "tickets sold", "revenue": "revenue"}
_PLACE = {"state": "in", "city": "in", "venue": "at", "artist": "for"}
_DATE = re.compile(r'^"(>=|>|<=|<)"\s*&\s*DATE\((\d{4}),\s*(\d{1,2}),\s*(\d{1,2})\)$', re.I)
_NUMBER = re.compile(r'^"?(>=|>|<=|<|=)?\s*(\d+)"?$')


def _arguments(text: str, start: int) -> tuple[list[str], int] | None:
    """The formula's arguments from the character after its "(", and where it ends."""
    args: list[str] = []
    depth, quoted, current = 0, False, ""
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            if depth == 0:
                return [*args, current.strip()], i + 1
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            args, current = [*args, current.strip()], ""
            continue
        current += ch
    return None


def _column(reference: str) -> str:
    """ "Sales[city]" and "dim_venue[state]" are the columns city and state."""
    m = re.fullmatch(r"(?:[\w]+)?\[(\w+)\]|(\w+)", reference.strip())
    return (m[1] or m[2]).lower() if m else ""


def _condition(column: str, criterion: str) -> str | None:
    value = criterion.strip().strip('"')
    if column in _PLACE and re.fullmatch(r"[\w .'&-]+", value):
        return f"{_PLACE[column]} {value}"
    if column == "channel" and value.isalpha():
        return f"via {value}"
    if column == "tier" and value.isalpha():
        return f"in the {value} tier"
    if column == "year" and re.fullmatch(r"(?:19|20)\d\d", value):
        return f"in {value}"
    if column == "quarter" and (m := re.fullmatch(r"((?:19|20)\d\d)-?Q([1-4])", value, re.I)):
        return f"in Q{m[2]} {m[1]}"
    if column == "capacity" and (m := _NUMBER.match(criterion.strip())):
        said = {">=": "at least", ">": "more than", "<=": "at most", "<": "fewer than"}.get(m[1] or "=")
        return f"with {said} {m[2]} seats" if said else None
    return None


def _dates(pairs: list[tuple[str, str]]) -> tuple[str | None, list[tuple[str, str]]]:
    """The sold_at criteria ('>="&DATE(2025,7,1)', '<"&DATE(2025,10,1)') as one span of days."""
    first = last = None
    rest = []
    for column, criterion in pairs:
        m = _DATE.match(criterion.strip()) if column == "sold_at" else None
        if not m:
            rest.append((column, criterion))
            continue
        day = date(int(m[2]), int(m[3]), int(m[4]))
        if m[1].startswith(">"):
            first = day + timedelta(days=1) if m[1] == ">" else day
        else:
            last = day - timedelta(days=1) if m[1] == "<" else day
    if first and last:
        return f"between {first} and {last}", rest
    return (None, rest) if first is None and last is None else ("?", rest)


def _words(function: str, args: list[str]) -> str | None:
    function = function.upper()
    measured = args[0] if function == "SUMIFS" else None
    pairs = [
        (_column(c), v)
        for c, v in zip(args[1 if measured else 0 :: 2], args[2 if measured else 1 :: 2], strict=False)
    ]
    if len(args) - (1 if measured else 0) != 2 * len(pairs):
        return None
    span, pairs = _dates(pairs)
    conditions = [_condition(c, v) for c, v in pairs]
    if span == "?" or None in conditions:
        return None
    said = " ".join([*(c for c in conditions if c), *([span] if span else [])])
    if measured is not None:
        summed = _SUMMED.get(_column(measured))
        return f"{summed} {said}" if summed else None
    venues = all(re.match(r"\s*dim_venue\[", c) for c in args[0::2])
    return f"how many {'venues' if venues else 'orders'} {said}"


# a formula changed in a follow-up: "swap the sum range for revenue, same criteria", "add one
# more criteria pair: channel, "web""
_SWAP = re.compile(
    r"^\s*(?:now\s+)?(?:swap|change|switch|replace) the sum range (?:for|to|with) (\w+)"
    r"(?:\s*\([^)]*\))?,?\s*(?:(?:with )?(?:the )?same criteria|keep(?:ing)? the criteria)?\s*[.?!]?\s*$",
    re.I,
)
_ADD_PAIR = re.compile(
    r"^\s*(?:now\s+|and\s+)?add (?:one more|another|a|one) criteri(?:a|on)(?: pair)?\s*:?\s*"
    r'(\w+),\s*"([^"]+)"\s*[.?!]?\s*$',
    re.I,
)


# a pivot table described: "Pivot table: rows = month of sold_at, values = SUM of quantity,
# filter state = TX, ..."
_PIVOT = re.compile(
    r"^\s*pivot(?: table)?\s*:\s*rows\s*=\s*"
    r"(?P<by>month|quarter|week|day|year|state|city|venue|artist|channel|tier)(?: of sold_at)?,\s*"
    r"values\s*=\s*sum of (?P<sum>\w+),\s*filter (?P<col>\w+)\s*=\s*(?P<value>[\w .'-]+?)\s*(?=,|$)",
    re.I,
)


def _pivot(text: str) -> str:
    m = _PIVOT.match(text)
    summed = _SUMMED.get(m["sum"].lower()) if m else None
    condition = _condition(m["col"].lower(), m["value"]) if m else None
    if not (m and summed and condition):
        return text
    return f"{summed} by {m['by'].lower()} {condition}{text[m.end() :]}"


def _follow_up(text: str) -> str:
    if (m := _SWAP.match(text)) and m[1].lower() in _SUMMED:
        return f"{_SUMMED[m[1].lower()]} instead"
    if (m := _ADD_PAIR.match(text)) and (condition := _condition(_column(m[1]), m[2])):
        return f"and only {condition}"
    return text


def read(text: str) -> str:
    """The question a lone SUMIFS or COUNTIFS formula stands for, or a change to the last one
    ("swap the sum range for revenue"); other text as written."""
    if not (m := _FORMULA.search(text)) or len(_FORMULA.findall(text)) > 1:
        return _follow_up(_pivot(text))
    parsed = _arguments(text, m.end())
    if parsed is None:
        return text
    args, end = parsed
    around = text[: m.start()] + " " + text[end:]
    if '"' in around or re.search(r"\bsame formula\b|\bformulas?\b.*\bwith\b", around, re.I):
        return text  # another side asked for ("the same formula with X"): not this one alone
    words = _words(m[1], args)
    return f"{words}?" if words else text
