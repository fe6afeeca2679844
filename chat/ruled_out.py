"""What a question rules out ("tickets for X in 2025, but not VIP", "not online", "concerts that
were not cancelled"): the planner reads the tier, channel or cancellation and not its "not", so a
plan that keeps what the question rules out answers another question. Pure."""

from __future__ import annotations

import re
from typing import Any

from schemas.regions import REGIONS

_RULED = (
    r"(vip|floor|upper|lower|balcony|general admission|online|web|app|mobile|box[- ]office|partners?"
    r"|resellers?|cancell?ed)"
)
_NEGATED = re.compile(
    r"(?:\b(?:not|no|non-?|except|excluding|without|other than|besides|minus|less|leav(?:e|ing) (?:out|off))"
    r"\s+|(?:^|(?<=[\s(]))-)"
    rf"(?:the\s+|any\s+|counting\s+|(?:sold|selling|bought|buying)\s+(?:(?:on|via|through|at|in)\s+)?(?:the\s+)?)?"
    rf"{_RULED}\b"
    rf"|\b{_RULED}\b(?:\W+\w+)?\W+(?:not included|not counted|excluded|left (?:out|off)|taken out)\b",
    re.I,
)
_TIERS = ("vip", "floor", "upper", "lower", "balcony", "general admission")

# A negation a few words before a name, place or genre the plan keeps as its filter ("tickets
# not sold in Texas", "without Madison Square Garden"): `chat.exclusions` answers the forms it
# can read exactly; any other is refused rather than answered for that thing alone.
_NEGATION = r"\b(?:not|never|no|non|without|except|excluding|besides|outside|minus)\b|n't\b|\bother than\b"
_MINUS = r"(?:^|(?<=[\s(]))-"  # "tickets in 2025 -Texas", "(-VIP)": a minus sign, not a dash

# What may stand between the negation and the name ("not sold in Texas", "no tickets at X",
# "did not play in Texas").
_BETWEEN = (
    r"(?:in|at|from|for|by|of|the|to|on|via|through|any|counting|including|sold|sell|bought|buy|held"
    r"|play(?:ed|s|ing)?|perform(?:ed|s|ing)?|appear(?:ed|s|ing)?|tour(?:ed|s|ing)?|gig(?:ged|s|ging)?"
    r"|selling|tickets?)"
)

# A negation said after the thing ("Texas not included", "VIP left out", "less VIP")
_LEFT_AFTER = (
    r"(?:not included|not counted|not counting|excluded|left out|left off|aside|removed|taken out)\b"
)


def _names(kind: str, value: Any) -> list[str]:
    """How a filter's value can be written in a question."""
    if kind == "state":
        return [str(value), REGIONS.get(str(value), str(value))]
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str):
        return [str(value[0] if kind == "city" else value[1])]
    return [str(value)]


def kept_name(asked: str, slots: dict[str, Any]) -> str | None:
    """The words that rule out a place, name or genre the plan keeps as its filter (None: none)."""
    if slots.get("absent"):
        return None  # "venues in Texas that did not sell": what had none, read as such
    for kind in ("state", "city", "venue", "artist", "genre"):
        if (value := (slots.get("filters") or {}).get(kind)) is None:
            continue
        for name in _names(kind, value):
            pattern = rf"(?:{_NEGATION})(?:\W+{_BETWEEN})*\W+{re.escape(name)}\b"
            if m := re.search(pattern, asked, re.IGNORECASE) or re.search(
                rf"{_MINUS}{re.escape(name)}\b", asked, re.IGNORECASE
            ):
                return m[0]
            if m := re.search(rf"\b{re.escape(name)}\b(?:\W+\w+)?\W+{_LEFT_AFTER}", asked, re.IGNORECASE):
                return m[0]  # "Texas not included", "with VIP not counted"
    return None


def kept(asked: str, slots: dict[str, Any]) -> str | None:
    """The words that rule out a tier, channel or cancellation the plan keeps as its filter (or
    compares), as the question (reworded, `chat.wording.reword`) says them; None when the plan
    keeps nothing ruled out. Checked with the rest of a plan's coverage (`chat.coverage`)."""
    m = _NEGATED.search(asked)
    if m is None:
        return None
    word = (m[1] or m[2]).lower()
    if word.startswith("cancel"):
        kept_it = bool(slots.get("cancelled")) or slots.get("metric") == "cancelled"
    else:
        kind = "tier" if word in _TIERS else "channel"
        kept_it = kind in (slots.get("filters") or {}) or (slots.get("compare") or {}).get("dim") == kind
    return m[0] if kept_it else None
