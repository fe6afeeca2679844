"""What a question rules out ("tickets for X in 2025, but not VIP", "not online", "concerts that
were not cancelled"): the planner reads the tier, channel or cancellation and not its "not", so a
plan that keeps what the question rules out answers another question. Pure."""

from __future__ import annotations

import re
from typing import Any

_NEGATED = re.compile(
    r"\b(?:not|no|non-?|except|excluding|without|other than|besides|minus)\s+(?:the\s+|any\s+|counting\s+)?"
    r"(vip|floor|upper|lower|balcony|general admission|online|web|app|mobile|box[- ]office|partners?"
    r"|resellers?|cancell?ed)\b",
    re.I,
)
_TIERS = ("vip", "floor", "upper", "lower", "balcony", "general admission")


def kept(asked: str, slots: dict[str, Any]) -> str | None:
    """The words that rule out a tier, channel or cancellation the plan keeps as its filter (or
    compares), as the question (reworded, `chat.wording.reword`) says them; None when the plan
    keeps nothing ruled out. Checked with the rest of a plan's coverage (`chat.coverage`)."""
    m = _NEGATED.search(asked)
    if m is None:
        return None
    word = m[1].lower()
    if word.startswith("cancel"):
        kept_it = bool(slots.get("cancelled")) or slots.get("metric") == "cancelled"
    else:
        kind = "tier" if word in _TIERS else "channel"
        kept_it = kind in (slots.get("filters") or {}) or (slots.get("compare") or {}).get("dim") == kind
    return m[0] if kept_it else None
