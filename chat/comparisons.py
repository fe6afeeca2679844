"""Two sides of one measure: two named things ("Cher vs Foo Fighters", "web or the app") or two
periods ("March vs February 2026", "from 2025 to 2026", "year over year"). Pure.

The rules, said in every answer: two periods named are compared as named, the earlier first; a
relative comparison ("year over year", "vs the year before") sets the period the question names,
or the current calendar year (month, quarter) when it names none, against the same length just
before it ("month over month") or one year before it ("year over year"); calendar periods, not
trailing ones.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chat.periods import MONTHS, Period, find_period

CUE = (
    r"\b(?:vs\.?|versus|compared?|compared to|compared with|comparing|comparison|against|beat|beats|outsold"
    r"|outsell|outperform(?:ed)?|than|or|better|worse|bigger|busier|higher|lower|more|less|fewer)\b"
)
CHANGE = (
    r"\b(?:growth|grew|grow|increase[ds]?|decrease[ds]?|decline[ds]?|change[ds]?|drop(?:ped)?|fell|rose"
    r"|jump(?:ed)?|went (?:up|down)|go(?:ne)? (?:up|down)|year over year|year on year|yoy|month over month"
    r"|month on month|mom|quarter over quarter|quarter on quarter|qoq|difference)\b"
)
_YEARLY = (
    r"\b(?:year over year|year on year|yoy|(?:than|vs\.?|versus|compared (?:to|with)|from) "
    r"(?:the year before|a year (?:ago|before|earlier)|last year))\b"
)
_PREVIOUS = (
    r"\b(?:month over month|month on month|mom|quarter over quarter|quarter on quarter|qoq"
    r"|(?:than|vs\.?|versus|compared (?:to|with)|from) the (?:month|quarter|week|year) before"
    r"|(?:than|vs\.?|versus|compared (?:to|with)) (?:the )?(?:previous|prior) (?:month|quarter|week|year))\b"
)
_UNIT = r"\b(month|quarter|year)\b"
_SPLIT = re.compile(
    r"\b(?:vs\.?|versus|compared to|compared with|against|than|to|and|or|from|beat|between)\b"
)
_MONTH_WORD = re.compile(r"\b(" + "|".join(MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b")
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


def in_year(part: str, year: str | None) -> str:
    """A part naming a month or a quarter without a year takes the other side's year."""
    part = " ".join(part.split())
    dated = _YEAR.search(part) or re.search(r"\b(?:this|last|next)\s+\w+", part)
    if year and not dated:
        named = (
            _MONTH_WORD.pattern + r"|\bq[1-4]\b|\bh[12]\b|\b(?:first|second|third|fourth) (?:quarter|half)\b"
        )
        return re.sub(r"(" + named + r")", rf"\1 {year}", part, count=1)
    return part


def _read(part: str, clock: datetime) -> Period | None:
    return find_period(f"in {part.strip()}", clock) or find_period(part, clock)


def _restated(outer: Period, inner: Period, t: str) -> bool:
    """The second period lies within the first and the text names every month of the first:
    a restatement of it ("spring 2025 - March, April and May"), not a second period."""
    if not (outer.start <= inner.start and inner.end <= outer.end):
        return False
    named = {MONTHS[m] for m in re.findall(r"\b(" + "|".join(MONTHS) + r")\b", t)}
    months: set[int] = set()
    at = outer.start
    while at < outer.end and len(months) < 13:
        months.add(at.month)
        at = at.replace(year=at.year + at.month // 12, month=at.month % 12 + 1, day=1)
    return months <= named


def two_periods(t: str, clock: datetime) -> list[Period] | None:
    """The two periods a question sets side by side (earlier first), or None. Without a word
    of comparison, two periods joined by "and" ("Q1 and Q2 2026") are shown side by side too
    (never one of them alone), unless the second lies within the first ("spring 2025 - March,
    April and May" restates it); "between March and April", "from March to April" are ranges."""
    if re.search(r"\d{4}-\d{2}-\d{2}\s*(?:to|-|through|thru|until|and)\s*\d{4}-\d{2}-\d{2}", t):
        return None  # "2025-10-01 to 2025-12-31": one range
    cued = bool(re.search(CUE, t) or re.search(CHANGE, t))
    if not cued and not (re.search(r"\band\b|&", t) and not re.search(r"\bbetween\b", t)):
        return None
    parts = [p for p in _SPLIT.split(t) if p.strip()]
    years = _YEAR.findall(t)
    found: list[Period] = []
    for part in parts:
        period = _read(in_year(part, years[-1] if years else None), clock)
        if period is not None and all(period != f for f in found):
            found.append(period)
    if len(found) >= 2 and not cued and _restated(found[0], found[1], t):
        return None  # "for spring 2025 - March, April and May": the months restate the season
    if len(found) >= 2:
        return sorted(found[:2], key=lambda p: p.start)
    if not cued:
        return None
    yearly, previous = re.search(_YEARLY, t), re.search(_PREVIOUS, t)
    if not (yearly or previous):
        return None
    named = found[0] if found else None
    if yearly and yearly[0].endswith("last year"):  # "compared to last year": this year is the other side
        named = None
    if named is None:
        unit = re.search(_UNIT, previous[0]) if previous else None
        word = unit[1] if unit else "year"
        named = find_period(f"this {word}", clock)
    if named is None:
        return None
    before = _year_before(named) if yearly else just_before(named)
    return [before, named]


def _months(start: datetime, end: datetime) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _label(start: datetime, end: datetime) -> str:
    """A calendar year, quarter or month by its name; other ranges by their dates."""
    months = _months(start, end)
    if start.day == 1 and end.day == 1 and months in (1, 3, 6, 12) and start.month % months in (1, 0):
        names = {1: f"{start:%B %Y}", 3: f"Q{(start.month - 1) // 3 + 1} {start.year}",
                 6: f"H{(start.month - 1) // 6 + 1} {start.year}", 12: f"{start.year}"}  # fmt: skip
        return names[months]
    return f"{start:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d}"


def _year_before(p: Period) -> Period:
    start, end = p.start.replace(year=p.start.year - 1), p.end.replace(year=p.end.year - 1)
    return Period(start, end, _label(start, end))


def just_before(p: Period) -> Period:
    months = _months(p.start, p.end)
    if p.start.day == 1 and p.end.day == 1 and months in (1, 3, 6, 12):
        y, m = divmod(p.start.year * 12 + p.start.month - 1 - months, 12)
        start = datetime(y, m + 1, 1, tzinfo=UTC)
        return Period(start, p.start, _label(start, p.start))
    span = p.end - p.start
    return Period(p.start - span, p.start, _label(p.start - span, p.start))


def alike(periods: list[dict[str, Any]], clock: datetime) -> bool:
    """Whether compared periods are of about one length ("2024 against 2025", "Q1 2025 against Q1
    2026", "the last 30 days against the 30 before"), not a year against a quarter ("2024 vs 2025
    in Q1", read as 2024 against Q1 2025): within a factor of 1.5; a period running to the data
    clock ("this year against last year") as long as its unit (its year, quarter or month); one
    within the other is asked so."""
    spans = [Period.from_dict(p) for p in periods]
    if any(p.label.startswith(("before ", "after ")) for p in spans):
        return False  # "after March 2025 and in April 2025": a bound has no length of its own
    nominal = [_nominal_days(p) if p.end >= clock else max((p.end - p.start).days, 1) for p in spans]
    if None in nominal:
        return True  # "this week against last week": a span to date of its own unit
    days = [d for d in nominal if d is not None]
    first, second = spans[0], spans[-1]
    within = (first.start <= second.start and second.end <= first.end) or (
        second.start <= first.start and first.end <= second.end
    )  # "Q1 2026 and March 2026": a part against its whole, said so
    return within or max(days) <= 1.5 * min(days)


def _nominal_days(period: Period) -> int | None:
    """A period's length by its unit, when it runs to the data clock ("2026" so far: a year);
    None when its unit is not a year, half, quarter or month."""
    label = period.label
    if re.search(r"\b(?:week|day|days|since|last|past)\b", label):
        return None
    if re.search(r"\bQ[1-4]\b|quarter", label):
        return 91
    if re.search(r"\bH[12]\b|half", label):
        return 182
    if any(month.title() in label for month in MONTHS) and "to" not in label.split():
        return 30
    if re.search(r"(?:19|20)\d{2}", label):
        return 365
    return None
