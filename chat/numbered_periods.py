"""Periods named by their number ("month 3 year 2026", "quarter 1 year 2026", "in year 2025"),
as a learner of English or a form writes them, read as the planner's words ("March 2026",
"Q1 2026", "2025"). Pure."""

from __future__ import annotations

import re

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
_OF_YEAR = r",?\s+(?:of\s+)?(?:(?:the\s+)?year\s+)?((?:19|20)\d\d)\b"
_MONTH = re.compile(r"\bmonth\s+(1[0-2]|0?[1-9])" + _OF_YEAR, re.I)
_QUARTER = re.compile(r"\bquarter\s+([1-4])" + _OF_YEAR, re.I)
_HALF = re.compile(r"\bhalf\s+([12])" + _OF_YEAR, re.I)
_YEAR = re.compile(r"\b(?:the\s+)?year\s+((?:19|20)\d\d)\b", re.I)


def read(text: str) -> str:
    """The text with its numbered months, quarters, halves and years as the planner's words."""
    text = _MONTH.sub(lambda m: f"{_MONTH_NAMES[int(m[1]) - 1]} {m[2]}", text)
    text = _QUARTER.sub(lambda m: f"Q{m[1]} {m[2]}", text)
    text = _HALF.sub(lambda m: f"H{m[1]} {m[2]}", text)
    return _YEAR.sub(lambda m: m[1], text)
