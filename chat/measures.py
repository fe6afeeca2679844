"""Which measure a question asks: tickets, revenue, orders, customers, refunds, prices (average,
median, extremes), per-order and per-customer figures, counts and seats of the dimensions,
cancelled and sold-out concerts, sell-through. Pure: regular expressions over the question's
lower-case text, already in the planner's words (`chat.wording`)."""

from __future__ import annotations

import re

_PRICE = r"(?:ticket )?price"


_CANCELLED = r"\bcancel(?:l?ed|lations?)\b|\bcalled off\b|\bscrapped\b|\baxed\b"


_ORDER = r"(?:order|purchase|transaction|booking|sale)"


_PER_CUSTOMER = r"per (?:distinct |unique |individual |paying )?(?:customer|buyer|fan|person|head)s?"


_HOW_MANY = r"\b(?:how many|number of|count of|count the)\s+(?:different\s+|distinct\s+)?"


_AVERAGE = r"\b(?:average|avg|mean|typical|averaged)\b"
# One of a unit, as an average is asked of it ("how many tickets does one order hold on average",
# "what did the average order come to in dollars", "the mean amount of one refund").
_ONE = r"\b(?:one|an?|1|each|single|the average|an average|the typical|a typical|the mean)"
_MONEY = r"\b(?:dollars?|money|price|value|worth|come to|cost|spend|spent|pay|paid|revenue|amount|\$)"


def average_of_one(t: str) -> str | None:
    """An average of a unit said around it: tickets in one order, an order's dollars, what one
    ticket cost, one refund's amount; None when the question asks no average or names a sum."""
    if not has(t, _AVERAGE) or has(t, r"\b(?:total|sum|median|highest|lowest|biggest|largest)\b"):
        return None

    def one(unit: str) -> str:  # one of them, never a plural ("average daily ticket sales")
        return rf"{_ONE} (?:[\w'-]+ ){{0,2}}?{unit}\b(?!s)|\bper {unit}\b"

    if has(t, one("refund")) and has(t, _MONEY) and not has(t, r"\btickets?\b"):
        return "avg_refund"
    if "refund" in t:
        return None
    if has(t, one(_ORDER)) and has(t, r"\b(?:tickets?|tix|seats)\b") and not has(t, _MONEY):
        return "avg_order_tickets"
    if has(t, one(_ORDER)) and has(t, _MONEY) and not has(t, r"\b(?:tickets?|tix)\b"):
        return "avg_order_value"
    if has(t, one("ticket")) and has(t, _MONEY) and not has(t, one(_ORDER)):
        return "avg_price"
    return None


def measure_of(t: str) -> str | None:
    """The measures beyond sums and counts: a median, extremes, per-order and per-customer forms,
    counts and seats of the dimensions themselves, cancelled concerts."""
    if averaged := average_of_one(t):
        return averaged
    if has(t, rf"\bmedian (?:{_ORDER}|basket) (?:value|size in dollars|amount)"):
        return "median_order_value"
    if has(t, rf"\bmedian {_PRICE}", r"\bmedian\b.*\bpaid\b"):
        return "median_price"
    if has(
        t,
        _HOW_MANY + r"(?:[a-z-]+ )?(?:customers|buyers|fans|people|customer_ids?)\b.*\brefund",
        r"\brefunded (?:customers|buyers|fans)\b|\b(?:customers|buyers) (?:who|that) (?:were|got) refunded\b",
        r"^\W*(?:distinct |unique )?(?:customers|buyers) refunded\b",  # "Customers refunded, Q1 2026."
    ):  # "how many distinct customers got a refund": customers counted through the refunds
        return "customers_refunded"
    single = r"(?:largest|biggest|highest|max(?:imum)?|most expensive) (?:single |individual |one )?"
    total = r"(?! (?:total|sum|in total|dollars|money|overall))"  # "the biggest refund total": a sum, ranked
    if has(t, single + r"refunds?(?: amount)?\b" + total, r"\bmax(?:imum)? refund\b"):
        return "max_refund"
    if has(
        t,
        r"\b(?:largest|biggest|highest|max(?:imum)?|most) (?:number of )?tickets "
        rf"(?:bought |sold |purchased )?(?:in|on|per) (?:a single|one|an?|any single) {_ORDER}\b",
    ):
        return "max_order_tickets"
    if has(t, single + rf"{_ORDER}\b.*\b(?:in|by|measured in|counted in) (?:number of )?tickets\b"):
        return "max_order_tickets"  # "the largest single order ever placed ..., in tickets"
    if has(t, single + rf"{_ORDER}(?: value| amount)?\b", r"\bmax(?:imum)? order value\b"):
        return "max_order_value"
    if has(
        t,
        # "the most anyone has paid for one X ticket"
        r"\bmost (?:anyone|anybody|someone|a (?:fan|customer|buyer))(?:'s| has| ever)*(?: ever)?"
        r" (?:paid|spent)\b"
        r".*\b(?:one|a|a single|per) (?:[\w'-]+ ){0,3}?ticket\b",
        rf"\b(?:highest|max(?:imum)?|most expensive|top) {_PRICE}",
        r"\b(?:most expensive|priciest|dearest) (?:tickets?|seats?)\b",
        r"\b(?:dearest|priciest|most expensive)\b.*\btickets?\b",
    ):
        return "max_price"
    if has(
        t,
        rf"\b(?:lowest|min(?:imum)?|cheapest) {_PRICE}",
        r"\b(?:cheapest|least expensive)(?: [a-z-]+){0,2} (?:tickets?|seats?)\b",
    ):
        return "min_price"
    if has(
        t,
        rf"\btickets? per {_ORDER}",
        r"\baverage order size\b",
        rf"\bper {_ORDER}\b.*\btickets\b",
        # "how many tickets does an average Raleigh order contain"
        rf"\bhow many tickets (?:does|did|do|would) an? average (?:[\w'-]+ ){{0,3}}?{_ORDER}"
        r" (?:contain|have|hold|include)",
    ):
        return "avg_order_tickets"
    if has(
        t,
        rf"\b(?:average|avg|mean) (?:{_ORDER}|basket) (?:value|size in dollars|amount)",
        rf"\b(?:revenue|spend|spent|value|money) per {_ORDER}",
    ):
        return "avg_order_value"
    if has(
        t,
        rf"\b(?:revenue|spend|spent|spending|money|dollars) {_PER_CUSTOMER}",
        rf"\b(?:average|avg) (?:spend|spending)\b.*{_PER_CUSTOMER}",
        rf"\b(?:revenue|earn)\b.*\b{_PER_CUSTOMER}\b",  # "how much revenue was brought in per customer"
    ):
        return "revenue_per_customer"
    if has(t, rf"\btickets? {_PER_CUSTOMER}"):
        return "tickets_per_customer"
    if has(t, rf"\b(?:orders|purchases) {_PER_CUSTOMER}"):
        return "orders_per_customer"
    if has(t, r"\b(?:average|avg|mean) refund(?: amount| size| value)?\b", r"\bamount per refund\b"):
        return "avg_refund"
    if has(t, _CANCELLED):
        return "cancelled"
    if has(t, r"\b(?:most|fewest|least|more|number of) (?:concerts|shows|gigs|events)\b"):
        return "concerts"
    if has(
        t,
        r"\b(?:list|show me|name|what are|which are|which|what|all)\b(?: [a-z-]+){0,3} "
        r"(?:venues|arenas|stadiums)\b",
        r"^(?:our |the |all )?(?:venues|arenas|stadiums) (?:in|at)\b",
        r"\b(?:venues|arenas|stadiums)\b.*\blist\b",
    ) and not has(t, r"\b(?:sold|sales?|tickets?|revenue|how many|number of|count)\b"):
        return "capacity"
    if has(t, _HOW_MANY + _NOT_COUNTED + r"(?:venues|arenas|stadiums)\b", r"\bvenues\b.*\bcount\b"):
        return "venues"
    if has(
        t,
        _HOW_MANY + _NOT_COUNTED + r"(?:artists|bands|performers|acts)\b",
        r"\b(?:artists|acts)\b.*\bcount\b",
    ):
        return "artists"
    if has(
        t,
        r"\b(?:seats|seating capacity)\b",
        r"\b(?:biggest|largest|smallest) (?:venue|arena|stadium)s?\b",
        r"\bcapacity of\b",
        r"\b(?:its|their) (?:seating )?capacity\b",
        r"\bhow many (?:people|persons|fans|spectators) (?:can|could|does|do|will) [\w .'-]{1,60}? "
        r"(?:hold|fit|seat|take)\b",
        r"\b(?:total|combined|overall|aggregate) (?:seating )?capacity\b",
    ):
        return "capacity"
    if has(
        t,
        r"\b(?:how many|number of|count of) (?:orders|purchases|transactions|bookings)\b",
        r"\bmost orders\b",
    ):
        return "orders"
    return None


# The plain measures, in the order they are tried (the first whose pattern matches), after the
# measures of `measure_of`. The question is already in the planner's words (`chat.wording`:
# "avg" is "average", "takings" is "revenue").
_PLAIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sold_out", (r"sold[ -]?out", r"sell[- ]?outs?\b")),
    (
        "sell_through",
        (r"sell[- ]?(?:through|thru)", r"occupancy", r"fill rate", r"how full", r"capacity sold"),
    ),
    # "the number of refunds", "refunds processed": refunds counted, each refund once (a refund
    # may hand back several tickets)
    (
        "refund_count",
        (
            r"\b(?:number|count|no\.?) of refunds\b(?! (?:tickets|dollars|money|amount))",
            r"\bhow many refunds\b",
            r"\brefunds? (?:processed|count)\b",
            r"\brefund count\b",
        ),
    ),
    # "how much tickets were refunded", "the number of tickets refunded": tickets, not money
    (
        "refunds",
        (r"\b(?:how (?:much|many)|amount of|number of|count of) (?:tickets?|tix|seats)\b.*\brefund",),
    ),
    (
        "refund_amount",
        (
            r"\b(?:dollars?|money|amount|value)\b.*\brefund",
            r"\brefund.*\b(?:dollars?|money)\b",
            r"refund(ed)? amount",
            r"amount refunded",
            r"refunds? (?:in|worth) (?:dollars|money)",
            r"money refunded",
            r"how much .*refund",
            r"(?:\$|dollars?|money|value) (?:refunded|in refunds|of refunds)",
            r"\brefunds?\b.*\bin dollars\b",
            r"refund(?:ed|s)? (?:dollars|value|total in dollars)",
        ),
    ),
    ("refunds", (r"refund",)),
    (
        "avg_price",
        (
            r"average (?:ticket )?price",
            r"mean (?:ticket )?price",
            r"price per ticket",
            r"\bticket price on average\b",  # "what did one ticket cost on average"
        ),
    ),
    (
        "revenue",
        (
            r"revenue",
            r"gross",
            r"\bearn",
            r"\bmoney\b",
            r"\bdollars\b",
            r"how much .*(?:make|made|bring)",
            # "how much did customers spend": their money, not how many they are
            r"\b(?:how much|what) did (?:the |our |all )?(?:customers|buyers|fans|punters|people)"
            r" (?:\w+ )?(?:spend|spent|pay|paid)\b",
            r"\b(?:customers|buyers|fans|punters) (?:spend|spent|paid)\b",
            r"\bincome\b",
            r"\b(?:take|took|taken|taking) in\b",
        ),
    ),
    (  # "X fans buy the most tickets", "how many tickets have people bought": tickets, not people
        "tickets",
        (
            r"\b(?:the )?(?:most|fewest|least) (?:\w+ )?tickets\b",
            r"\bhow many (?:tickets|tix)\b",
            # "the ticket total of Tuesday purchases": tickets, not orders
            r"\bticket (?:total|count|tally)s?\b(?! (?:revenue|dollars|money|value))",
        ),
    ),
    ("customers", (r"customers", r"buyers", r"\bfans\b", r"people bought", r"unique (?:customers|buyers)")),
    (
        "concerts",
        (
            r"how many (?:concerts|shows|events)",
            r"\b(?:concerts|shows|events)\b.*\bhow many\b",
            r"\b(?:concerts|shows|events) (?:per|by|each|every) "
            r"(?:month|week|day|quarter|year|venue|artist|city|state|genre)",
            r"number of (?:concerts|shows|events)",
            r"count (?:of )?(?:concerts|shows)",
            r"concerts (?:are|were) (?:there|scheduled|held|played)",
        ),
    ),
    ("orders", (r"\b(?:orders|transactions|purchases|bookings)\b",)),
    (
        "tickets",
        (
            r"tickets?",
            r"\btix\b",
            r"\bsold\b",
            r"\bsales?\b",
            r"\bsell(?:s|ing)?\b",
            r"\bbest[- ]selling\b",
            r"\bpopular\b",
            r"\bbusiest\b",
        ),
    ),
)


# Up to two words between "how many" and the venues or artists counted, none of them another
# thing counted ("how many concerts did artists play": concerts, not artists) unless it stands
# right before the noun.
_NOT_COUNTED = (
    r"(?:(?!(?:concerts|shows|gigs|events|tickets|orders|refunds|sales)\s+(?!(?:venues|arenas|stadiums|artists"
    r"|bands|performers|acts)\b))[a-z-]+ ){0,2}"
)  # "how many events venues are in Texas": a word before the noun only qualifies it


def metric_of(t: str) -> str | None:
    """The measure a question asks, or None."""
    if measure := measure_of(t):
        return measure
    return next((metric for metric, patterns in _PLAIN if has(t, *patterns)), None)


def has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)
