"""Time ranges in questions ("last month", "in March 2026", "the last 30 days", "since
2026-01-01", "since January", "H1 2025", "May 20 to June 10, 2026", "next 2 weeks"), resolved
against the data clock (the newest sale the warehouse knows), so a question means the same on a
replayed year as on live data. Half-open ranges."""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december")
    )
}  # fmt: skip
SHORT_MONTHS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
_MONTH = "(" + "|".join((*MONTHS, *SHORT_MONTHS)) + ")"
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
_UNTIL = r"(?:-|to|through|thru|until|till|and)"
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-one": 21,
    "twenty-eight": 28,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
# A count of days, weeks or months said in words, longest first ("twenty-one" before "twenty")
_NUMBER_WORD = "|".join(sorted(_NUMBERS, key=len, reverse=True))
_ISO = r"(\d{4}-\d{2}-\d{2})"
# A month written as digits, "03/2025" (never the tail of a day date such as 13/01/2026)
_MM_YYYY = r"(?<![\d/])(\d{1,2})/(\d{4})\b"
_DAY_DATE = r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})\b"
_DOTTED_DATE = r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})\b"


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC and how to say it; `future` for ranges after the data clock."""

    start: datetime
    end: datetime
    label: str
    future: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label,
                "future": self.future}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Period:
        """Inverse of to_dict."""
        return cls(
            datetime.fromisoformat(str(d["start"])), datetime.fromisoformat(str(d["end"])), str(d["label"]),
            bool(d.get("future")),
        )  # fmt: skip


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _month(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def month_number(word: str) -> int:
    """The month a name or its short form stands for ("sept" 9)."""
    word = word.lower()
    return MONTHS.get(word) or next(i for m, i in MONTHS.items() if m.startswith(word[:3]))


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


# A year on its own ("2025 revenue by month"), not a count ("over 2000 tickets", "top 2000").
# A number that counts something ("2025 tickets") is not a year; "2025 ticket revenue" is one.
NOT_COUNT = (
    r"(?! ?(?:tickets|ticket(?! (?:revenue|sales|income|gross|money|buyers|total|count|tally|figure|number"
    r"|sum))|seats?|people|fans|customers"
    r"|orders|dollars|\$|capacity))"
)
# An ISO week: "week 6 of 2026", "week 6, 2026", "ISO week 6 2026", "2026-W06" (Monday to Sunday,
# week 1 the one holding the year's first Thursday).
ISO_WEEK = (
    r"\b(?:iso |calendar )?(?:week|wk|w)\.? ?(?:no\.? |number |#)?(\d{1,2}),?(?: of| in)? ((?:19|20)\d{2})\b"
    r"|\b((?:19|20)\d{2})-?w(\d{2})\b"
)
# A season of a year, as meteorologists count them in the northern hemisphere, where the venues
# are: spring March to May, summer June to August, autumn (fall) September to November, winter
# December to February, so a winter is named by both its years ("winter 2025/26"); "winter 2025"
# alone could be either and is not read.
SEASON = (
    r"\b(spring|summer|autumn|fall)(?: of)? ((?:19|20)\d{2})\b(?![/-]\d)"
    r"|\b(?:the )?(winter)(?: of)? ((?:19|20)\d{2})\s*[/-]\s*(?:(?:19|20)?\d{2})\b"
)
BARE_YEAR = (
    r"(?<!concert )(?<!customer )(?<!show )(?<!#)(?<!than )(?<!top )(?<!under )(?<!over )"
    # "the most 2025 revenue": a year; "the most 2025" alone may be a count
    r"(?:(?<!least )(?<!most )|(?=(?:19|20)\d{2} (?:ticket )?(?:revenue|sales|income|money)\b))"
    r"\b((?:19|20)\d{2})\b" + NOT_COUNT
)

# "2025 tickets excluding VIP", "Total 2025 orders?": a year that opens the question is no count
OPENING_YEAR = (
    r"^\W*(?:(?:the|our|total|all|overall)\s+)?(20[1-3]\d)\s+(?:tickets|orders|ticket sales)\b(?!.*\bthan\b)"
)
# Words that say a period besides a bound or an opening year ("after March 2025 but before 2026",
# "the month after March 2025", "2025 orders in June"): the bound alone is not the period then.
_OTHER_PERIOD = re.compile(
    rf"\b(?:(?:19|20)\d{{2}}|q[1-4]|h[12]|{'|'.join((*MONTHS, *SHORT_MONTHS))}"
    r"|(?:this|last|next|previous|past|coming|same|following|prior|that|the)\s+(?:\d+\s+|[a-z]+\s+)?"
    r"(?:days?|weeks?|months?|quarters?|halfs?|halves|years?|seasons?)"
    r"|today|yesterday|tonight|tomorrow|since|until|till|between|before|after|prior to|ago|ytd|mtd|qtd"
    r"|spring|summer|autumn|fall|winter)\b"
    r"|'\d{2}\b|\d{4}-\d{2}|\d/\d"
)
_INTRODUCED_PART = re.compile(
    rf"(?:^\W*|[,:;]\s*|\b(?:in|for|during)\s+(?:the\s+month\s+of\s+)?)(q[1-4]|h[12]|{'|'.join(MONTHS)}"
    rf"|{'|'.join(SHORT_MONTHS)})\b\.?(?!\s*(?:on|onwards?|to|through|thru|until|till|be|will|might|could)\b)"
)
_YEARLESS_PART = re.compile(rf"\b(q[1-4]|h[12]|{'|'.join((*MONTHS, *SHORT_MONTHS))})\b(?!\s*(?:of\s+)?'?\d)")
# "sold the most 2025 tickets": a year (NOT_COUNT reads "2025 tickets" as a count elsewhere)
RANKED_YEAR = r"\b(?:most|least|fewest) ((?:19|20)\d{2})(?= (?:tickets|orders)\b)"


def _day_of(parts: tuple[str, str, str], day_first: bool = False) -> tuple[date, bool] | None:
    """A day written as digits, and whether it was ambiguous: day first or month first,
    whichever is the only valid reading (13/01/2026, 01/13/2026); when both are (02/03/2026)
    the rule is month first, as the platform's venues are American (February 3), unless
    `day_first` (another date of the question could only be read day first); the answer
    says which. None when neither reading is a day."""
    a, b, year = (int(x) for x in parts)
    readings: list[date] = []
    for month, day in ((b, a), (a, b)) if day_first else ((a, b), (b, a)):
        with contextlib.suppress(ValueError):  # not a day of that month
            readings.append(date(year, month, day))
    if not readings:
        return None
    return readings[0], len(set(readings)) > 1


def _days_label(first: date, last: date, ambiguous: bool, day_first: bool = False) -> str:
    label = str(first) if first == last else f"{first} to {last}"
    if not ambiguous:
        return label
    return label + (" (read day first, as the question's other date)" if day_first
                    else " (a date like 02/03 read month first, as in the US)")  # fmt: skip


def _iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


_ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth"}
_QUARTERS = ("first", "second", "third", "fourth")
_ORDINAL = "|".join((*_QUARTERS, *_ORDINALS))
_TO_NOW = r"(?:through|thru|to|until|till|up to|up until) (?:today|now|date)\b"
_NTH = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_DAY = (  # "May 20", "the 20th of May"; not "top 20 May 2026 artists"
    rf"(?:the )?(?:{_MONTH}\.? (?:the )?{_NTH}|(?<!top )(?<!bottom )(?<!first )(?<!last )(?<!next )"
    rf"{_NTH} (?:of )?{_MONTH}\.?)"
)


def _day(month: str | None, day: str | None, month2: str | None, day2: str | None, year: int) -> date | None:
    with contextlib.suppress(ValueError, StopIteration):
        return date(year, month_number(str(month or month2)), int(str(day or day2)))
    return None


def _written_days(t: str) -> tuple[date, date] | None:
    """A day or a range of days with the month in words ("May 20 and June 10, 2026", "from 3
    to 9 March 2026": the month said once for both days), first and last day."""
    one = rf"\b{_MONTH_DAY},? ((?:19|20)\d{{2}})\b"
    shared = rf"\b{_NTH}\s*{_UNTIL}\s*{_NTH} (?:of )?{_MONTH}\.?,? ((?:19|20)\d{{2}})\b"
    if m := re.search(shared, t):
        first, last = _day(m[3], m[1], None, None, int(m[4])), _day(m[3], m[2], None, None, int(m[4]))
        return (first, last) if first and last and first <= last else None
    if m := re.search(rf"\b{_MONTH_DAY}(?:,? ((?:19|20)\d{{2}}))?,?\s*{_UNTIL}\s*{one[2:]}", t):
        last = _day(m[6], m[7], m[9], m[8], int(m[10]))
        first = _day(m[1], m[2], m[4], m[3], int(m[5] or m[10]))
        return (first, last) if first and last and first <= last else None
    if (m := re.search(one, t)) and (d := _day(m[1], m[2], m[4], m[3], int(m[5]))):
        return d, d
    return None


# A count said before a unit of time: not a ranking's ("the top 3 months"); used by the
# coverage check too
NOT_A_RANKINGS_COUNT = "".join(
    f"(?<!{w} )" for w in ("top", "best", "worst", "bottom", "first", "busiest", "quietest")
)
COUNT = rf"(?:\d+|{_NUMBER_WORD}|few|several)"
# "after today", "still ahead of today", "from today on": what is to come, not today
AFTER_TODAY = (
    r"\b(?:after|ahead of|beyond|later than|past) (?:today|now)\b|\bfrom (?:today|now) on(?:wards?)?\b"
)
_SPAN = re.compile(
    NOT_A_RANKINGS_COUNT + rf"\b(\d+|{_NUMBER_WORD}) (day|week|month)s?\b(?! ago| later| earlier)"
)  # "the 2 weeks just gone", not "the top 3 months"
_SPAN_DAYS = {"day": (1, 1), "week": (7, 7), "month": (28, 31)}


def spans_said(text: str) -> list[tuple[int, int]]:
    """Each length of time said as a count ("the 2 weeks just gone", "the past thirty days"): the
    fewest and the most days it can be."""
    out = []
    for m in _SPAN.finditer(text.lower()):
        n = _count(m[1])
        low, high = _SPAN_DAYS[m[2]]
        out.append((n * low, n * high + (1 if m[2] == "month" else 0)))
    return out


# "Q1 in 2025", "March, 2025", "the first quarter in 2025"; "in 2025 in March", "2025, in the
# first quarter": that quarter (month) of that year, when the year is said as one (after "in",
# "of", "during", "for"; never "before 2025 in March", "over 2000 in Q1", a name's "Tailgate 2008").
_PART = rf"q[1-4]|h[12]|(?:first|second|third|fourth|1st|2nd|3rd|4th) (?:quarter|half)|{_MONTH[1:-1]}"
_YEAR_IN_PART = re.compile(
    rf"\b(?P<p>{_PART})(?:,\s*|\s+(?:in|during)\s+)(?P<y>(?:19|20)\d{{2}})\b(?!\s*(?:and|or|vs|versus|,))"
)
_PART_IN_YEAR = re.compile(
    rf"(?:(?<=\bin )|(?<=\bof )|(?<=\bfor ))(?P<y>(?:19|20)\d{{2}}),?\s+(?:in|during)\s+"
    rf"(?:the\s+)?(?:month of\s+)?"
    rf"(?P<p>{_PART})\b(?!\s+quarter)"
)
# A year said as a bound ("after 2024", "until 2025"), not "from 2024 until 2025" (a range);
# "through 2025" is as often all of 2025 ("per month through 2025") and is read as that year.
_BOUND_YEAR = re.compile(r"(?<!\d\d\d\d )\b(after|before|until|till) ((?:19|20)\d{2})\b(?!\s*-\d)")
# The same bound on a quarter, half or month of a year ("before Q2 2025", "after March 2026")
_BOUND_PART = re.compile(
    rf"(?<!\d\d\d\d )\b(after|before|prior to) (q[1-4]|h[12]|{_MONTH})\.?,?(?: of)? "
    r"((?:19|20)\d{2})\b(?!\s*-\d)"
)
# A bound on a quarter, half or month said without its year, the year said once elsewhere ("in
# 2025, before Q2 started", "after March in 2025"): within that year
_BOUND_IN_YEAR = re.compile(
    rf"\b(before|after|prior to) (q[1-4]|h[12]|{'|'.join(MONTHS)}|{'|'.join(SHORT_MONTHS)})\b\.?"
    r"(?:\s+(?:started|starts|began|begins|begun|ended|ends|was over|kicked off))?"
    r"(?!,?\s*(?:of\s+)?(?:(?:19|20)\d{2}|'\d{2}))"
)
_MONTH_LIST = re.compile(
    rf"\b{_MONTH}((?:,? {_MONTH}){{1,10}}),? and {_MONTH}\b(?:,?\s+of\b)?"
    r"(?=,?\s+(?:(?:19|20)\d{2}|'\d{2}\b))",
    re.IGNORECASE,
)


_LISTED_MONTHS = re.compile(rf"\b{_MONTH}\.?((?:,\s*{_MONTH}\.?)+),?\s+(?:and|&)\s+{_MONTH}\b", re.IGNORECASE)


def scattered_months(text: str) -> str | None:
    """A list of three or more months that do not follow each other ("January, March and May"),
    as said; None when every list is a run of months ("June, July and August": their span)."""
    for m in _LISTED_MONTHS.finditer(text):
        said = [m[1], *re.findall(_MONTH, m[2], re.IGNORECASE), m[m.re.groups]]
        numbers = [month_number(w) for w in said]
        if not all(b == a + 1 for a, b in itertools.pairwise(numbers)):
            return m[0]
    return None


def _bound_in_year(word: str, part_said: str, year: int, clock: datetime) -> Period | None:
    """ "In 2025, before Q2": January to March 2025; "after March" in 2025: April to December."""
    part = find_period(f"in {part_said} {year}", clock)
    if part is None:
        return None
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    start, end = (part.end, end) if word == "after" else (start, part.start)
    if start >= end:
        return None
    last = end - timedelta(days=1)
    return Period(start, end, f"{start:%B} to {last:%B %Y}", future=start > clock)


def bound_in_year(text: str) -> tuple[Period, str] | None:
    """The period a bound within a year said once reads as ("in 2025, before Q2": January to
    March 2025), with the words that say it; None when the text says none."""
    years = set(re.findall(r"\b(?:19|20)\d{2}\b", text))
    m = _BOUND_IN_YEAR.search(text) if len(years) == 1 else None
    period = _bound_in_year(m[1], m[2], int(next(iter(years))), datetime.now(UTC)) if m else None
    return (period, m[0]) if m and period else None


def _sole(bound: re.Pattern[str], t: str) -> re.Match[str] | None:
    """The bound ("before Q2 2025") when it is the one period the text says."""
    m = bound.search(t)
    return m if m and not _OTHER_PERIOD.search(f"{t[: m.start()]} {t[m.end() :]}") else None


def _opening_year(t: str, m: re.Match[str], clock: datetime) -> Period | None:
    """ "2025 tickets": 2025; "2025 orders in June": June 2025; None when the rest says another
    period of its own (read as it is, without the opening year)."""
    year, rest = m[1], t[m.end() :]
    if not _OTHER_PERIOD.search(rest):
        y = int(year)
        start = datetime(y, 1, 1, tzinfo=UTC)
        return Period(start, datetime(y + 1, 1, 1, tzinfo=UTC), year, future=start > clock)
    spans = r"\b(?:to|through|thru|until|till|from|since|before|after|between|and|or|prior)\b|-|\u2013"
    negated = r"\b(?:not|without|but|except|excluding|other than|apart from|besides|minus)\b|n't\b"
    part = _INTRODUCED_PART.search(rest)  # "in June", ", Q1", "jan": not "by Q2", "as of June", "June on"
    if (
        part
        and len(_YEARLESS_PART.findall(rest)) == 1
        and not re.search(rf"\b(?:19|20)\d{{2}}\b|'\d{{2}}\b|{spans}|{negated}", rest)
    ):
        return find_period(f"{rest[: part.end()]} {year}{rest[part.end() :]}", clock)  # "in june 2025"
    return None


def bound_with_another_period(text: str) -> bool:
    """Whether the text says a bound ("after 2024", "before Q2 2025") and another period besides
    ("after March 2025 but before 2026", "revenue until 2025 from Texas" is one): read as the
    bound alone, the other would be dropped."""
    return any(b.search(text) and not _sole(b, text) for b in (_BOUND_PART, _BOUND_YEAR))


def without_bounds(text: str) -> str:
    """The text without the bounds `find_period` reads as a period ("before Q2 2025", "after
    2024"): what is left names no month or year of that period's own."""
    for bound in (_BOUND_PART, _BOUND_YEAR):  # "until 2025" stays: through it, or up to it? (asked back)
        if (m := _sole(bound, text)) and m[1] not in ("until", "till"):
            return f"{text[: m.start()]} {text[m.end() :]}"
    return text


def month_lists(text: str) -> str:
    """ "Oct, Nov and Dec 2025" as "Oct to Dec 2025": months said one after another are the
    months from the first to the last (one period, not a comparison of the first and last)."""
    if len(re.findall(r"\b(?:19|20)\d{2}\b|'\d{2}\b", text)) != 1 or re.search(
        r"\b(?:vs\.?|versus|against|compared?|comparing)\b", text, re.IGNORECASE
    ):
        return text  # "Jan, Feb and Mar 2026 vs 2025": each side's months, which the comparison can't read
    return _MONTH_LIST.sub(_month_list, text)


def _month_list(m: re.Match[str]) -> str:
    """ "jan, feb and mar (of)" as "jan to mar" when the months follow each other; as written if not."""
    said = [m[1], *re.findall(_MONTH, m[2], re.IGNORECASE), m[m.re.groups]]
    numbers = [month_number(w) for w in said]
    if all(b == a + 1 for a, b in itertools.pairwise(numbers)):  # not across a year
        return f"{said[0]} to {said[-1]}"
    return m[0]


def find_period(text: str, clock: datetime) -> Period | None:
    """The first time range the text names, resolved against `clock`; None when it names none."""
    t = text.lower()
    today = clock.astimezone(UTC).date()
    tomorrow = _at(today + timedelta(days=1))
    number = rf"(\d+|{_NUMBER_WORD})"
    if (m := re.search(rf"between {_ISO} and {_ISO}", t)) and (a := _iso(m[1])) and (b := _iso(m[2])):
        return Period(_at(a), _at(b + timedelta(days=1)), f"{a} to {b}")
    if (m := re.search(rf"since {_ISO}", t)) and (a := _iso(m[1])):
        return Period(_at(a), tomorrow, f"since {a}")
    if (m := re.search(rf"\bsince {_DAY_DATE}", t)) and (d := _day_of((m[1], m[2], m[3]))):
        return Period(_at(d[0]), tomorrow, "since " + _days_label(d[0], d[0], d[1]))  # "since 01/01/2026"
    if (m := re.search(rf"\bon {_ISO}", t)) and (a := _iso(m[1])):
        return Period(_at(a), _at(a + timedelta(days=1)), str(a))
    t = month_lists(t)
    years = set(re.findall(r"\b(?:19|20)\d{2}\b", t))
    m = _BOUND_IN_YEAR.search(t) if len(years) == 1 else None  # "in 2025, before Q2 started"
    if m and (within := _bound_in_year(m[1], m[2], int(next(iter(years))), clock)) is not None:
        return within
    if len(re.findall(r"\b(?:19|20)\d{2}\b", t)) == 1:  # one year said: never "2024 vs 2025 in Q1"
        t = _PART_IN_YEAR.sub(r"\g<p> \g<y>", _YEAR_IN_PART.sub(r"\g<p> \g<y>", t))
    if (m := re.search(OPENING_YEAR, t)) and (opened := _opening_year(t, m, clock)) is not None:
        return opened
    if (m := _BOUND_PART.search(t)) and (part := find_period(f"in {m[2]} {m[m.re.groups]}", clock)):
        if m[1] == "after":  # "after Q2 2025": from July 2025 on; "before March 2025": until its start
            final = part.end - timedelta(days=1)
            return Period(part.end, tomorrow, f"after {final:%B %Y}", future=part.end > clock)
        return Period(datetime(1970, 1, 1, tzinfo=UTC), part.start, f"before {part.start:%B %Y}")
    bound = r"(?<!from )(?<!since )(?<!after )(?<!before )(?<!through )(?<!until )(?<!till )(?<!to )"
    if m := re.search(
        rf"{bound}\b{_MONTH}\.? (?:of )?(last|this) year\b", t
    ):  # "March of last year": that month
        start, end = _month(today.year - (m[2] == "last"), month_number(m[1]))
        return Period(start, end, start.strftime("%B %Y"), future=start > clock)
    # "the week just past", "the month gone": the last one
    t = re.sub(
        rf"\bthe ((?:\d+|{_NUMBER_WORD}) )?(week|month|quarter|year|day)(s?) (?:just )?"
        r"(?:past|gone|(?:that )?(?:just )?ended)\b",
        r"last \1\2\3",
        t,
    )
    unit = r"\s*(?:days?|weeks?|months?|quarters?|years?)\b"
    if m := re.search(
        rf"\b(?:day|date)s?\b,? (?:of|in|over|from|during|within|across) the (last|past) {number}\b"
        rf"(?!{unit})",
        t,
    ):
        n = _count(m[2])  # "which single day, of the last thirty, ...": the days are the unit
        return Period(tomorrow - timedelta(days=n), tomorrow, f"the last {n} days")
    if m := re.search(rf"\b(first|last|final) {number} months (?:of|in) (\d{{4}})\b", t):
        n = _count(m[2])  # "the first four months of 2026": January to April, not the year
        if 1 <= n <= 12:
            opening = 1 if m[1] == "first" else 13 - n
            start, end = _month(int(m[3]), opening)[0], _month(int(m[3]), opening + n - 1)[1]
            label = f"{start:%B} to {end - timedelta(days=1):%B %Y}"
            return Period(start, end, label, future=start > clock)
    if m := re.search(rf"\b(last|past|next) {number} (days?|weeks?|months?)\b", t):
        n = _count(m[2])
        if m[3].startswith("month"):
            start_m = today.year * 12 + today.month - 1
            if m[1] == "next":
                a = today + timedelta(days=1)
                y, mo = divmod(start_m + n, 12)
                b = date(y, mo + 1, min(today.day, 28))
                return Period(_at(a), _at(b) + timedelta(days=1), f"the next {n} months", future=True)
            y, mo = divmod(start_m - n, 12)
            a = date(y, mo + 1, min(today.day, 28))
            return Period(_at(a) + timedelta(days=1), tomorrow, f"the last {n} months")
        days = n * _UNITS[m[3]]
        if m[1] == "next":
            return Period(tomorrow, tomorrow + timedelta(days=days), f"the next {n} {m[3]}", future=True)
        return Period(tomorrow - timedelta(days=days), tomorrow, f"the last {n} {m[3]}")
    m = re.search(rf"\b(?:from|since) {_ISO} {_TO_NOW}", t)  # "from 2025-01-01 until now": not that day alone
    if m and (first := _iso(m[1])):
        return Period(_at(first), tomorrow, _days_label(first, today, False))
    if m := _BOUND_YEAR.search(t):
        year = int(m[2])  # "after 2024": from 2025 on, not 2024; "before 2025": everything before it
        if m[1] == "after":
            start = datetime(year + 1, 1, 1, tzinfo=UTC)
            return Period(start, tomorrow, f"after {year}", future=start > clock)
        return Period(datetime(1970, 1, 1, tzinfo=UTC), datetime(year, 1, 1, tzinfo=UTC), f"before {year}")
    if m := re.search(rf"\b(?:from|since) (\d{{4}}) {_TO_NOW}", t):  # "from 2025 to now"
        return Period(datetime(int(m[1]), 1, 1, tzinfo=UTC), tomorrow, f"since {m[1]}")
    if m := re.search(
        rf"\b(?:(?:q([1-4])|({_ORDINAL}) quarter)|(?:h([12])|(first|second|1st|2nd) half))(?: of)?"
        r" (this|last|next) year\b",
        t,
    ):  # "the first quarter of this year", "H2 last year": that year's quarter or half
        y = today.year + {"this": 0, "last": -1, "next": 1}[m[5]]
        if m[1] or m[2]:
            q = int(m[1]) if m[1] else _QUARTERS.index(_ORDINALS.get(m[2], m[2])) + 1
            start, end = _month(y, 3 * q - 2)[0], _month(y, 3 * q)[1]
            return Period(start, end, f"Q{q} {y}", future=start > clock)
        half = int(m[3]) if m[3] else 1 + (m[4] in ("second", "2nd"))
        start, end = _month(y, 6 * half - 5)[0], _month(y, 6 * half)[1]
        return Period(
            start, end, f"H{half} {y} ({start:%B} to {end - timedelta(days=1):%B})", future=start > clock
        )
    if m := re.search(
        rf"\b(?:from|since) (?:the )?(?:start|beginning) of (?:{_MONTH} )?(\d{{4}})"
        r"(?: (?:through|thru|to|until|till|up to) (?:today|now|date))?\b",
        t,
    ):  # "from the start of 2025 through today": before "today" is read alone
        start = _month(int(m[2]), month_number(m[1]))[0] if m[1] else datetime(int(m[2]), 1, 1, tzinfo=UTC)
        return Period(start, tomorrow, f"since {start:%B %Y}" if m[1] else f"since {m[2]}")
    if re.search(r"\b(?:last|previous|past) weekend\b", t):  # Saturday and Sunday of last week
        saturday = today - timedelta(days=today.weekday() + 2)
        return Period(
            _at(saturday),
            _at(saturday + timedelta(days=2)),
            f"last weekend ({saturday} to {saturday + timedelta(days=1)})",
        )
    if re.search(r"\byesterday\b", t):
        day = today - timedelta(days=1)
        return Period(_at(day), _at(today), f"yesterday ({day})")
    if re.search(r"\btoday\b", t) and not re.search(AFTER_TODAY, t):
        return Period(_at(today), tomorrow, f"today ({today})")
    if m := re.search(rf"\b{number} years? ago\b", t):  # "2 years ago", "the year before last"
        y = today.year - _count(m[1])
        return Period(datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC), f"{y}")
    if m := re.search(r"\b(week|month|quarter) before last\b", t):  # "the week before last"
        return _relative("last", m[1], today, step=-2, said=f"the {m[1]} before last")
    if m := re.search(r"\b(last|this|next|previous|preceding) (week|month|year|quarter)\b", t):
        return _relative("last" if m[1] in ("previous", "preceding") else m[1], m[2], today)
    if m := re.search(ISO_WEEK, t):  # "week 6 of 2026", "2026-W06": the ISO week, Monday to Sunday
        year, week = (int(m[2]), int(m[1])) if m[1] else (int(m[3]), int(m[4]))
        with contextlib.suppress(ValueError):
            monday = date.fromisocalendar(year, week, 1)
            label = f"week {week} of {year} ({monday} to {monday + timedelta(days=6)})"
            return Period(_at(monday), _at(monday + timedelta(days=7)), label, future=_at(monday) > clock)
    if m := re.search(SEASON, t):  # "spring 2025", "winter 2025/26": meteorological seasons
        said_name = m[1] or m[3]
        name = "autumn" if said_name == "fall" else said_name
        year1 = int(m[2] or m[4])
        start_month = {"spring": 3, "summer": 6, "autumn": 9, "winter": 12}[name]
        start = _month(year1, start_month)[0]
        end = _month(year1 + (name == "winter"), start_month + 2 - 12 * (name == "winter"))[1]
        said = f"winter {year1}/{str(year1 + 1)[2:]}" if name == "winter" else f"{said_name} {year1}"
        label = f"{said} ({start:%B} to {end - timedelta(days=1):%B})"
        return Period(start, end, label, future=start > clock)
    if m := re.search(r"\b(?:h([12])|(first|second|1st|2nd) half)(?: of)?(?: the year)?,? (\d{4})\b", t):
        half = int(m[1]) if m[1] else 1 + (m[2] in ("second", "2nd"))  # "H1 2025", "second half of 2025"
        start, _ = _month(int(m[3]), 6 * half - 5)
        _, end = _month(int(m[3]), 6 * half)
        return Period(start, end, f"H{half} {m[3]} ({start:%B} to {end - timedelta(days=1):%B})",
                      future=start > clock)  # fmt: skip
    if m := re.search(r"\bq([1-4]) (\d{4}) ?(?:to|through|thru|until|till|-) ?q([1-4]) (\d{4})\b", t):
        start, _ = _month(int(m[2]), 3 * int(m[1]) - 2)  # "Q2 2025 to Q1 2026": both quarters and between
        _, end = _month(int(m[4]), 3 * int(m[3]))
        if start < end:
            return Period(start, end, f"Q{m[1]} {m[2]} to Q{m[3]} {m[4]}", future=start > clock)
    if m := re.search(rf"\b(?:q([1-4])|({_ORDINAL}) quarter)(?: of)? (\d{{4}})\b", t):
        q = int(m[1]) if m[1] else _QUARTERS.index(_ORDINALS.get(m[2], m[2])) + 1
        start, _ = _month(int(m[3]), 3 * q - 2)
        _, end = _month(int(m[3]), 3 * q)
        return Period(start, end, f"Q{q} {m[3]}", future=start > clock)
    dotted = re.findall(_DOTTED_DATE, t)  # "01.04.2025": day first, as where it is written so
    written = dotted or re.findall(_DAY_DATE, t)
    day_first = bool(dotted) or any(int(a) > 12 >= int(b) for a, b, _ in written)  # "13/03/2026 to 02/04"
    dated = [_day_of(d, day_first) for d in written]
    if dated and all(dated):  # "13/01/2026 to 25/01/2026": a day or days
        readings = [d for d in dated if d]
        first, last = readings[0][0], readings[-1][0]
        if first <= last:
            ambiguous = any(ambiguous for _, ambiguous in readings)
            label = _days_label(first, last, ambiguous and not dotted, day_first)
            label += " (a date with dots read day first)" if ambiguous and dotted else ""
            return Period(_at(first), _at(last + timedelta(days=1)), label, future=_at(first) > clock)
    iso = [d for d in map(_iso, re.findall(rf"(?<![\d-]){_ISO}(?![\d-])", t)) if d]
    if iso and iso[0] <= iso[-1]:  # "sales 2026-03-02", "from 2026-03-01 to 2026-03-07"
        return Period(_at(iso[0]), _at(iso[-1] + timedelta(days=1)), _days_label(iso[0], iso[-1], False),
                      future=_at(iso[0]) > clock)  # fmt: skip
    if span := _written_days(t):  # "May 20 to June 10, 2026", "20 May 2026"
        first, last = span
        return Period(_at(first), _at(last + timedelta(days=1)), _days_label(first, last, False),
                      future=_at(first) > clock)  # fmt: skip
    m = re.search(rf"{_MM_YYYY}\s*{_UNTIL}\s*{_MM_YYYY}", t)  # "03/2025-06/2025"
    if m and 1 <= int(m[1]) <= 12 and 1 <= int(m[3]) <= 12:
        start, _ = _month(int(m[2]), int(m[1]))
        _, end = _month(int(m[4]), int(m[3]))
        if start < end:
            label = f"{start:%B %Y} to {(end - timedelta(days=1)):%B %Y}"
            return Period(start, end, label, future=start > clock)
    if (m := re.search(_MM_YYYY, t)) and 1 <= int(m[1]) <= 12:  # "in 06/2026": that month
        start, end = _month(int(m[2]), int(m[1]))
        return Period(start, end, start.strftime("%B %Y"), future=start > clock)
    if m := re.search(rf"\b{_MONTH}\.?,? (\d{{4}})\s*{_UNTIL}\s*{_MONTH}\.?,? (\d{{4}})\b", t):
        start, _ = _month(int(m[2]), month_number(m[1]))  # "sept 2025 through feb 2026"
        _, end = _month(int(m[4]), month_number(m[3]))
        if start < end:
            label = f"{start:%B %Y} to {(end - timedelta(days=1)):%B %Y}"
            return Period(start, end, label, future=start > clock)
    if m := re.search(rf"\b{_MONTH}\.?\s*{_UNTIL}\s*{_MONTH}\.?,? (\d{{4}})\b", t):
        year = int(m[3])  # "jan-mar 2026", "from january to march 2026"
        start, _ = _month(year, month_number(m[1]))
        _, end = _month(year, month_number(m[2]))
        return Period(start, end, f"{start:%B} to {(end - timedelta(days=1)):%B %Y}", future=start > clock)
    if m := re.search(rf"\bsince (?:the )?(?:(?:start|beginning) of )?(?:{_MONTH} )?(\d{{4}})\b", t):
        start = _month(int(m[2]), month_number(m[1]))[0] if m[1] else datetime(int(m[2]), 1, 1, tzinfo=UTC)
        return Period(start, tomorrow, f"since {start:%B %Y}" if m[1] else f"since {m[2]}")
    if m := re.search(rf"\bsince {_MONTH}\b(?! \d)", t):  # "since January": this year's, or last year's
        month = month_number(m[1])
        start = _month(today.year if month <= today.month else today.year - 1, month)[0]
        return Period(start, tomorrow, f"since {start:%B %Y}")
    if m := re.search(rf"\b(this|last) {_MONTH}\b(?! \d)", t):  # "this April": this year's; "last April"
        month = month_number(m[2])
        year = today.year if month <= today.month else today.year - 1
        if m[1] == "last" and month == today.month:
            year -= 1
        start, end = _month(year, month)
        return Period(start, end, start.strftime("%B %Y"), future=start > clock)
    if m := re.search(rf"\b{_MONTH}\.? (\d{{4}})\b", t):
        start, end = _month(int(m[2]), month_number(m[1]))
        return Period(start, end, start.strftime("%B %Y"), future=start > clock)
    # "under 2025": Swedish English for "during 2025" (a count after it, "under 2025 tickets", is not)
    if m := re.search(
        r"\b(?:in|during|for|of|over|across|throughout|through|under) (\d{4})\b" + NOT_COUNT, t
    ) or (
        re.search(
            r"(?:'s|\b(?:share|percentage|percent|proportion|fraction) of|%(?: of)?) ((?:19|20)\d{2})\b", t
        )
        or re.search(RANKED_YEAR, t)
        or re.search(BARE_YEAR, t)  # "Coldplay's 2025 tickets", "share of 2025 orders"
    ):
        y = int(m[1])
        return Period(datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC), str(y),
                      future=datetime(y, 1, 1, tzinfo=UTC) > clock)  # fmt: skip
    if m := re.search(rf"\b(?:in|during|for) {_MONTH}\b", t):
        month = month_number(m[1])
        year = today.year if month <= today.month else today.year - 1
        start, end = _month(year, month)
        return Period(start, end, start.strftime("%B %Y"))
    return None


def _relative(which: str, unit: str, today: date, step: int | None = None, said: str = "") -> Period:
    """This, last or next week (Monday to Sunday), month, quarter or year; `step` units from
    this one when given ("the week before last": -2), said as `said`."""
    step = {"last": -1, "this": 0, "next": 1}[which] if step is None else step
    said = said or f"{which} {unit}"
    if unit == "week":
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
        return Period(_at(monday), _at(monday + timedelta(days=7)), f"{said} (from {monday})", step > 0)
    if unit == "month":
        y, m = divmod(today.year * 12 + today.month - 1 + step, 12)
        start, end = _month(y, m + 1)
        return Period(start, end, f"{said} ({start.strftime('%B %Y')})", step > 0)
    if unit == "quarter":
        q0 = (today.year * 12 + today.month - 1) // 3 + step
        y, q = divmod(q0, 4)
        start, _ = _month(y, 3 * q + 1)
        _, end = _month(y, 3 * q + 3)
        return Period(start, end, f"{said} (Q{q + 1} {y})", step > 0)
    y = today.year + step
    return Period(datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC), f"{said} ({y})", step > 0)
