"""Every word of a question is accounted for, or the question is not answered. Pure.

The rules read a question by its cues; a word they have no rule for is silently skipped, and the
answer is then to a narrower or different question ("revenue still to come for X" answered as
X's revenue). So after planning, each word must be one the planner reads (a measure, a grouping,
a period, a filter value, a name the plan uses) or one that carries no meaning for the answer
(function words, politeness, filler). What is left is said, and nothing is stated.

A word one slip from a known word ("tikcets") is read as it (`correct`, before planning), so a
typo costs nothing; a name is never corrected here (the vocabulary does that for states).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Set as AbstractSet
from typing import Any

from chat.vocabulary import words
from schemas.regions import REGIONS


def _lexicon(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no meaning for the answer: function words, politeness, filler, verbs of
# asking, and the words that only say "our business" or "the data".
_FUNCTION = _lexicon(
    """
    a an the this that these those there here it its it's they them their we us our ours you your i
    whichever whatever brought forth
    me my of in on at to for from by with without into onto over under about across per each every
    all any some and or but so as than then too also just only even still both either neither not no
    nor is are was were be been being am do does did done doing have has had having will would shall
    should can could may might must get got gets getting go goes going went gone make makes made
    making what which who whom whose when where how why whats what's hows how's whos who's wheres
    where's please pls thanks thank hi hello hey ok okay right quick question tell show give list
    let know see want need like looking look find check pull up bring tell me us could would you can
    much many number numbers count total totals overall altogether together combined sum amount
    figure figures stats statistics data numbers value values result results ever currently current
    now today so far yet already again anyway actually exactly roughly about approximately around
    nearly almost just about our company business org organization we've i'd one ones thing things
    stuff kind of sort mind remind file record records music start beginning single gone wise need
    needs wants board deck boss report quickly asap same instead anyone anybody someone somebody
    everyone um uh er hmm well via through vs versus came come comes coming take took taken taking
    work works working name forward out up down off wht wat hw yesterday today tonight ballpark
    rounded rounding approx approximate approximately fine sorry sry oops autocorrect typo own alone
    catalog catalogue something anything word answer mean meant back included inclusive tag cell
    cells row rows column columns pivot whole alphabetical alphabetically names according exist
    exists due letter code descending ascending keep ooh oh wow needed platform platforms confirm
    confirmed recorded placed provide send able possible ask calculate compute meaning interval
    dated enough appear appears process processed processing cool nice perfect great good fine papers very
    id ids represent represents representing generated generate generates gave give mostly curious
    spring summer autumn fall winter eve
    i'm i've i'd i'll we're we've you're
    leaving leave left everything table tables period periods span metric
    saw seen tally pulled pulls basically honestly literally counted
    ngl fr rn lol lmao bestie tho lowkey highkey tbh imo fwiw mate mates righto cheers
    howzit bru boet eish ag ja lekker yebo
    """
)
# Words the planner reads (measures, groupings, superlatives, periods, channels, tiers, days)
# or that only restate the subject (tickets are sold, concerts are played).
DOMAIN = _lexicon(
    """
    ticket tickets tix sold sell sells selling sale sales bought buy buys buying purchased purchase
    purchases order orders ordered transaction transactions booking bookings booked revenue revenues
    gross grossed grossing earn earned earns earning earnings earner earners income money dollars
    dollar usd spent spend spending paid pay takings price prices priced pricing cost average avg
    mean median highest lowest max maximum min minimum expensive priciest dearest cheapest cheap
    customer customers buyer buyers fan fans people person head unique distinct different refund
    refunds refunded refunding returned issued concert concerts show shows gig gigs event events date dates
    performance performances played play plays playing perform performed performing scheduled
    upcoming coming future next ahead calendar happening held host hosts hosted hosting planned started
    starts starting cancelled
    canceled cancellation cancellations cancel called off scrapped axed sold-out sold-outs sellout
    sellouts soldout full
    sell-through sellthrough through thru occupancy fill rate venue venues arena arenas stadium
    stadiums room rooms place places seat seats seating capacity capacities hold holds fit fits
    contain contains inside persons spectators big bigger
    biggest large larger largest small smaller smallest size artist artists band bands performer
    performers act acts musician musicians genre genres roster books city cities state states
    province provinces where located location channel channels online web website app mobile phone
    box office box-office partner partners reseller resellers tier tiers vip floor upper lower
    balcony general admission level levels cash top bottom best worst most least fewest more less
    fewer leading popular busiest quietest rank ranked ranking ranks by breakdown broken down break
    split each every per group grouped day days daily week weeks weekly weekend weekends weekday
    weekdays month months monthly quarter quarters quarterly year years yearly annual annually since h1 h2
    between during until till before after last past previous this next ytd mtd q1 q2 q3 q4 first
    second third fourth half monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays
    friday fridays saturday saturdays sunday sundays january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    share percentage percent proportion fraction ratio vs versus compare compared comparing
    comparison against lead leads beat beats outsold outsell outperform outperformed better worse
    bigger busier
    higher lower growth grew grow grown increase increased decrease decreased decline declined
    change changed changes drop dropped fell rose jump jumped difference yoy mom qoq ago earlier
    prior previous ahead behind trend trends trending time over
    """
)
_NUMBER_WORDS = _lexicon(
    """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million
    """
)
KNOWN = _FUNCTION | DOMAIN | _NUMBER_WORDS
_MIN_TYPO, _TYPO_CUTOFF = 5, 0.84
_CORRECTABLE = sorted(w for w in DOMAIN if len(w) >= _MIN_TYPO)


def _one_slip(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped (Damerau's one edit)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
        return len(diff) == 1 or swapped
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def correct(text: str) -> str:
    """Lower-case words of five letters or more one slip from a word the planner reads, read as
    that word ("tikcets" -> "tickets", but "raining" stays: two slips from "ranking"; and a word
    whose first letter differs stays: "learning" is not "earning");
    capitalised words (names) are left as written."""

    def fix(m: re.Match[str]) -> str:
        w = m[0]
        if len(w) < _MIN_TYPO or not w.islower() or w in KNOWN:
            return w
        close = [
            k
            for k in difflib.get_close_matches(w, _CORRECTABLE, n=3, cutoff=_TYPO_CUTOFF)
            if _one_slip(w, k) and (k[0] == w[0] or k[:2] == w[1::-1])  # a slip of the first letter is
        ]  # another word more often than a typo ("learning" is not "earning")
        return close[0] if close else w

    return re.sub(r"[A-Za-z]+", fix, text)


def _named_words(slots: dict[str, Any]) -> set[str]:
    """The words of the names the plan filters on or compares (used, whatever the rules)."""
    out: set[str] = set()
    compare = slots.get("compare") or {}
    named = [(compare["dim"], v) for v in compare.get("values", [])] if "dim" in compare else []
    for kind, value in [*(slots.get("filters") or {}).items(), *named]:
        parts: list[Any] = value if isinstance(value, list) else [value]
        for part in parts:
            out |= {w for w, _ in words(str(part))}
        if kind == "state":
            out |= {w for w, _ in words(REGIONS.get(str(value), ""))} | {str(value).lower()}
    return out


# The words that say a thing had none, read by a plan of what had none (`chat.absence`)
_NONE_WORDS = _lexicon(
    "haven't hasn't hadn't didn't doesn't don't never none nothing whatsoever including status"
)


def unexplained(question: str, slots: dict[str, Any], excused: AbstractSet[int] = frozenset()) -> list[str]:
    """The words of the question the planner does not read, that are not meaningless for the
    answer and not part of a name the plan uses; `excused`: positions of words that only tell
    the asker's situation (`chat.asker.story_words`)."""
    used = _named_words(slots) | (_NONE_WORDS if slots.get("absent") else frozenset())
    left = []
    for i, (w, _) in enumerate(words(question)):
        bare = w.strip("-")
        if not bare or i in excused or bare in KNOWN or bare in used or bare.isdigit():
            continue
        if re.fullmatch(r"[\d,.$%k]+", bare):
            continue
        if re.fullmatch(r"\d+(?:st|nd|rd|th|s)", bare) or re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", bare):
            continue
        if bare.endswith("s") and bare[:-1] in KNOWN:
            continue
        if used and difflib.get_close_matches(bare, used, n=1, cutoff=0.8):
            continue  # a name read through its misspelling ("califronia"): the plan names it
        left.append(bare)
    return list(dict.fromkeys(left))
