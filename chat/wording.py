"""Other words for the same things: abbreviations and trade synonyms rewritten to the words the
planner's rules and the coverage check know, before either reads the question. Pure.

One table rather than a synonym in every rule: a word added here is understood by every rule
and checked by coverage the same way. Whole words only, and a capitalised word inside the question is
taken for a name's and left as written ("The Receipts").
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from chat import (
    answer_format,
    api_calls,
    courtesy,
    dated_weeks,
    dialects,
    dictation,
    formal,
    forwarded,
    gherkin,
    half_sql,
    numbered_periods,
    search_operators,
    set_notation,
    sports_talk,
    spreadsheet,
    texting,
)
from chat.asker import set_aside
from chat.groupings import NUMBER_WORDS
from chat.periods import month_lists
from chat.understood import KNOWN, correct
from schemas.regions import REGIONS

# "cancelled concerts not included", "excluding cancelled shows"
_CANCELLED_THINGS = r"(?:cancell?ations|cancel(?:l?ed)? (?:concerts?|shows?|gigs|ones?|events|dates))"
_CANCELLED_LEFT_OUT = (
    r"(?:the )?" + _CANCELLED_THINGS + r" (?:are |being )?"
    r"(?:not included|excluded|left out|aside|not (?:to be )?counted|(?:do not|don't|does not|doesn't) count)"
    r"|leaving out any (?:that were|which were) cancell?ed"
    r"|(?:excluding|leav(?:e|ing) out|without|ignor(?:e|ing)|not counting) (?:anything|everything) cancell?ed"
    r"|(?:excluding|exclude|not count(?:ing)?|leav(?:e|ing) out|without|ignor(?:e|ing)|omit(?:ting)?"
    r"|except(?: for)?|skip(?:ping)?|drop(?:ping)?|not) (?:the |any )?"
    + _CANCELLED_THINGS
    # "... in date order - no cancelled ones.": an afterthought at the end, never "venues with no
    # cancelled shows" (a condition on the venues)
    + r"|(?<=[-,;] )no cancell?ed (?:ones|concerts|shows|gigs|dates)(?=\s*[.!]?\s*$)"
    # "Leave the cancelled ones off the count.", "leaving cancelled shows out of it"
    + r"|leav(?:e|ing) (?:the |any )?"
    + _CANCELLED_THINGS
    + r" (?:off|out)(?: of)?(?: the count| the tally| it)?"
    # "non-cancelled concerts", "Concerts starting June 2026, non-cancelled.": the concerts held
    + r"|non-?\s?cancell?ed(?= (?:concerts?|shows?|gigs?|dates?|events?)\b)"
    + r"|(?<=[,;] )non-?\s?cancell?ed(?: ones)?(?=\s*(?:[.!,;]|$))"
    + r"|(?:excluding|leav(?:e|ing) out|ignor(?:e|ing)|skip(?:ping)?|not counting) (?:any|those|ones)"
    r" (?:that|which) (?:were|are|got|have been) cancell?ed"
)
# ... said of concerts: a concert counted or listed is never a cancelled one, so the phrase changes
# nothing; said of sales ("revenue without cancellations") it is kept, for the coverage check.
_OF_CONCERTS = re.compile(
    r"\b(?:concerts?|shows?|gigs?|events?|performances?|dates|play(?:s|ed|ing)?|perform(?:s|ed|ing)?|planned"
    r"|scheduled|booked|held|hosted)\b",
    re.I,
)
_LEFT_OUT = re.compile(r"[,.;]?\s*\b(?:(?:with )?(?:the )?" + _CANCELLED_LEFT_OUT + r")\b\.?", re.I)


# "tickets, please - not orders": a measure the question rules out, when it names another
_MEASURES = r"(?:orders|transactions|purchases|bookings|tickets|revenue|dollars|refunds)"
_RULED_OUT = re.compile(
    r"\s*[,;(-]?\s*\b(?:not|rather than|instead of)\s+(?:the\s+)?(?:number of\s+)?(" + _MEASURES + r")\b"
    r"\s*[,;)]?(?:\s+-(?=\s))?",
    re.I,
)


def _without_ruled_out(text: str) -> str:
    """The question without a measure it rules out ("tickets - not orders"), when it still
    names another one; the one it asks for is then the only one it names."""
    for m in _RULED_OUT.finditer(text):
        rest = text[: m.start()] + " " + text[m.end() :]
        if re.search(rf"\b{_MEASURES}\b", rest.replace(m[1], " "), re.I):
            return _without_ruled_out(rest)
    return text


# ... but said of what concerts sold ("tickets sold for concerts, skip the cancelled ones") it
# is a condition on the sales, which the plans cannot apply: kept, for the coverage check
_OF_SALES = re.compile(
    r"\b(?:tickets?|tix|sold|sales?|revenue|orders|refunds?|gross\w*|earn\w*|takings)\b", re.I
)


def _without_cancelled(text: str) -> str:
    """The question without "cancellations excluded" when it asks about concerts, not their
    sales."""
    if not (m := _LEFT_OUT.search(text)):
        return text
    rest = text[: m.start()] + " " + text[m.end() :]
    if not _OF_CONCERTS.search(rest) or _OF_SALES.search(rest):
        return text
    return _LEFT_OUT.sub("", text)


_REWRITES: tuple[tuple[str, str], ...] = (
    (r",?\s*\bno cap\b", ""),  # slang: "no lie", not a capacity
    # retail's key figures: average selling price, average transaction value, units per transaction
    (r"\b(?:asp|average selling price)(?: per ticket)?\b", "average ticket price"),
    (r"\b(?:atv|average transaction value)\b", "average order value"),
    (r"\bupt\b", "units per transaction"),
    # abbreviations
    (r"\baov\b", "average order value"),
    # "every venue counted", "with every ticket sold counted": all of them together, no breakdown
    (
        r"\b(?:with )?(?:every|each|all) (?:single )?(?:venue|ticket|sale|order|concert|show)s?(?: sold)?"
        r" (?:counted|included)\b",
        "all together",
    ),
    # "count a city once per state": a city is its name and state, as cities are counted
    (r"[.,;]?\s*\b(?:count(?:ing)?|counted) (?:a|each|every) city once (?:per|in each|for each) state\b", ""),
    # the least busy: "the slowest weekday", "the calmest day of the past fourteen"
    (r"\b(?:slowest|calmest|sleepiest)(?= (?:single )?(?:day|weekday|week|month|quarter)\b)", "quietest"),
    (r"\bavg\b", "average"),
    (r"\brevs?\b", "revenue"),
    (r"\btkt price\b", "ticket price"),
    (r"\btkts?\b", "tickets"),
    (r"\bcap\b", "capacity"),
    (r"\bw/", "with "),
    # two things set side by side: "this month's revenue next to last month's", "2025 beside 2024"
    # ("next to last month" alone is the one before last: not a comparison)
    (
        r"\b(?:the )?(?:next|second)[- ]to[- ]last (day|week|month|quarter|year)\b(?!'s)",
        r"the \1 before last",
    ),
    (r"^\s*(?:please\s+)?(?:set|put|place|lay)\s+(?=.{1,80}?\b(?:beside|alongside|next to)\b)", ""),
    (
        r"\b(?:beside|alongside|next to)"
        r"(?= (?:the|that|its|their|(?:last|this|previous|prior) \w+'s|[\w-]+'s)\b| (?:19|20)\d\d\b)",
        "vs",
    ),
    (r"\b(last|this|next|per|each|a|every) mo\b", r"\1 month"),
    (r"\bmon(?:day)?\s*-\s*fri(?:day)?\b", "weekdays"),
    (r"\bsat(?:urday)?\s*-\s*sun(?:day)?\b", "weekends"),
    (r"\b(wk|week|month|day|quarter|qtr)-by-(?:wk|week|month|day|quarter|qtr)\b", r"\1 by \1"),
    (r"\bnum\b(?! of)", "number of"),
    (r"\b(?:number of )?(?:sales|order) rows\b", "orders"),
    (r"\b(average|avg|mean) (?:number of )?tickets (?:by|for each|in an?) order\b", "tickets per order"),
    (
        r"\b(revenue|tickets|orders) divided by (?:the )?(?:number of )?(?:distinct |unique )?"
        r"(customer|buyer|order)(?:s|_?ids?)?\b",
        r"\1 per \2",
    ),  # a formula written out: "total revenue divided by distinct customers"
    (  # "total revenue divided by the number of tickets": the average ticket price
        r"\b(?:total )?(?:ticket )?revenue divided by (?:the )?(?:total )?(?:number of )?tickets(?: sold)?\b",
        "average ticket price",
    ),
    (r"\bone (?:line|row|entry|figure) (?:per|for each|a|each) (\w+)\b", r"by \1"),
    (r"\b(?:strongest|top-performing)\b", "best"),
    (r"\bweakest\b", "worst"),
    (r"\bevolution\b", "trend"),
    (r"\b(?:situated|sited)\b", "located"),
    (r"\b(?:received|welcomed)\b", "hosted"),
    (r"\bput(?:s|ting)? on\b", "held"),
    (r"\bwhen's\b", "when is"),
    (
        r"\bat least (?:one|1|a single) (\w+?)s?\b",
        r"a \1",
    ),  # "venues with at least one refund": with a refund
    (r"\bi mean(?:t)?\b,?", ""),
    (
        r"\b(different|distinct|unique) (customer|buyer|fan)\b(?!s)",
        r"\1 \2s",
    ),  # "how many different customer"
    (
        r"\bin (?:us )?(?:dollars|usd|\$)\s*(?:k|thousands?)?(?!\w)",
        "in dollars",
    ),  # a unit: the figure is dollars
    (r"(?<![\d\w])\$(?!\s*\d)", " dollars "),
    (r"\b(\w+)-wise\b", r"by \1"),
    (r",?\s*\b(?:um+|uh+|erm?|hmm+)\b,?", ""),  # spoken fillers ("the average, um, refund amount")
    (
        r"\b(?:instead of|rather than) (?:the |a |an )?(?:number of |total |ticket |gross )?[\w$-]+"
        r"(?: (?:sold|count|terms))?\b",
        "instead",
    ),  # the measure replaced
    (r"\b(the|customer|concert|venue|artist|order|sale|an?) IDs?\b", r"\1 id"),  # an id, not Idaho
    (r"\bkindly\b", ""),
    (r"\bflogged\b", "sold"),  # Australian English: "which venue flogged the most tickets"
    (r"\bflog(?:s|ging)?\b", "sell"),
    (r"\b(?:forked|shelled) out\b|\bcoughed up\b", "paid"),
    (r"\bdiff\b(?= [a-z]+s\b)", "different"),  # texting: "how many diff artists"
    (r"\bbox_office\b", "box office"),
    (r"\bside[- ]by[- ]side\b", "compared"),
    (r"\bticket[- ]?holders\b", "customers"),
    (r"(?<![-\w])towns\b(?!-)", "cities"),  # "which towns in AB have venues"; not "out-of-town"
    (r"(?<![-\w])town\b(?!-)", "city"),
    (r"\b(?:the same|that) stretch\b", "the same period"),
    (r",?\s*\bresample[- ]style\b", ""),  # pandas: weekly figures as resample('W') gives them
    (r"\(?\bof those (?:that|which|who) (?:sold|had|have|made) (?:any|some|at least one)(?: \w+)?\)?", ""),
    (r"\b(?:a|an|the) typical\b", "an average"),
    (
        r"\b(?:past|earlier|previous) (?:or|and|&) (?:future|upcoming|later)\b"
        r"|\b(?:future|upcoming) (?:or|and) past\b",
        "all time",
    ),
    (r"\bseparate (?=[a-z]+s\b)", "distinct "),  # "how many separate venues"
    (r",?\s*\b(?:totally|in totality)\b", " in total"),  # Swedish English "totally": all of it together
    (r"\bi\.e\.?,?|\bthat is to say\b", "that is"),  # "i.e. revenue over orders": a restatement
    (r"\bmay (?:i|we) (?:please )?(?:ask|know|request|have|get)\b", ""),  # not the month
    (r"^(\s*(?:please |could you |can you |would you |pls )?)share\b(?! of\b)", r"\1give"),  # "share the X"
    (r"\b(?:please )?help me(?: to)?\b", ""),  # "help me check how many ...", "help me list ..."
    (r"\b(20\d\d) (first|second|third|fourth|1st|2nd|3rd|4th) (quarter|half)(?: year)?\b", r"\2 \3 of \1"),
    (r"\bthis year's (first|second|third|fourth|1st|2nd|3rd|4th) (quarter|half)\b", r"\1 \2 of this year"),
    (r"\bprior (week|month|quarter|year)\b", r"previous \1"),  # "the prior quarter"
    (r"\badd(?:s|ed)? up to\b", "total"),
    (r"\b(capacity|capacities|seats) (?:of )?above (?=\d)", r"\1 more than "),  # a threshold on seats
    (r"\bin (revenue|dollar|money|ticket|order) terms\b", r"in \1"),
    (
        r"^(?:now |ok |okay )?(?:narrow|filter|restrict|limit|cut) "
        r"(?:that|it|this|those|them)(?: down)? to\b",
        "what about",
    ),
    (r"^(?:now |ok |okay )?keep (?:only )?the (?:first|top) (\w+)\b", r"only the top \1"),
    (r"\bvery (next|first|last)\b", r"\1"),
    (r",?\s*considering only (?:the )?(\w+) with (?:at least one|a|any) (?:sale|ticket sold)s?\b", ""),
    (
        r"\bdistribution of (\w+) (?:across|over|among|by) (?:the )?(?:sales )?"
        r"(channel|tier|state|city|venue|artist|genre)s?\b",
        r"\1 by \2",
    ),
    (r",?\s*(?:with )?(?:the )?weeks? (?:starting|beginning) (?:on )?(?:a )?mondays?\b", ""),
    (
        r"\b(?:the )?monday[- ](?:start(?:ing)?|based|to[- ]sunday|first) (weeks?)\b",
        r"\1",
    ),  # weeks are Monday's
    (r"\b(?:the )?concert ids? (of|for)\b", r"the concerts \1"),
    (r"\b(\d[\d,]*) (people|seats|persons|fans|spectators) or (?:more|above|over)\b", r"at least \1 \2"),
    (r"\b(?:the )?(?:biggest|largest|highest|greatest) capacity\b", "the most seats"),
    (  # "This venue can hold how many people?": the question word last, as some languages order it
        r"^(this|that|the|its) (venue|place|stadium|arena|hall|room) can (?:hold|fit|seat) how many "
        r"(people|persons|fans)\b",
        r"how many \3 can \1 \2 hold",
    ),
    (  # "X in 2025 have how many concert?": the question word last, as some languages order it
        r"^([^?,]{3,60}?) (?:have|has|had) how many ([a-z]+?)s?\b",
        r"how many \2s does \1 have",
    ),
    (r"(?<!year )(?<!quarter )(?<!month )(?<!week )\b(?:till|until|up to|to) date\b", "until now"),
    (r"\b(?:classified|filed|listed) (?:under|as)\b", "in"),
    (r"\benumerate\b", "list"),
    (r"\bended up\b", ""),
    # refund rows counted: "the fewest refund transactions" is the number of refunds, each once
    (
        r"(?<!number of )(?<!count of )(?<!how many )\brefund (?:records|rows|entries|transactions)\b",
        "number of refunds",
    ),
    (r"\brefund (?:records|rows|entries|transactions)\b", "refunds"),
    (r"\brefund (?:record|row|entry|transaction) counts?\b", "number of refunds"),
    (
        r"\bhow many tickets an? (?:order|purchase) (?:contained|had|held|included) on average\b",
        "average tickets per order",
    ),
    (r"[,.]?\s*\bone (?:row|line|entry) (?:per|for each|a|each) (?:concert|show|gig|event)\b\.?", ""),
    (r"\bmnths?\b", "month"),
    (r"(?<=[\sq])'(\d{2})\b", r"20\1"),  # "Q3 '25", "Jan-Mar '26"
    (r"\b([1-4])q(\d{2})\b", r"q\1 20\2"),  # "3Q25"
    (r"\b([12])h(\d{2})\b", r"h\1 20\2"),  # "1H25": the first half of 2025
    (r"\b((?:19|20)\d{2})-?w(\d{1,2})\b", r"week \2 of \1"),  # "2026-W06": the ISO week
    (r"\bq([1-4])[ -]?(\d{2})\b", r"q\1 20\2"),  # "Q3-25", "q325" is not read
    (r"\bsemesters?\b", "half"),
    (r"\b(?:the )?(?:past|last) fortnight\b", "the last 14 days"),
    (r"\bfortnight\b", "2 weeks"),
    # "this year until today": this year, which ends today anyway (not the day alone)
    (
        r"\b(this (?:year|month|quarter|week)),? (?:until|till|up (?:to|until)|through|to) "
        r"(?:today|now|date)\b",
        r"\1",
    ),
    # "shows starting in 2026": the shows' start is in 2026 (not "since 2026")
    # "concerts did X have starting in 2025", "concerts at X starting in 2025": the same
    (
        r"\b((?:shows?|concerts?|gigs?|dates|events?|performances?)\b(?:[^.?!,;]{0,60}?))"
        r" (?:starting|beginning) in\b",
        r"\1 in",
    ),
    (r"\bstarting (?:from|in|with)\b", "since"),
    (r"\b(?:handed|given|sent) back\b", "refunded"),
    (r"\bno breakdown(?: needed| required| necessary)?\b", ""),
    # "VIP's slice of 2025 revenue": a share; "same slice": the same breakdown; "let's slice X
    # revenue by channel": a breakdown, said by its "by"
    (r"\bslice of\b", "share of"),
    (r"\bsame slice\b", "same breakdown"),
    (r"\b(?:let's |let us |we )?slice\b(?=[^.?!]*\bby\b)", ""),
    (r"\b(\w+?)s? as (?:rows|columns|lines)\b", r"by \1"),  # "months as rows"
    (r"\bsort (\w+) by\b", r"\1 by"),  # "sort states by refund dollars ... keep the top 4"
    (r"\b(vip|floor|upper|lower) (?:section|level|area)s?\b", r"\1 tier"),
    (r"\bsat(?:urday)?s?\s*(?:\+|plus)\s*sun(?:day)?s?\b", "weekends"),
    (
        r"\s*\((?:sat(?:urday)?s? (?:and|&|\+|plus|to) sun(?:day)?s?"
        r"|mon(?:day)?s? (?:to|through|-) fri(?:day)?s?)\)",
        "",
    ),
    (  # sales are dated by their sale: "Purchase dates, not show dates." says so again
        r"[,.;]?\s*\b(?:by )?(?:the )?(?:purchase|sale) (?:dates?|days?)(?:, not (?:the )?(?:show|concert) "
        r"(?:dates?|days?))?(?:, that is)?(?=\s*[.?!]?\s*$)",
        "",
    ),
    (r"\(?\bmon(?:day)?\s*(?:-|to|through|thru)\s*sun(?:day)?\b\)?,?", ""),  # the whole week: no filter
    (r"\blist (?:every|each|all) venue\b", "list all venues"),
    (r"\b(?:a |each |per |one )?tickets? costs?\b", "ticket price"),
    (r"\btix per\b", "tickets per"),
    (r"\b(\d{4})[- ]?q([1-4])\b", r"q\2 \1"),  # "2025-Q3"
    (r"\b(\d{4})/(\d{2})/(\d{2})\b", r"\1-\2-\3"),  # "2025/10/01"
    (r"(?<=\d)\s*~\s*(?=\d)", " to "),  # "2025-10-01~2025-12-31"
    (r"\bback half\b", "second half"),
    (r"\bfront half\b", "first half"),
    (r"\b(?:the )?year before last\b", "2 years ago"),
    (r"\(?\bby (?:the )?date of (?:the )?(?:concert|show|gig|sale|refund)s?\)?", ""),  # each is dated so
    (  # "okay switch the city to Arlington": a follow-up with another one
        r"^(?:ok(?:ay)?,? )?(?:now )?(?:switch|swap|change) (?:the )?"
        r"(?:city|state|venue|artist|channel|tier|year|month|quarter|period|place) to\b",
        "what about",
    ),
    (r"\b(?:trimesters?)\b", "quarter"),  # the French and Spanish word for a quarter
    (r"\bhalf[- ]year\b", "half"),
    (
        r"\b(?:(?:split|broken down|broken out|divided) )?into q1(?:\s*(?:,|and|&|/)\s*q[2-4]){2,3}\b",
        "by quarter",
    ),
    (r"\bq1(?:\s*(?:,|and|&|/)\s*q[2-4]){2,3}\b", "by quarter"),  # "Q1, Q2, Q3 and Q4": each quarter
    (r"\bqtrs\b", "quarters"),
    (r"\bqtr\b", "quarter"),
    (r"\byrs\b", "years"),
    (r"\byr\b", "year"),
    (r"\bwks\b", "weeks"),
    (r"\bwk\b", "week"),
    (r"\b(?:ytd|year to date)\b", "this year"),
    (r"\b(?:mtd|month to date)\b", "this month"),
    (r"\b(?:qtd|quarter to date)\b", "this quarter"),
    (r"\bcalendar (years?|quarters?|months?)\b", r"\1"),
    # "the less tickets", "which venue sold the more": the least, the most
    (r"\bthe less\b(?! than)", "the least"),
    (r"\bthe more\b(?! than)", "the most"),
    (r"(?:\bno\.|\bnum\b|#) of\b", "number of"),
    (r"\bpct\b", "percent"),
    (r"\bas a %", "as a percent"),
    (r"\b(?:pls|plz)\b", ""),
    (r"^\s*k\b", "ok"),  # texting: "k do Denver now", "n how much ..."
    (r"^\s*n\b", "and"),
    # the trade's words
    (r"\bunit price\b", "ticket price"),
    (r"\bunits\b", "tickets"),
    (r"\b(?:receipts|takings|turnover|sales revenue)\b", "revenue"),
    (r"\b(?:pull|pulled|pulling|bring|brought|bringing|rake|raked) in\b", "earn"),
    (r"\b(?:sales|sale|selling) (channels?)\b", r"\1"),
    (r"\b(?:ticket|seating|seat|price|pricing) (tiers?)\b", r"\1"),
    (r"\b(?:order|transaction|purchase) counts?\b", "number of orders"),
    (r"\bseat (?:count|total)s?\b", "seats"),
    (r"\b(vip|floor|upper|lower|upper tier|lower tier) seats?\b", r"\1 tickets"),
    (r"\b(?:order|basket) sizes?\b", "tickets per order"),
    (
        r"\b(?:still to come|yet to come|to come|lined up|from now on|in the pipeline|on the books ahead)\b",
        "upcoming",
    ),
    (r"\bon the program(?:me)?\b|\bprogram(?:me)?\b", "upcoming shows"),
    (r"\bbreaking down\b|\bbroken out\b", "broken down"),
    (r"\b(?:kind|type|style|sort)s? of music\b", "genre"),
    (r"\b(?:move|moves|moved|moving|shift|shifts|shifted)\b", "sell"),
    # a property scout's and a publican's words: footfall is the people a place draws, tickets here
    (r"\b(?:ticket )?footfall\b", "tickets sold"),
    (r"\bpunters\b", "customers"),
    (r"\b(?:called|call|calling) off\b", "cancelled"),
    # the whole history said at length: all time
    (
        r"\b(?:across|in|over|during) (?:the (?:platform|company)'s |our |its )?(?:entire|whole) history\b",
        "all time",
    ),
    (r"\b(?:across )?everything on record\b", "all time"),
    (r"^\s*all told,?\s*", ""),
    (
        r"^\s*sure,? (?=(?:how|what|which|who|when|where|is|are|was|were|did|do|does)\b)",
        "",
    ),  # Irish "Sure how"
    (r"\bamong (?:all )?(?:of )?(?:our |the |all the |all our )?(?=[a-z]+s\b)", "by "),
    (r"(?<!by )(?<!per )(?<!each )(?<!every )(?<!between )\b(?:dates|gigs|performances)\b", "shows"),
    (r"\b(?:room|hall)s\b(?= (?:in|we|do|are|with|by)\b)", "venues"),
    (r"\b(?:room|hall)\b(?= (?:in|we|do|is|with|by)\b)", "venue"),
    (
        r"\b(?:average|mean)\s+dollars\s+(?:per|a|for each)\s+tickets?\b",
        "average ticket price",
    ),  # "avg $ per tkt"
    (
        r"\b(the (?:day|week|month|quarter|year) before) it\b",
        r"\1",
    ),  # "last month versus the month before it"
    (r"\btook the stage\b", "performed"),
    (
        r"\s*\beach (?:act|artist|band|venue|city|customer|buyer) (?:counted )?once\b[,.]?",
        "",
    ),  # distinct anyway
    (  # a pedant's restatement: "- capacity as listed, mind you, not attendance"
        r"\s+-+\s+[^-?]*\bmind(?: you)?,? not\b[^-?]*?(?=\s*[?.!]?\s*$)",
        "",
    ),
    (r"\bwithin (?=the (?:next|last|past) )", "in "),  # "within the next 30 days"
    (r"\bnight of the week\b", "day of the week"),
    (r"\s*(?:that |which )?the sale (?:happened|took place|was made) on\b", ""),  # the day is the sale's
    (r"\b(?:the )?(?:biggest|largest|highest|greatest) seating capacity\b", "the most seats"),
    (r"\bone single\b", "one"),
    (r"\b(?:the )?most tickets ever bought\b", "the most tickets bought"),
    (  # "every month the revenue is how much": a breakdown, the question word last
        r"\b(?:every|each) (month|quarter|week|day) the (revenue|tickets?|orders?|refunds?) "
        r"(?:is|are|was|were) how (?:much|many)\b",
        r"\2 by \1",
    ),
    (r"\bone order (?:have|has|had|contains?) how many tickets? on average\b", "average tickets per order"),
    (
        r"\s*-\s*(?:are|is) (?:the )?(?:crowds|sales|demand|things) "
        r"(?:growing|rising|shrinking|falling)\s*\?\s*$",
        "",
    ),
    (r"^\s*(?:compare|comparing)\s*-\s*strictly\b", "compare -"),
    (
        r"\b(?:the|our|last year's|this year's) (?:champ|champion|winner)\b",
        "that one",
    ),  # the first of a ranking
    # "quarter each", "seat tier each" (the word order of verb-final languages): each quarter
    (
        r"\b(month|quarter|week|year|day|tier|channel|venue|city|state|genre|artist)s? each\b"
        r"(?! (?:of|one|other|sold|bought|cost))",
        r"each \1",
    ),
    # "Revenue last quarter, every venue, excluding ...": said as a clause of its own, all of them
    (r"(?<=[,;:])\s*every venue(?=\s*(?:[,.;!?]|$))", " all venues"),
    # "all venues together", "every artist combined": the total, not a count of them
    (
        r"\b(?:across |for |in |over )?(?:all|every) (?:the )?"
        r"(?:venues?|artists?|cities|city|states?|concerts?|shows?) (?:together|combined|put together)\b",
        "in total",
    ),
)
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "sat"}
_DASHES = str.maketrans({"\u2013": "-", "\u2014": " - ", "\u2212": "-", "\u2019": "'", "\u2018": "'"})
_COMPILED = tuple((re.compile(p, re.IGNORECASE), r) for p, r in _REWRITES)


_UNITS = {word: n for word, n in NUMBER_WORDS.items() if n < 10}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_YEAR_IN_WORDS = re.compile(
    r"\b(?:twenty|two thousand(?: and)?) (twenty|thirty)[- ]?(" + "|".join(_UNITS) + r")?\b", re.IGNORECASE
)
_THOUSANDS_IN_WORDS = re.compile(
    r"\b(" + "|".join(_TENS) + r")[- ]?(" + "|".join(_UNITS) + r")? thousand\b", re.IGNORECASE
)


def _numbers(text: str) -> str:
    """'twenty twenty-five' is 2025, 'thirty thousand' 30000."""
    text = _YEAR_IN_WORDS.sub(
        lambda m: str(2000 + _TENS[m[1].lower()] + _UNITS.get((m[2] or "").lower(), 0)), text
    )
    return _THOUSANDS_IN_WORDS.sub(
        lambda m: str((_TENS[m[1].lower()] + _UNITS.get((m[2] or "").lower(), 0)) * 1000), text
    )


_INTERVAL = re.compile(
    r"(?:(?:over|in|within|during|for) )?(?:the )?(?:interval |range |window )?"
    r"\[\s*(\d{4}-\d{2}-\d{2})\s*,\s*(\d{4}-\d{2}-\d{2})\s*([)\]])"
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 the last) weekday (Monday 0) of a month."""
    if n < 0:
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


# The days of the American calendar people name instead of a date ("on New Year's Eve 2025",
# "since Labor Day 2025"): with its year, the day itself; without one, it is not read.
_HOLIDAYS: tuple[tuple[str, Any], ...] = (
    (r"new year'?s eve", lambda y: date(y, 12, 31)),
    (r"new year'?s(?: day)?", lambda y: date(y, 1, 1)),
    (r"christmas eve", lambda y: date(y, 12, 24)),
    (r"christmas(?: day)?|xmas(?: day)?", lambda y: date(y, 12, 25)),
    (r"boxing day", lambda y: date(y, 12, 26)),
    (r"valentine'?s(?: day)?", lambda y: date(y, 2, 14)),
    (r"halloween", lambda y: date(y, 10, 31)),
    (r"independence day|the fourth of july", lambda y: date(y, 7, 4)),
    (r"labou?r day", lambda y: _nth_weekday(y, 9, 0, 1)),
    (r"memorial day", lambda y: _nth_weekday(y, 5, 0, -1)),
    (r"thanksgiving(?: day)?", lambda y: _nth_weekday(y, 11, 3, 4)),
    (r"black friday", lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=1)),
)
_HOLIDAY = re.compile(
    r"\b(?:the )?(" + "|".join(p for p, _ in _HOLIDAYS) + r"),? ((?:19|20)\d{2})\b", re.IGNORECASE
)


def _holidays(text: str) -> str:
    """A named day of a year as its date: "New Year's Eve 2025" is 2025-12-31."""

    def day(m: re.Match[str]) -> str:
        named = next(f for p, f in _HOLIDAYS if re.fullmatch(p, m[1], re.IGNORECASE))
        return str(named(int(m[2])).isoformat())

    return _HOLIDAY.sub(day, text)


def _intervals(text: str) -> str:
    """An interval in a mathematician's notation read as dates: "[2025-07-01, 2025-10-01)"
    excludes its end, so it runs "from 2025-07-01 to 2025-09-30"; "[a, b]" includes both."""

    def read(m: re.Match[str]) -> str:
        try:
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        except ValueError:
            return m[0]
        last = end - timedelta(days=1) if m[3] == ")" else end
        return f"from {start.isoformat()} to {last.isoformat()}"

    return _INTERVAL.sub(read, text)


def _unshout(text: str) -> str:
    """Words written in capitals (three or more in a row: "HOW MANY SEATS IN TOTAL") read as
    words: one the planner knows ("IN", "ME", "OK") is not a state code or a name, unless a
    two-letter code follows a preposition ("TICKETS IN OH")."""
    if re.match(r"\s*(?:(?:run|execute)?\s*(?:this\s+)?(?:sql|query)\s*:\s*)?(?:select|with)\b", text, re.I):
        return text  # SQL, whatever its case
    tokens = re.split(r"(\W+)", text)
    shouted = [tok.isupper() and len(tok) > 1 for tok in tokens]
    out = []
    for i, tok in enumerate(tokens):
        words = [j for j in range(max(0, i - 4), min(len(tokens), i + 5), 2) if tokens[j].strip()]
        in_run = shouted[i] and sum(shouted[j] for j in words) >= 3
        before = tokens[i - 2].lower() if i >= 2 else ""
        state = len(tok) == 2 and tok in REGIONS and before in ("in", "for", "at", "from", "of")
        out.append(tok.lower() if in_run and tok.lower() in KNOWN and not state else tok)
    return "".join(out)


def reword(text: str) -> str:
    """The question with dictation's homophones and other registers' function words as the
    English words meant (`dictation`, `dialects`), without what wraps a message (`courtesy`)
    and an opening clause that only says who asks (`asker`), half-SQL read as words
    (`half_sql`), typos in the planner's words corrected, abbreviations and synonyms in the
    planner's words (spaces collapsed); a named day of a year ("Labor Day 2025") as its date; a
    capitalised word inside a sentence is a name's and stays (not a day of the week)."""
    text = dialects.read(dictation.read(text.translate(_DASHES)))
    text = spreadsheet.read(search_operators.read(api_calls.read(gherkin.read(text))))
    text = courtesy.set_aside(forwarded.reduce(text))
    text = dated_weeks.read(numbered_periods.read(answer_format.set_aside(month_lists(text))))
    wrapped = _holidays(_intervals(set_notation.read(formal.read(sports_talk.read(texting.expand(text))))))
    out = _without_cancelled(
        _without_ruled_out(_numbers(correct(half_sql.read(set_aside(_unshout(wrapped))))))
    )
    for pattern, replacement in _COMPILED:

        def keep_names(m: re.Match[str], replacement: str = replacement) -> str:
            first = m[0].split()[0] if m[0].split() else m[0]
            day = (
                first.lower().strip("(,").split("-")[0].rstrip("s") in _DAYS
            )  # "Monday-start weeks": no name
            # a sentence's first word is capitalised as any ("... last month? Weeks starting Monday.")
            opens = re.search(r"[.?!]\s*$", m.string[: m.start()]) is not None
            if m.start() > 0 and first[:1].isupper() and not first.isupper() and not day and not opens:
                return m[0]
            return m.expand(replacement)

        out = pattern.sub(keep_names, out)
    return re.sub(r"\s{2,}", " ", out).strip()
