"""Coverage of a question by its plan: every cue the question carries (an aggregate word, a
grouping, a period, a comparison, a superlative, a count of things, a filter value) is either
reflected in the plan or the plan is not answered. A planner that understood part of a question
must not state a result for a narrower or different one; it says what it would have left out.

Pure; applied to every planner's plan (the rules and Bedrock's) before any tool runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chat import analytics, ruled_out
from chat.asker import story_words
from chat.groupings import named_values, refund_reason
from chat.periods import (
    BARE_YEAR,
    COUNT,
    MONTHS,
    NOT_A_RANKINGS_COUNT,
    NOT_COUNT,
    RANKED_YEAR,
    SHORT_MONTHS,
    Period,
    bound_in_year,
    bound_with_another_period,
    month_lists,
    month_number,
    scattered_months,
    spans_said,
    without_bounds,
)
from chat.plan import Plan, cannot
from chat.thresholds import without_seat_threshold
from chat.understood import unexplained
from chat.wording import reword

Check = Callable[[dict[str, Any]], bool]
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_DIMS = {
    "venue": "venue", "arena": "venue", "stadium": "venue", "artist": "artist", "band": "artist",
    "performer": "artist", "act": "artist", "city": "city", "cities": "city", "state": "state",
    "province": "state", "genre": "genre", "concert": "concert", "show": "concert", "event": "concert",
    "month": "month", "day": "day", "date": "day", "channel": "channel", "tier": "tier", "week": "week",
    "quarter": "quarter", "year": "year", "weekday": "weekday", "day of the week": "weekday",
    "day of week": "weekday", "customer": "customer", "buyer": "customer", "hour": "hour",
}  # fmt: skip
_GROUP = re.compile(
    r"\b(?:by|per|each|every|for each|for every|broken down by|breakdown by|split by)\s+"
    r"(?:(?:sales|seat|seating|ticket|price|music|calendar|selling|performing|host|hosting) )?"
    r"(day of (?:the )?week|" + "|".join(sorted((d for d in _DIMS if " " not in d), key=len, reverse=True))
    + r")(?:e?s)?\b(?!\s*(?:#|number|no\.?|id)?\s*\d)"
)  # fmt: skip


def _metric(*names: str) -> Check:
    return lambda s: s.get("metric") in names


def _period(s: dict[str, Any]) -> bool:
    return bool(s.get("period")) or bool(s.get("upcoming")) or _periods_compared(s)


def _days_period(s: dict[str, Any]) -> bool:
    """The plan's period is a day or days (its label begins with one), not a month or a year."""
    period = s.get("period") or {}
    return bool(re.match(r"(?:since )?\d{4}-\d{2}-\d{2}", str(period.get("label", ""))))


# A day written in digits (02/03/2026, 2026-03-02): a plan that reads only its year did not use it
# (31/02/2026 is no day: the answer says so instead of giving the year's figures).
_DAY_WRITTEN = r"(?<![\d/])\d{1,2}/\d{1,2}/\d{4}\b|(?<![\d-])\d{4}-\d{1,2}-\d{1,2}(?![\d-])"


def _week_long(s: dict[str, Any]) -> bool:
    """The plan's period is one week ("week 6 of 2026"), or two periods are compared."""
    period = s.get("period")
    if not period:
        return _periods_compared(s)
    p = Period.from_dict(period)
    return (p.end - p.start).days == 7 or _periods_compared(s)


def _season(s: dict[str, Any]) -> bool:
    """A period of the plan is a season ("spring 2025 (March to May)"): "winter 2025" is not read."""
    spans = [s.get("period") or {}, *((s.get("compare") or {}).get("periods") or [])]
    return any(re.match(r"(?:spring|summer|autumn|fall|winter) ", str(p.get("label", ""))) for p in spans)


# A week by its number ("week 6 of 2026", "2026-W06"): a plan over the whole year did not use it.
_WEEK_NUMBER = (
    r"\b(?:week|w)\.? ?(?:no\.? |number |#)?\d{1,2}\b(?! ?(?:days|weeks|months))|\b(?:19|20)\d{2}-?w\d{2}\b"
)


def _periods_compared(s: dict[str, Any]) -> bool:
    return "periods" in (s.get("compare") or {})


def _grouped(s: dict[str, Any]) -> bool:
    return (
        s.get("group") is not None
        or s.get("intent") == "concerts"
        or s.get("metric") in analytics.EXTREMES
        or bool(s.get("compare"))  # "which sold more": the two sides answer it
    )


def _filtered(kind: str) -> Check:
    return lambda s: (
        kind in (s.get("filters") or {})
        or s.get("group") == kind
        or (s.get("compare") or {}).get("dim") == kind
    )


@dataclass(frozen=True)
class Rule:
    """A cue in the question and what the plan must have for it to be used."""

    pattern: re.Pattern[str]
    honored: Check
    what: str  # how the answer names the part it could not use


def _both(kind: str) -> Check:
    def honored(s: dict[str, Any]) -> bool:
        kept = (s.get("filters") or {}).get(kind)
        return (
            s.get("group") == kind
            or (s.get("compare") or {}).get("dim") == kind
            or (isinstance(kept, list | tuple) and len(kept) > 1)
        )

    return honored


def _rule(pattern: str, honored: Check, what: str) -> Rule:
    return Rule(re.compile(pattern), honored, what)


_COMPARE = (
    r"\b(?:compare|comparing|comparison|versus|vs\.?|against|beat|beats|outsell|outsold|outperform(?:ed)?)\b"
    r"|\b(?:more|less|fewer|better|worse|higher|lower)\b.*\bthan\b"
    r"|\bwhich of (?:them|these|those|the two)\b"
    r"|(?:>=|<=|>|<)\s*\$?\d"
    r"|\b(?:over|under|above|below|at least|at most|more than|less than|fewer than|upwards of)\s+"
    r"(?!(?:19|20)\d{2}\b" + NOT_COUNT + r")\$?\d[\d,.]*k?\b"  # a threshold, not "over 2025"
    r"|\bor\b.*\b(?:more|less|fewer|better|worse|higher|lower|bigger|most)\b"
    r"|\b(?:more|less|fewer|better|worse|higher|lower|bigger)\b.*\bor\b"
)
_SHARE = r"\b(?:share|percentage|percent|proportion|fraction)\b|%"
_CHANGE = (
    r"\b(?:growth|grew|grow(?:ing)?|increase[ds]?|decrease[ds]?|decline[ds]?|change[ds]?"
    r"|year over year|yoy|than (?:last|the previous|before)|went (?:up|down)|go(?:ne)? (?:up|down)|rose|risen"
    r"|fell|fallen|dropped|jump(?:ed)?|spike[ds]?)\b"
)
_PERIOD = (
    BARE_YEAR
    + "|"
    + RANKED_YEAR
    + r"|\b(?:"
    + _MONTHS
    + r")\b|\b[qh][1-4]\b|\b(?:first|second|1st|2nd) half\b"
    r"|\b(?:last|this|past|previous|next|coming)\s+(?:(?:\d+|[a-z]+(?:-[a-z]+)?)\s+)?"
    r"(?:day|week|month|quarter|year)s?\b"  # "the past thirty days": a period, whatever the count
    r"|\bthe (?:week|month|quarter|year) (?:just )?(?:past|gone|(?:that )?(?:just )?ended)\b"
    # "the 2 weeks just gone", "30 days ago": a period (not "the top 3 months": a ranking's count)
    r"|" + NOT_A_RANKINGS_COUNT + r"\b" + COUNT + r" (?:days?|weeks?|months?|quarters?|years?)\b"
    # "which day, of the last thirty, ...": a count of days left unsaid
    r"|\b(?:of|in|over|during|within|across) the (?:last|past|previous) (?:\d+|[a-z]+(?:-[a-z]+)?)\b"
    r"(?!\s+(?:concerts?|shows?|gigs?|orders?|tickets?|sales|events?|refunds?|dates?|venues?|artists?"
    r"|questions?|answers?|ones?|things?|messages?|results?|lists?|rows?))"
    r"|\byesterday\b|\btoday\b|\bsince\b|\bbetween\b|\b(?:year|quarter|month) to date\b|\b[yqm]td\b"
    r"|\b(?:that|the same) (?:year|month|quarter|week|day|period|half)\b"
    r"|\b(?:first|second|third|fourth|1st|2nd|3rd|4th) quarter\b|\byears? ago\b"
)
_RANKING = (
    r"\b(?:busiest|biggest|largest|smallest|most|least|fewest|top|bottom|best|worst|highest|lowest"
    r"|leading)\b"
)
_COUNT = r"\b(?:how many|number of|count of|count the)\s+(?:different\s+|distinct\s+)?"
_TIME_OF_DAY = (
    r"\b(?:hour|hours|hourly|time of day|morning|afternoon|evening|night|noon|midnight|o'clock)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b"
)
_CHANNEL = r"\b(?:online|web|mobile|app|box[- ]office|partners?|resellers?)\b"
_DAYS = (
    r"\b(?:weekends?|weekdays?|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?"
    r"|sundays?)\b"
)


_MONEY_WORDS = r"\b(?:dollars?|usd|money)\b"
_PRICE_EXTREME = r"\b(?:cheapest|priciest|dearest|most expensive|least expensive)\b"
_RANKED_THING = r"(?:tier|channel|venue|arena|stadium|artist|act|band|city|state|genre|month|day|weekday)s?\b"
# Where a buyer lives or comes from: the warehouse records where a ticket was sold, not its buyer's
# home (a customer is an id).
_BUYER_HOME = (
    r"\bout[- ]of[- ](?:state|town|towners?|staters?)\b|\bin-state\b|\blocals?\b|\bresidents?\b"
    r"|\bhome ?towns?\b|\bwhere (?:the |our )?(?:buyers|customers|fans|people) (?:live|are from|come from)\b"
    r"|\b(?:buyers|customers|fans|people) (?:who )?(?:came|come|travel(?:l?ed)?) from\b"
)

# Attributes and measures the warehouse does not have: a question that names one is about
# something else than any plan could answer (the word is reported, not dropped).
_NOT_IN_WAREHOUSE = (
    r"\b(?:type|types|kind|kinds|category|categories|size|sizes|region|regions|country|countries|age|ages"
    r"|gender|profit|profits|margin|margins|cost|costs|fees?|commission|discounts?|ratings?|reviews?"
    r"|weather|temperature|attendance|no-shows?|scans?|scanned|checked in|check-ins?|resale|markup|tax|taxes"
    r"|parking|merch|merchandise|concessions?|food|drinks?|beers?|sponsors?|sponsorships?|staff|wages"
    r"|zip|zips|zip ?codes?|post ?codes?|postal codes?|address|addresses|e-?mails?|phone numbers?"
    r"|birthdays?|birth dates?|seat numbers?|row numbers?|sections?|male|female|men|women|demographics?"
    r"|seat rows?|rows? of seats|by row|rain|raining|rained|snow|snowing|sunny|storms?|marketing|ads?"
    r"|advertising|campaigns?|clicks?|page views?|visits)\b"
)


def _share(s: dict[str, Any]) -> bool:
    part = analytics.share_part(s.get("filters") or {})
    shared = bool(s.get("share") and (s.get("group") or part))
    return shared or s.get("metric") == "sell_through" or _periods_compared(s)  # a percent change


def _never(_: dict[str, Any]) -> bool:
    return False


def _two_groups(s: dict[str, Any]) -> bool:
    """Two sides of one measure (two things or two periods), or weekend against weekdays."""
    return s.get("group") == "daytype" or bool(s.get("compare"))


# Forecasts of sales figures: the platform predicts one concert's ticket sales (its own tool), and
# states nothing about a period that has not happened.
_FORECAST = (
    r"\b(?:projections?|projected|project|forecasts?|forecasted|forecasting|estimates?|estimated|expected"
    r"|predictions?|predicted"
    r"|will (?:beat|exceed|top|outsell|outperform|surpass|overtake|be (?:higher|bigger|more))"
    r"|outlook|rest of (?:the )?(?:year|month|quarter|19\d\d|20\d\d)"
    r"|will (?:we|it|they) (?:sell|make|earn)"
    r"|(?:we|it|they)(?:'ll| will| are going to|'re going to|re going to)"
    r" (?:sell|make|earn|bring in|take in))\b"
)

# A place in a ranking past the first ("which state came third", "the second highest revenue",
# "runner-up"): the rankings answer from the first, so such a question had been answered with it.
_PLACE_PAST_FIRST = (
    r"\b(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|2nd|3rd|4th|5th|6th|7th|8th|9th|10th)\b"
    r"(?!\s+(?:half|quarter|week|day|month|year|one|time|of)\b)(?!-)|\brunners?[- ]up\b"
)


def _not_ranked(slots: dict[str, Any]) -> bool:
    return not (slots.get("rank") or slots.get("group"))


# Days listed in one month ("the weeks of 6, 13 and 20 April", "on the 3rd, 10th and 17th of
# May"): the period reader would read the last two as a range.
_DAY_LIST = (
    r"\b\d{1,2}(?:st|nd|rd|th)?,\s*(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?,?\s+(?:and|&)\s+(?:the\s+)?"
    r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[a-z]{3}"
)
# A period said against another ("the month after March 2025", "just before Q2 2025"): the period
# reader reads the one named, not the one asked for.
_RELATIVE_TO = (
    r"\b(?:(?:day|week|month|quarter|year|half)s?|just|right|immediately|shortly)\s+(?:before|after|prior to"
    r"|following)\s+(?!last\b|next\b|that\b|this\b|those\b|these\b|then\b|it\b|today\b|now\b)"
    r"(?=(?:the\s+)?(?:q[1-4]|h[12]|(?:19|20)\d{2}|" + "|".join((*MONTHS, *SHORT_MONTHS)) + r")\b)"
    r"|\b(?:before|after|prior to)\s*(?:and|or|&|/)\s*(?:before|after|since)\b"  # "before and after Q2"
)
# Sales of concerts bounded by their date ("tickets sold for concerts after 2025"): the sales'
# period is when they were sold, so the concerts' own dates would go unused.
_CONCERTS_BOUNDED = (
    r"\b(?:concerts?|shows?|gigs?|events?)\s+(?:(?:that|which)\s+(?:are|were|is|was)\s+|scheduled\s+"
    r"|taking place\s+|happening\s+|held\s+|played\s+|starting\s+)?"
    r"(?:after|before|prior to|since|until|till)\b"
)
# Two measures asked together ("revenue and tickets for 2025", "orders & refunds"): a plan
# answers one measure, so the other would go unanswered (two requests said apart are split by
# `chat.two_questions`).
_MEASURE = (
    r"(?:(?:total |gross |net )?(?:revenue|income|earnings|takings)|tickets?(?: sold| sales)?"
    r"|(?:ticket )?sales|orders?|refunds?|(?:average |mean )?(?:ticket )?prices?"
    r"|concerts|shows|gigs|artists|venues|customers|buyers)"
)
_TWO_MEASURES = rf"\b{_MEASURE}\s+(?:and|&|plus)\s+(?:the\s+)?(?:(?:total|number|count) of\s+)?{_MEASURE}\b"
# What did not happen ("venues that did not sell a ticket"): answered only by a plan of what had
# none (`chat.absence`), which looks for every venue against its sales.
_ABSENCE = (
    r"\b(?:zero|no|without(?: any)?)(?: [a-z-]+)?(?: ticket| single)?"  # "no web orders"
    r" (?:concerts?|shows?|gigs?|sales?|tickets?|orders?|refunds?|events?)\b"
    r"|\b(?:did|do|does|have|has|had)(?: not|n't) (?:yet )?(?:sell|sold)\b|\bnever (?:sold|sell)\b"
    r"|\b(?:did|do|does|have|has|had)\s+(?:[\w'&.-]+\s+){0,5}not\s+(?:yet\s+)?(?:sell|sold)\b"  # "X not sell"
    r"|\bnot (?:sell|sold) (?:a single|any|one)\b|\bnot a single (?:ticket|sale)\b"
    r"|\bwithout (?:a|one|a single|any)(?: single)?(?: ticket)? (?:sales?|tickets?|orders?)\b"
)
# "which venues did X not play?", "venues X has never performed at": where X was not
_NOT_PLAYED = (
    r"\b(?:did|do|does|have|has|had)\s+(?:[\w'&.-]+\s+){0,5}(?:not|never)\s+(?:yet\s+)?"
    r"(?:play|perform|appear|tour|gig)(?:ed)?\b"
    r"|\b(?:didn't|don't|doesn't|haven't|hasn't|hadn't|never)\s+(?:yet\s+)?(?:play|perform|appear|tour|gig)(?:ed)?\b"
    r"|\byet\s+to\s+(?:play|perform|appear|tour|gig)\b"  # "which artists have yet to play in Texas"
)
# A kind of venue ("revenue at stadiums", "tickets in arenas"): the warehouse records no venue type
_VENUE_TYPE = (
    r"\b(?:at|in|for|across)\s+(?:the\s+|all\s+|our\s+)?"
    r"(?:stadiums|arenas|theat(?:re|er)s|clubs|ballrooms|amphitheat(?:re|er)s|halls)\b"
)
# A share of things rather than of a measure ("what percentage of the concerts were cancelled"):
# each thing's count against all of them, which the plans do not compute.
_RATE_OF_THINGS = (
    r"\b(?:percent(?:age)?|share|proportion|fraction|rate)(?: of)? (?:the |all |our )?"
    r"(?:concerts|shows|gigs|events|venues|artists|customers|buyers)\b"
)
# A count per customer, venue or artist ("customers with exactly one order", "repeat customers
# (more than one order)"): each one's total first, which the plans do not compute.
_EACH_ONES_COUNT = (
    r"\b(?:exactly|only|just|more than|at least|fewer than|less than|over|under|at most)"
    r" (?:one|two|three|four|five|\d+) (?:orders?|tickets?|concerts?|shows?|purchases?|refunds?|times)\b"
    r"|\b(?:one|two|three|four|five|\d+)\s*(?:\+|or more|or fewer|or less|or above|and (?:up|above|over))\s*"
    r"(?:orders?|tickets?|concerts?|shows?|purchases?|refunds?|times)\b"  # "orders with 6+ tickets"
    r"|\brepeat (?:customers|buyers)\b|\bone-time (?:customers|buyers)\b"
    r"|\b(?:only|just|exactly|more than|bought|ordered|purchased) once\b"
    r"|\b(?:came|come|coming) back\b|\b(?:bought|buy|ordered) again\b|\breturning (?:customers|buyers)\b"
    r"|\bretention\b|\bretained\b|\bchurn(?:ed)?\b"
)
# A reason: the warehouse holds figures, not their causes.
_WHY = r"^\W*why\b|\bwhy (?:is|are|was|were|did|do|does|has|have|had)\b"

RULES: tuple[Rule, ...] = (
    _rule(r"\bmedian\b", _metric(*analytics.MEDIANS), "a median"),
    _rule(  # "the average spend per buyer": a figure per customer is an average
        r"\b(?:average|avg|mean)\b", _metric(*analytics.AVERAGES, *analytics.PER_CUSTOMER), "an average"
    ),
    _rule(r"\bper (?:order|purchase|transaction|booking|sale)\b", _metric(*analytics.PER_ORDER), "per order"),
    _rule(
        r"\bper (?:distinct |unique |individual |paying )?(?:customer|buyer|fan|person|head)s?\b",
        _metric(*analytics.PER_CUSTOMER),
        "per customer",
    ),
    _rule(  # "refund dollars per refunded ticket": a figure per ticket is a price, not a total
        r"\bper (?:[a-z-]+ )?(?:ticket|tix|seat)s?\b(?!\s*(?:buyers?|holders?|purchasers?)\b)",
        _metric(*analytics.PRICES),
        "per ticket",
    ),
    _rule(  # "month-over-month order counts": one figure a month, or two periods side by side
        r"\b(day|week|month|quarter|year)[- ]on[- ]\1\b|\b(day|week|month|quarter)[- ]over[- ]\2\b"
        r"|\b(?:mom|wow|qoq|dod)\b",
        lambda s: s.get("group") in analytics.TIME_GROUPS or _periods_compared(s),
        "a change from one period to the next",
    ),
    _rule(_SHARE, _share, "a share of a total"),
    _rule(r"\brate\b", _metric("sell_through"), "a rate"),
    _rule(_COMPARE, _two_groups, "a comparison"),
    _rule(_CHANGE, _periods_compared, "a change between periods"),
    _rule(r"\btrend(?:s|ing)?\b|\bover time\b", lambda s: s.get("group") in analytics.TIME_GROUPS, "a trend"),
    _rule(_PERIOD, _period, "the period"),
    _rule(  # "on what date was the first sale": a date, which no figure the planner computes is
        r"\b(?:on )?(?:what|which) (?:date|day)\b(?! of the week)"
        r"|\bwhen (?:was|were|did)\b[^?.]{0,40}?\b(?:first|last|earliest|latest|most recent)\b",
        lambda s: s.get("group") in ("day", "date"),
        "the date of an event",
    ),
    _rule(  # "send the start date of the cancelled X concert": each concert's date, not a count
        r"\b(?:start(?:ing)?|show|concert|event) dates? of\b|\bdates? only\b",
        lambda s: s.get("group") in ("day", "date") or s.get("intent") == "concerts",
        "the date of an event",
    ),
    _rule(  # "the largest single order, in tickets": a number of tickets, not dollars
        r"(?<!not )(?<!rather than )\b(?:in|measured in|counted in) tickets\b",
        _metric("tickets", "refunds", "avg_order_tickets", "max_order_tickets", "tickets_per_customer"),
        "a number of tickets",
    ),
    _rule(_DAY_WRITTEN, lambda s: _days_period(s) or _periods_compared(s), "the date as written (not a day)"),
    _rule(_WEEK_NUMBER, _week_long, "the week number"),
    _rule(r"\b(?:spring|summer|autumn|fall|winter)\b", _season, "the season"),
    _rule(_RANKING, _grouped, "a ranking"),
    _rule(
        _COUNT + r"(?:venues|arenas|stadiums)\b",
        _metric("venues", *analytics.COUNTED_THROUGH["venues"]),
        "a count of venues",
    ),
    _rule(
        _COUNT + r"(?:artists|bands|performers|acts)\b",
        _metric("artists", *analytics.COUNTED_THROUGH["artists"]),
        "a count of artists",
    ),
    _rule(
        _COUNT + r"(?:[a-z-]+ )?(?:customers|buyers|customer_ids?)\b",
        _metric("customers", "customers_refunded"),
        "a count of customers",
    ),
    _rule(
        r"\bdivided by\b|\w\s+/\s+\w",
        lambda s: s.get("metric") in (*analytics.AVERAGES, *analytics.PER_CUSTOMER) or _share(s),
        "a ratio",
    ),
    _rule(_EACH_ONES_COUNT, _never, "a condition on each one's orders or tickets"),
    _rule(  # places counted through their sales, never the catalog's own count
        _COUNT + r"(?:cities|states|provinces|genres)\b",
        _metric("cities_sold", "states_sold"),
        "a count of places or genres",
    ),
    _rule(r"\b(?:seats|seating|capacity)\b", _metric("capacity", "sell_through"), "a capacity"),
    _rule(  # "how many tickets have people bought": tickets, not the people
        r"\bhow many (?:tickets|tix)\b",
        _metric("tickets", "refunds", "avg_order_tickets", "max_order_tickets", "tickets_per_customer"),
        "a number of tickets",
    ),
    _rule(_MONEY_WORDS, _metric(*analytics.MONEY), "an amount of money"),
    _rule(  # "revenue without cancellations": revenue, not the cancelled concerts
        r"\brevenues?\b",
        lambda s: s.get("metric") in analytics.MONEY or s.get("metric") in analytics.COUNTED_THROUGH_SOLD,
        "revenue",
    ),
    _rule(_PRICE_EXTREME, _metric(*analytics.PRICES), "a ticket price"),
    # "the cheapest seating tier on average": the tiers ranked by a price, not one price
    _rule(_PRICE_EXTREME + r"\s+(?:[a-z-]+\s+)?" + _RANKED_THING, _grouped, "a ranking"),
    _rule(_BUYER_HOME, _never, "where buyers live (the warehouse records where tickets were sold)"),
    _rule(
        r"\bcancel(?:l?ed|lations?|s)?\b|\bcalled off\b|\bscrapped\b|\baxed\b",
        lambda s: s.get("metric") == "cancelled" or bool(s.get("cancelled")),
        "cancelled concerts",
    ),
    _rule(
        _DAYS,
        lambda s: s.get("group") in ("weekday", "daytype")
        or "days" in (s.get("filters") or {})
        or (s.get("compare") or {}).get("dim") == "days",
        "days of the week",
    ),
    _rule(_CHANNEL, _filtered("channel"), "a sales channel"),
    _rule(r"\b(?:vip|floor|upper|lower|balcony|general admission)\b(?! than)", _filtered("tier"), "a tier"),
    _rule(_DAY_LIST, _never, "a list of days (ask for the span from the first to the last)"),
    _rule(
        _CONCERTS_BOUNDED,
        lambda s: s.get("intent") == "concerts" or s.get("metric") in ("concerts", "cancelled", "sold_out"),
        "the concerts' own dates (I bound sales by when they were sold)",
    ),
    _rule(_TWO_MEASURES, _never, "a second measure (ask for each)"),
    _rule(_RELATIVE_TO, _never, "a period said against another (name the period itself)"),
    _rule(_PLACE_PAST_FIRST, _not_ranked, "a place in a ranking past the first"),
    _rule(_TIME_OF_DAY, _never, "a time of day"),
    _rule(_NOT_IN_WAREHOUSE, _never, "something the warehouse does not record"),
    _rule(_FORECAST, _never, "a forecast (I predict one concert's ticket sales: ask for a concert)"),
    _rule(_ABSENCE, lambda s: bool(s.get("absent")), "what did not sell (as asked here)"),
    _rule(_NOT_PLAYED, _never, "where or who did not play (I list what happened)"),
    _rule(_VENUE_TYPE, _never, "a kind of venue (the warehouse records no venue type)"),
    _rule(_RATE_OF_THINGS, _never, "a share of concerts, venues, artists or customers (a rate)"),
    _rule(_WHY, _never, "a reason why (I report the figures, not their causes)"),
)  # fmt: skip


def uncovered(question: str, plan: Plan) -> list[str]:
    """What the question asks that the plan does not use (empty: fully covered)."""
    if plan.intent not in ("analytics", "concerts") or not plan.calls:
        return []
    slots = {**plan.slots, "intent": plan.intent}
    text = month_lists(_without_filter_words(reword(question).lower(), slots))  # a span said as a list
    if "seats" in (slots.get("filters") or {}):
        text = without_seat_threshold(text)  # the part the seat filter answers
    missing = [r.what for r in RULES if r.pattern.search(text) and not r.honored(slots)]
    if _dates_outside(text, slots) or _span_not_kept(text, slots):
        missing.append("the period")
    if bound_with_another_period(text):  # "after March 2025 but before 2026": the second dropped
        missing.append("a bound with another period (say the period in full)")
    if scattered_months(text):  # "January, March and May of 2025": the first compared with the year
        missing.append("a list of months that do not follow each other (ask for each month)")
    for kind, named in named_values(text).items():  # "web and box office", a table of the four tiers:
        if len(named) > 1 and not _both(kind)(slots):  # all of them kept, never the first alone
            missing.append(f"{len(named)} {'sales channels' if kind == 'channel' else 'tiers'} together")
    combined = re.search(r"\b(?:combined|total|altogether|all together|overall|sum of|in all)\b", text)
    for found in _GROUP.finditer(text):
        if combined and found.group(0).startswith(("every", "each", "for every", "for each")):
            continue  # "the combined capacity of every venue": all of them together
        wanted = _DIMS.get(found.group(1).rstrip("s"), _DIMS.get(found.group(1)))
        per_customer = (  # "how many orders did each customer place, on average": the divisor
            found.group(0).startswith(("per", "each", "every", "for each", "for every"))
            and slots.get("metric") in analytics.PER_CUSTOMER
        )
        if wanted and slots.get("group") != wanted and not _filter_of(slots, wanted) and not per_customer:
            missing.append(f"a breakdown by {wanted}")
    ranked = _RANKED_KIND.search(text)  # "top 3 states ... by month": a ranking of states, not of months
    if ranked and slots.get("group") in _TIME_UNITS and not _filter_of(slots, _DIMS[ranked[1]]):
        missing.append(f"a ranking of each {_DIMS[ranked[1]]} with a breakdown by {slots['group']}")
    return list(dict.fromkeys(missing))


_TIME_UNITS = ("day", "week", "month", "quarter", "year", "weekday", "hour")
_RANKED_KIND = re.compile(
    r"\b(?:top \d+|top (?:three|five|ten)|which|what)\s+"
    r"(state|cit(?:y|ies)|venue|artist|genre|tier|channel)s?\b"
)


_YEAR_SAID = re.compile(
    r"(?<!concert )(?<!customer )(?<!show )(?<!#)(?<!than )(?<!top )(?<!least )(?<!most )(?<!under )"
    r"(?<!over )(?<![\d.,$])\b((?:19|20)\d{2})\b(?![.,]\d)"
    r"|\b(?:under|over) (20[1-3]\d)\b(?![.,]\d)" + NOT_COUNT  # "under 2025": during it, not a threshold
)
_QUARTER_SAID = re.compile(r"\b(?:((?:19|20)\d{2})\s*-?\s*q([1-4])|q([1-4])\s*[-/']?\s*((?:19|20)\d{2}))\b")
_MONTH_SAID = re.compile(r"\b(" + "|".join([*(m for m in MONTHS if m != "may"), *SHORT_MONTHS]) + r")\b")


def _dates_outside(text: str, slots: dict[str, Any]) -> bool:
    """A year or a month the question names that no period of the plan holds ("Jan-Mar" read as
    March alone): a part of the period dropped."""
    spans = [slots["period"]] if slots.get("period") else []
    spans += list((slots.get("compare") or {}).get("periods") or [])
    if not spans:
        return False  # no period at all: the period rule says so when one was asked
    periods = [Period.from_dict(p) for p in spans]
    if any(p.label.startswith(("before ", "after ")) for p in periods):
        text = without_bounds(text)  # "before Q2 2025": the bound is the period, not in it
    if (within := bound_in_year(text)) and any(
        (p.start, p.end) == (within[0].start, within[0].end) for p in periods
    ):
        text = text.replace(within[1], " ")  # "in 2025, after March": April to December, March not in it
    months = {(d.year, d.month) for p in periods for d in _months_of(p)}
    years = {y for y, _ in months}
    said_years = {int(y) for pair in _YEAR_SAID.findall(text) for y in pair if y}
    said_months = {month_number(m) for m in _MONTH_SAID.findall(text)}  # "jan feb march"
    said_quarters = {  # "Q3 2025 | Q4 2025" answered for Q3 alone
        (int(a or d), int(b or c)) for a, b, c, d in _QUARTER_SAID.findall(text)
    }
    quarter_months = {(y, 3 * q - i) for y, q in said_quarters for i in range(3)}
    return (
        bool(said_years - years)
        or bool(said_months - {m for _, m in months})
        or bool(quarter_months - months)
    )


def _span_not_kept(text: str, slots: dict[str, Any]) -> bool:
    """A length of time said as a count ("the 2 weeks before Christmas") that the plan's period
    is not as long as: the plan answers for another span."""
    if _periods_compared(slots) or not (said := spans_said(text)):
        return False
    period = slots.get("period")
    if not period:
        return True
    p = Period.from_dict(period)
    days = (p.end - p.start).days
    return not any(low <= days <= high for low, high in said)


def _months_of(p: Period) -> list[datetime]:
    """The first day of every month the period touches."""
    out: list[datetime] = []
    at = p.start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = p.end - timedelta(microseconds=1)
    while at <= last and len(out) < 1200:
        out.append(at)
        at = at.replace(year=at.year + at.month // 12, month=at.month % 12 + 1)
    return out


def _without_filter_words(text: str, slots: dict[str, Any]) -> str:
    """The question without the genre the plan filters on ("country shows" is a genre, not the
    artists' country), unless it is asked as a breakdown or a question ("by country"), without
    the refund reason it filters on ("because the concert was cancelled"), and without the name
    of the venue or artist it filters on."""
    text = _without_reasons(text, slots)
    for kind in ("venue", "artist"):  # a name the plan uses is no cue: "Boyz II Men" asks nothing of men
        value = (slots.get("filters") or {}).get(kind)
        if isinstance(value, list) and len(value) == 2 and len(str(value[1])) > 3:
            text = re.sub(rf"(?<!\w){re.escape(str(value[1]).lower())}(?!\w)", " ", text)
    genre = str((slots.get("filters") or {}).get("genre") or "")
    if not genre:
        return text
    return re.sub(rf"(?<!by )(?<!per )(?<!which )(?<!what )(?<!each )\b{re.escape(genre)}s?\b", " ", text)


def _without_reasons(text: str, slots: dict[str, Any]) -> str:
    """The text without the refund reasons the plan filters on or compares."""
    if (slots.get("filters") or {}).get("reason") or (slots.get("compare") or {}).get("dim") == "reason":
        for _ in range(2):
            text = refund_reason(text)[1]
    return text


def _filter_of(slots: dict[str, Any], dim: str) -> bool:
    """`per show` after a concert filter reads as that concert's figure, not a breakdown."""
    return dim in (slots.get("filters") or {}) and slots.get("group") is None and dim == "concert"


def covered(question: str, plan: Plan) -> Plan:
    """The plan when it uses everything the question asks; otherwise a plain answer that says
    what it would have left out and what it understood, with no result."""
    missing = uncovered(question, plan)
    understood = (
        analytics.describe(plan.slots)
        if plan.intent == "analytics"
        else f"a list of {'cancelled ' if plan.slots.get('cancelled') else ''}concerts"
    )
    answering = not missing and plan.intent in ("analytics", "concerts") and plan.calls
    asked = reword(question)
    asked = _without_reasons(asked, plan.slots)  # the reasons' phrases are read by their filter
    if answering and (negated := ruled_out.kept(asked, plan.slots) or ruled_out.kept_name(asked, plan.slots)):
        return cannot(
            f"'{negated}' leaves something out, and I would have answered for only that. Ask for what is "
            "left in instead (the tiers or channels you want), or leave one thing out as 'not counting X'.",
            planner=plan.planner,
        )
    if answering and (unknown := unexplained(asked, plan.slots, story_words(asked))):
        said = ", ".join(f"'{w}'" for w in unknown[:3])
        return cannot(
            f"I'm not sure what {said} means here, so I won't guess. I understood: {understood}. "
            "Ask without it, in other words, or ask what I can answer.",
            planner=plan.planner,
        )
    if not missing:
        return plan
    parts = ", ".join(missing)
    return cannot(
        f"I can't answer that exactly: I can't use {parts} in this question, and I won't answer a "
        f"narrower one. I understood: {understood}. Ask without {'it' if len(missing) == 1 else 'them'}, "
        "or ask what I can answer.",
        planner=plan.planner,
    )
