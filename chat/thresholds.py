"""A threshold on a venue's seats ("venues over 15,000 seats", "a capacity of at least 20,000",
"capacity >= 5000", "20k+ seats"), read as an operator and a number. Pure.

Only seats: a threshold on a measure ("concerts that sold more than 500 tickets") would need
each thing's total first, and stays reported by the coverage check.
"""

from __future__ import annotations

import re

_OPS = {
    "more than": ">", "over": ">", "above": ">", ">": ">", "greater than": ">", "bigger than": ">",
    "at least": ">=", "upwards of": ">=", ">=": ">=", "or more": ">=", "and up": ">=", "+": ">=",
    "or above": ">=", "no fewer than": ">=", "no less than": ">=",
    "under": "<", "below": "<", "fewer than": "<", "less than": "<", "<": "<", "smaller than": "<",
    "at most": "<=", "no more than": "<=", "<=": "<=", "or less": "<=", "or fewer": "<=", "up to": "<=",
}  # fmt: skip
_AFTER_WORDS = ("+", "or more", "and up", "or above", "or less", "or fewer")
_BEFORE = "|".join(
    re.escape(k) for k in sorted((k for k in _OPS if k not in _AFTER_WORDS), key=len, reverse=True)
)
_AFTER = "|".join(re.escape(k) for k in _AFTER_WORDS)
_NUMBER = r"(?P<n>\d[\d,]*(?:\.\d+)?)\s*(?P<k>k\b)?"
_SEATS = r"(?:seats?|seating|capacity|people|fans|spectators)"
# "over 15,000 seats", "capacity of at least 20,000", "seat more than 15,000", "20k+ seats",
# "20,000 or more seats", "capacity >= 5000"
_PATTERNS = (
    re.compile(rf"(?P<op>{_BEFORE})\s*{_NUMBER}\s*{_SEATS}\b"),
    re.compile(
        rf"\b(?:{_SEATS}|seat|holds?|hold|holding|fits?)\s*(?:of\s*|is\s*|for\s*)?(?P<op>{_BEFORE})\s*{_NUMBER}"
    ),
    re.compile(rf"{_NUMBER}\s*(?P<op>{_AFTER})\s*{_SEATS}\b"),
    re.compile(rf"\b(?:{_SEATS}|seat|holds?|hold)\s*(?:of\s*)?{_NUMBER}\s*(?P<op>{_AFTER})"),
)


def _found(text: str) -> re.Match[str] | None:
    return next((m for pattern in _PATTERNS if (m := pattern.search(text))), None)


def seat_threshold(text: str) -> tuple[str, int] | None:
    """The operator and number of a threshold on seats in the (lower-case) text, or None."""
    if m := _found(text):
        return _OPS[m["op"]], int(float(m["n"].replace(",", "")) * (1000 if m["k"] else 1))
    return None


def without_seat_threshold(text: str) -> str:
    """The text with its threshold on seats taken out (the part a seat filter answers)."""
    m = _found(text)
    return text[: m.start()] + " " + text[m.end() :] if m else text


def seats_condition(threshold: list[object] | tuple[object, ...]) -> str:
    """The SQL condition of a seat threshold on the venue `v` (its operator checked: one of
    > >= < <=)."""
    op, number = threshold
    if op not in (">", ">=", "<", "<="):
        raise ValueError(f"not a threshold: {op!r}")
    return f"v.capacity {op} {int(str(number))}"


def seats_words(threshold: list[object] | tuple[object, ...]) -> str:
    """A seat threshold in words: 'more than 15,000 seats'."""
    op, number = threshold
    said = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}[str(op)]
    return f"{said} {int(str(number)):,} seats"
