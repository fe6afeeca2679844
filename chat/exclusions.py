"""What a question leaves out ("tickets sold in 2025 not counting Texas", "revenue for artists
other than Cher", "apart from VIP", "concerts not in Illinois"): answered with that thing left
out (`excluded` in the slots, compiled as NOT (...) by `chat.analytics`), never for it alone.

The planner reads names, places, tiers and channels but not the words that leave one out. So
the question is planned twice: with those words taken out and the thing kept (what is left
out), and with the words and the thing both taken out (the rest of the question). It is
answered when the two plans differ by exactly that one filter and agree on everything else,
and when nothing said after the thing narrows the rest (in "excluding VIP at Madison Square
Garden" the venue may be part of what is left out: refused, as are two things left out and a
name that is two kinds of thing). Otherwise the question is planned as it was, and its
coverage check refuses what it cannot read. Pure: the planner is passed in."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from chat import analytics
from chat.coverage import covered
from chat.groupings import CHANNEL_WORDS, TIER_WORDS, channel_and_tier
from chat.memory import Conversation
from chat.periods import MONTHS, SHORT_MONTHS
from chat.plan import Plan, Planner, ToolCall, cannot
from chat.vocabulary import Vocabulary
from schemas.regions import REGIONS

# The words that leave the next thing out; "not" only before the word that places it ("not in
# Texas", "not at the box office"), and "were not" only before no verb ("were not VIP", not
# "were not sold in Texas": the tickets not sold; but "were not sold at the box office": sold
# through another channel), so that "did not sell" stays a question of its own.
_LEAVES_OUT = re.compile(
    r"\b(?:not counting|not including|excluding|except(?: for)?|other than|apart from|aside from|besides"
    r"|outside(?: of)?|leaving out|but not|(?:that |which )?(?:were|was|are|is)(?: not|n't)"
    r"(?!\s+(?:sold|sell|bought|buy|refunded|cancell?ed|played|held|listed|booked|made|counted)\b)"
    r"|not(?=\s+(?:in|at|from|for|by|via|through|on)\b)"
    r"|(?:were|was)(?: not|n't) (?:sold|bought)(?=\s+(?:at|via|through|on|in|by|from)\s+(?:the\s+)?"
    r"(?:box[- ]office|web|online|app|mobile|partners?|resellers?)\b))\s+(?:the\s+|any\s+)?"
    r"|\bnon[- ]?(?=(?:vip|floor|upper|lower|web|mobile|app|box[- ]office|partner)\b)",
    re.IGNORECASE,
)
# The most words a thing left out is named in ("excluding Madison Square Garden"): the shortest
# cut that makes the two plans differ by the one filter is taken.
_MOST_WORDS = 5
# A second thing left out with the first ("excluding Texas and VIP", "except VIP, mobile").
_SEVERAL = re.compile(
    r"\s*(?:[&/+]|[,;]?\s*\b(?:and|or|nor|plus|as well as|along with)\b"
    r"(?!\s+(?:how|what|which|who|where|when|the (?:number|total|count))\b))",
    re.IGNORECASE,
)
# Words a name left out does not hold: the cut has run into the rest of a sentence ("except I
# only want VIP") or a word that says what the name is ("Washington state", "lower priced").
_NOT_A_NAME = re.compile(
    r"\b(?:i|we|you|they|only|just|want|need|please|how|what|which|who|sold|sell|bought|were|was|is|are"
    r"|did|do|does|had|have|has)\b",
    re.IGNORECASE,
)
_QUALIFIED = re.compile(r"\s*(?:state|city|county|area|region|country|priced|price[sd]?|cost\b|\d)", re.I)
# A period said after the thing left out ("excluding Texas in Q1"), when one is said before it.
_PERIOD_WORD = re.compile(
    rf"\b(?:q[1-4]|h[12]|(?:19|20)\d{{2}}|quarter|half|year|month|week|day|today|yesterday|since|ago"
    rf"|{'|'.join((*MONTHS, *SHORT_MONTHS))})\b",
    re.IGNORECASE,
)
_CUSTOMER_COUNTS = ("customers", "customers_refunded", *analytics.PER_CUSTOMER)
_ORDINAL = re.compile(
    r"\b(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th|runner[- ]up|next (?:best|biggest|highest))\b",
    re.I,
)
_BOUND = re.compile(
    r"\b(?:before|after|until|till|prior to|up to|since)\s+(?!today|now|date)\w"
    rf"|\b(?:through|thru)\s+(?:the\s+)?(?:end of\s+)?(?:q[1-4]|h[12]|(?:19|20)\d{{2}}|{'|'.join(MONTHS)})\b",
    re.I,
)
_NOT_NAMED = "I can't tell what that leaves out: name one place, name, tier or channel to leave out."
_TIER_NOUNS = r"\b(?:tiers?|seats?|seating|sections?|level|tickets?|channels?|sales|orders?|purchases?)\b"
_FOLLOWED = "I can't tell whether the words after what is left out belong to it: ask with them first."
# "How many concerts did artists other than X play": a count of concerts, whatever the rest reads.
_COUNTS_OTHER = re.compile(
    r"\b(?:how many|number of|count(?: of)?(?: the)?|total)\s+(?:\w+\s+)?"
    r"(concerts|shows|gigs|tickets|orders)\b",
    re.I,
)
_ONE_THING = (
    "That leaves out more than one thing, and I can leave out only one: ask for what is left in "
    "instead, or one thing left out at a time."
)
_NOUNS = {
    "state": "states?", "city": "cit(?:y|ies)", "venue": "venues?", "artist": "(?:artists?|acts?|bands?)",
    "genre": "genres?", "channel": "(?:sales )?channels?", "tier": "(?:seating |ticket )?tiers?",
}  # fmt: skip
# Words that ask for each one, not their total ("list all states except Texas")
# ("what are ... all states except Texas"; "what did a ticket cost ... every tier except X" is one)
_LISTS = (
    r"\b(?:list|show|name|names|which|what (?:are|were)|breakdown|broken down|break down|by|per|each|split)\b"
)
# The groups "every <noun> other than X" may be said through ("every venue other than Texas's")
_KINDS_OF_PLACE = {"state": ("venue", "city"), "city": ("venue",), "venue": (), "artist": ("genre",)}
# What must agree between the two plans (the group, top, rank and order may differ only when
# the question ranks the very kind it leaves one out of: "which state sold the most except Texas").
_SAME = ("intent", "metric", "period", "share", "compare", "absent")
_RANKING = ("group", "top", "rank", "order")


def planned_without(
    planner: Planner, question: str, clock: datetime | None, memory: Conversation | None
) -> Plan | None:
    """The plan of a question that leaves one place, name, genre, tier or channel out; a
    refusal when it leaves out more than one or what it leaves out is not clear; None when it
    leaves nothing out that way (planned as before)."""
    unnamed: Plan | None = None  # a cut that differs by one filter but names no one thing
    found = list(_LEAVES_OUT.finditer(question))
    if not found:
        return None
    if len(found) > 1:
        return cannot(_ONE_THING, planner=planner.name)
    m = found[0]
    kept_text = f"{question[: m.start()]}{question[m.end() :]}"
    if re.match(r"(?:that|this|those|these|it|them)\b", question[m.end() :], re.IGNORECASE):
        return None  # "Other than that, ...": no thing named
    kept = planner.plan(kept_text, clock, memory)
    if not _analytics(kept):
        return None
    for word in list(re.finditer(r"[^\s,;:?!.]+", question[m.end() :]))[:_MOST_WORDS]:
        cut_end = m.end() + word.end()
        if re.search(r"[,;:?!.]", question[m.end() : cut_end]):
            break  # what is left out is named within its clause
        rest_text = f"{question[: m.start()]}{question[cut_end:]}"
        if not re.search(r"\w", question[: m.start()]):  # "Apart from X, who sold ...": the question after
            rest_text = question[cut_end:].lstrip(" ,;:-")
        rest = covered(rest_text, planner.plan(rest_text, clock, memory))
        if (
            not _analytics(rest)
            or (slots := _left_out(kept.slots, rest.slots, question[: m.start()], question)) is None
        ):
            continue
        # Every word of the kept reading used, with the rest's ranking ("which state sold the most,
        # not counting New York": the planner reads a ranking of one state as no ranking at all).
        ranked = {**kept.slots, **{k: rest.slots.get(k) for k in _RANKING}}
        if not _analytics(covered(kept_text, dataclasses.replace(kept, slots=ranked))):
            continue
        kind = next(iter(set(slots["excluded"]) - set(rest.slots.get("excluded") or {})))
        if (why := _unclear(planner, question, m, cut_end, kind, rest, clock, memory)) == _NOT_NAMED:
            unnamed = cannot(why, planner=rest.planner)
            continue  # "other than the box": the name goes on ("... office")
        if why is not None:
            return cannot(why, planner=rest.planner)
        try:
            compiled = analytics.compile_slots(slots)
        except ValueError as exc:
            return cannot(f"I can't answer that: {exc}.", planner=rest.planner)
        call = ToolCall("query_warehouse", {"sql": compiled.sql})
        return Plan("analytics", [call], slots, planner=rest.planner)
    return unnamed


def _unclear(
    planner: Planner,
    question: str,
    m: re.Match[str],
    cut_end: int,
    kind: str,
    rest: Plan,
    clock: datetime | None,
    memory: Conversation | None,
) -> str | None:
    """Why what the question leaves out is not clear (None: it is)."""
    named, after = question[m.end() : cut_end], question[cut_end:]
    said = f"{m[0].strip()} {named}"
    if _SEVERAL.match(after):
        return _ONE_THING
    last = (memory.previous() if memory else None) or {}
    follows = len(question.split()) <= 6 or re.match(
        r"\s*(?:and|what about|how about|now|also)\b", question, re.I
    )
    if rest.slots.get("share") or (
        follows and (last.get("share") or last.get("compare"))
    ):  # "what percentage of Cher's tickets were not VIP": the whole would lose Cher
        return f"'{said}' leaves something out of a share: ask for the two figures on their own."
    things = (
        "venues",
        "artists",
        *analytics.COUNTED_THROUGH["venues"],
        *analytics.COUNTED_THROUGH["artists"],
    )
    if _COUNTS_OTHER.search(question) and rest.slots.get("metric") in things:
        return f"I read '{question.strip()}' as a count of venues or artists: ask it without '{said}'."
    if rest.slots.get("metric") in _CUSTOMER_COUNTS:  # "buyers except VIP buyers": who never bought VIP?
        return (
            f"'{said}' is ambiguous for customers (some bought both): ask for the tickets or orders instead."
        )
    if last.get("excluded") and follows:  # "And excluding the box office?" after "excluding VIP"
        return "The last question left something out already: ask the whole question with what to leave out."
    if _ORDINAL.search(question):  # "the third state, excluding New York": a place in the ranking
        return f"I can't rank past the first with '{said}' left out: ask for the top ones instead."
    if re.search(r"\b(?:19|20)\d{2}\b", question) and not (
        rest.slots.get("period") or rest.slots.get("compare")
    ):
        return f"I didn't read the year in that with '{said}' left out: ask it as 'in <year>'."
    if _BOUND.search(question) and not str((rest.slots.get("period") or {}).get("label", "")).startswith(
        ("before", "after", "since")
    ):
        return f"I didn't read the period's bound in that with '{said}' left out: say the period in full."
    if re.match(r"\s*which\b", question, re.IGNORECASE) and m[0].lower().startswith(("but not", "and not")):
        return f"'{said}' asks for the ones without it, which I don't answer with something left out."
    bare = re.sub(r"^(?:(?:at|in|for|from|on|via|through|by|the)\s+)+", "", named, flags=re.IGNORECASE)
    if kind in ("state", "city"):  # "not counting any venue in Texas": the place's venues
        bare = re.sub(r"^(?:venues?|concerts?|shows?|sales?|tickets?) (?:in|at|from) ", "", bare, flags=re.I)
    placed = bare != named and re.match(r"(?:the\s+)?(?:at|in|from)\b", named, re.IGNORECASE)
    if placed and kind in ("artist", "genre"):  # "other than in America": a place, not the band
        return f"'{said}' leaves out a place, and '{bare}' is {kind_said(kind)}: name the place."
    if m[0].lower().startswith("outside") and kind not in ("state", "city", "venue", "channel"):
        return f"'{m[0].strip()}' leaves out a place or a channel, and '{named}' is {kind_said(kind)}."
    vocabulary = getattr(planner, "vocabulary", None)
    if isinstance(vocabulary, Vocabulary):
        if len(kinds := vocabulary.kinds_of(bare)) > 1:
            kinds_said = " and ".join(kind_said(k) for k in sorted(kinds))
            return f"'{bare}' is {kinds_said}: say which one to leave out."
        if not _is_name(vocabulary, bare, kind) or _QUALIFIED.match(after):
            return _NOT_NAMED
        for other in ("artist", "city", "venue"):  # "did Boston sell ... excluding Massachusetts"
            value = (rest.slots["filters"] or {}).get(other)
            if (
                isinstance(value, list)
                and len(vocabulary.kinds_of(str(value[1 if other != "city" else 0]))) > 1
            ):
                return f"'{value[1 if other != 'city' else 0]}' names two kinds of thing: ask with which."
    elif _NOT_A_NAME.search(named) or _QUALIFIED.match(after) or _PERIOD_WORD.search(named):
        return _NOT_NAMED
    before = question[: m.start()]
    if not re.search(r"\w", before):  # "Apart from Cher, who sold ...": the name ends its clause
        return None if re.match(r"\s*[,;:]", after) or m[0].lower().startswith("non") else _FOLLOWED
    if not after.strip(" ,;:?!.)"):
        return None  # "... in 2025 excluding Texas"
    head = covered(before, planner.plan(before, clock, memory))
    if not _analytics(head) or head.slots["filters"] != rest.slots["filters"]:
        return _FOLLOWED
    if head.slots.get("period") and _PERIOD_WORD.search(after):
        return "That names a period before and after what it leaves out: say the period once."
    return None


def _is_name(vocabulary: Vocabulary, bare: str, kind: str) -> bool:
    """Whether `bare` is all of one name of `kind` ("Madison Square Garden", "Texas", "TX", "the
    box office", "VIP seats"): the cut has not run into the rest of the sentence."""
    if kind in ("channel", "tier"):
        table = CHANNEL_WORDS if kind == "channel" else TIER_WORDS
        left = bare.lower()
        for pattern in table.values():
            left = re.sub(pattern, " ", left)
        return bool(channel_and_tier(bare.lower())) and not re.sub(_TIER_NOUNS, " ", left).strip(" -")
    if kind == "state" and bare.upper() in REGIONS:
        return True
    return kind in vocabulary.kinds_of(bare)


def kind_said(kind: str) -> str:
    """'an artist', 'a city'."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _analytics(plan: Plan) -> bool:
    return plan.intent == "analytics" and len(plan.calls) == 1 and isinstance(plan.slots.get("filters"), dict)


def _left_out(kept: dict[str, Any], rest: dict[str, Any], before: str, whole: str) -> dict[str, Any] | None:
    """The rest's slots with the one filter the kept reading adds as `excluded`; None unless
    the kept reading is the rest plus exactly one filter of a kind that can be left out. `before`:
    the words before the leaving out ("every tier except VIP", "by state except Texas"); `whole`
    the question ("list all states except Texas": each one, never their total)."""
    kept_filters: dict[str, Any] = kept["filters"]
    rest_filters: dict[str, Any] = rest["filters"]
    extra = [k for k in kept_filters if k not in rest_filters]
    if len(extra) != 1 or extra[0] not in analytics.EXCLUDABLE:
        return None
    kind = extra[0]
    if any(kept_filters.get(k) != v for k, v in rest_filters.items()):
        return None
    if any(kept.get(k) != rest.get(k) for k in _SAME) or kind in (rest.get("excluded") or {}):
        return None
    excluded = {**(rest.get("excluded") or {}), kind: kept_filters[kind]}
    every = r"\b(?:every|all|any)\s+(?:the\s+)?(?:other\s+)?\w+(?:\s+\w+)?\W*$"  # "every venue other than X"
    if re.search(every, before, re.IGNORECASE) and re.search(_LISTS, whole, re.IGNORECASE):
        return None if rest.get("group") is None else {**rest, "excluded": excluded}  # "list all states ..."
    if re.search(every, before, re.IGNORECASE):
        if rest.get("group") not in (None, kind) and rest.get("group") not in _KINDS_OF_PLACE.get(kind, ()):
            return None
        return {**rest, "group": None, "top": None, "rank": False, "excluded": excluded}  # one total
    if all(kept.get(k) == rest.get(k) for k in _RANKING):
        return {**rest, "excluded": excluded}
    if kept.get("group") is not None or rest.get("group") != kind:
        return None
    noun = _NOUNS[kind]
    if rest.get("rank") or re.search(rf"\b(?:by|per|each)\s+(?:the\s+)?{noun}\b", before, re.IGNORECASE):
        return {**rest, "excluded": excluded}  # "which state sold the most", "by state" except Texas
    return None
