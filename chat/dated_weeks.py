"""Days named with their date ("Monday 9 March 2026") and weeks named by their first day ("the
week of 9 March 2026", "the week starting 2026-03-09"), read as dates the planner knows. Pure.

A day of the week before a date only names that date: it is not a filter on the weekday. A week
named by a day is that day and the six after it ("..., through the Sunday" says as much).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
_MONTH = r"(?:" + "|".join(m[:3] + "(?:" + m[3:] + ")?" if len(m) > 3 else m for m in _MONTHS) + r")\.?"
_DATE = (
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>" + _MONTH + r"),?\s+(?P<y1>20\d\d)"
    r"|(?P<m2>" + _MONTH + r")\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>20\d\d)"
    r"|(?P<iso>20\d\d-\d\d-\d\d))"
)
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?"
# A day and month with the year said once at the end ("from Monday 20 April to Sunday 26 April
# 2026") still name a date.
_DAY_MONTH = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r"(?!\w)|"
    + _MONTH
    + r"\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|the\s+\d{1,2}(?:st|nd|rd|th)\b|\d{1,2}/\d{1,2}(?:/\d{2,4})?\b)"
)
_NAMED_DAY = re.compile(r"\b" + _WEEKDAY + r"\s+(?=" + _DATE + "|" + _DAY_MONTH + r")", re.I)
_WEEK_OF = re.compile(
    # (not "by week from 2026-03-02 to ...": a breakdown over a span)
    r"(?<!by )(?<!per )(?<!each )(?<!every )"
    r"\b(?:the\s+)?week\s+(?:of|starting|beginning|commencing|from)\s+(?:on\s+)?" + _DATE
    + r"(?:,?\s+(?:through|thru|to|until|till)\s+(?:the\s+)?(?:following\s+)?sunday\b)?",
    re.I,
)  # fmt: skip


def _day(m: re.Match[str]) -> date | None:
    try:
        if m["iso"]:
            return date.fromisoformat(m["iso"])
        month, day, year = (m["m1"], m["d1"], m["y1"]) if m["m1"] else (m["m2"], m["d2"], m["y2"])
        number = next(
            i for i, name in enumerate(_MONTHS, 1) if name.startswith(month.lower().rstrip(".")[:3])
        )
        return date(int(year), number, int(day))
    except ValueError:
        return None


def _week(m: re.Match[str]) -> str:
    first = _day(m)
    if first is None:
        return m[0]
    return f"from {first.isoformat()} to {(first + timedelta(days=6)).isoformat()}"


def read(text: str) -> str:
    """The text with a weekday before a date dropped and a week named by its first day as its span."""
    return _WEEK_OF.sub(_week, _NAMED_DAY.sub("", text))
