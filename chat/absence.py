"""What had none: the venues, artists or concerts with no sale, no refund or no concert in a
period ("which venues in Ohio did not sell a single ticket in 2025?", "how many 2025 concerts
sold nothing?", "venues with zero concerts in Q1 2026"), listed or counted. Pure.

A fact says what happened; a thing that had none appears in no fact row, so it is found in its
dimension with no matching row (`NOT EXISTS`). The period bounds the facts looked for (a
venue's sales in 2025), except for concerts, whose own start is the period (2025's concerts
that sold nothing). Cancelled concerts count neither as a concert held nor as one that sold
nothing, unless the question takes them in ("whatever the status"). What cannot be said this
way is left to the coverage check, which refuses it: a tier or a channel missing ("no VIP
tickets"), or things that had some and then none ("had sales but no VIP sales").
"""

from __future__ import annotations

import re
from typing import Any

from chat.periods import Period

_SALES = (
    r"\b(?:zero|no|without(?: any| a| one| a single)?)(?: single| one)?(?: ticket)? "
    r"(?:sales?|tickets?|orders?)\b"
    r"|\b(?:did|do|does|have|has|had)(?: not|n't) (?:yet )?(?:sell|sold)\b|\bnever (?:sold|sell)\b"
    r"|\bnot (?:sell|sold) (?:a single|any|one)\b|\bnot a single (?:ticket|sale|order)\b|\bsold nothing\b"
)
_CONCERTS = (
    r"\b(?:zero|no|without(?: any| a| one| a single)?) (?:concerts?|shows?|gigs?|events?)\b"
    r"|\b(?:did|do|does|have|has|had)(?: not|n't) (?:host|hold|have|stage|play)(?:ed)? "
    r"(?:any|a single|one) (?:concerts?|shows?|gigs?)\b|\bappear in no concert\b"
)
_REFUNDS = r"\b(?:zero|no|without(?: any| a| one| a single)?) refunds?\b|\bnever refunded\b"
_SUBJECTS = {
    "venue": r"\b(?:venues?|arenas?|stadiums?|halls?|theatres?|theaters?)\b",
    "artist": r"\b(?:artists?|acts?|bands?|performers?)\b",
    "concert": r"\b(?:concerts?|shows?|gigs?)\b",
}
# Narrower than "none at all": left for the coverage check to refuse
_NARROWER = (
    r"\b(?:vip|floor|upper|lower|web|online|mobile|app|box[- ]office|partners?|resellers?)\b"
    r"|\b(?:had|with|made) (?:some |ticket )?sales\b.*\bbut\b|\bbut\b.*\b(?:no|not|zero)\b"
)
_ANY_STATUS = (
    r"\bwhatever (?:the|its|their) (?:concert'?s? )?status\b|\bincluding cancell?ed\b|\bany status\b"
)
_COUNTED = r"\bhow many\b|\bnumber of\b|\bcount\b|\bcount of\b"
_FACTS = {
    "sales": ("fact_ticket_sales", "x.sold_at"),
    "refunds": ("fact_refunds", "x.refunded_at"),
    "concerts": ("resolved_concert", "x.starts_at"),
}
WHAT = {"sales": "ticket sales", "refunds": "refunds", "concerts": "concerts"}


def read(t: str) -> dict[str, Any] | None:
    """What the question says had none: the thing (venue, artist, concert), the fact it had none
    of (sales, refunds, concerts), whether it is counted, and whether cancelled concerts count;
    None when the question says no such thing, or says it more narrowly than this reads."""
    absent = next(
        (
            kind
            for kind, pattern in (("concerts", _CONCERTS), ("refunds", _REFUNDS), ("sales", _SALES))
            if re.search(pattern, t)
        ),
        None,
    )
    if absent is None or re.search(_NARROWER, t):
        return None
    said = re.sub(_CONCERTS if absent == "concerts" else _SALES if absent == "sales" else _REFUNDS, " ", t)
    subject = min(
        ((m.start(), kind) for kind, p in _SUBJECTS.items() if (m := re.search(p, said))),
        default=None,
    )
    if subject is None or (subject[1] == "concert" and absent == "concerts"):
        return None
    return {
        "of": subject[1],
        "absent": absent,
        "counted": bool(re.search(_COUNTED, t)),
        "any_status": bool(re.search(_ANY_STATUS, t)),
    }


def condition(of: str, absent: str, period: Period | None, any_status: bool = False) -> str:
    """`NOT EXISTS` over the fact for the venue `v`, the artist `a` or the concert `c`; the period
    bounds the facts except for a concert (its own start is the period)."""
    table, time = _FACTS[absent]
    key = {"venue": "x.venue_id = v.venue_id", "artist": "x.artist_id = a.artist_id"}.get(
        of, "x.concert_id = c.concert_id"
    )
    where = [key]
    if absent == "concerts" and not any_status:
        where.append("x.status <> 'cancelled'")
    if period is not None and of != "concert":
        where.append(f"{time} >= CAST('{period.start.isoformat()}' AS TIMESTAMPTZ)")
        where.append(f"{time} < CAST('{period.end.isoformat()}' AS TIMESTAMPTZ)")
    return f"NOT EXISTS (SELECT 1 FROM {table} AS x WHERE {' AND '.join(where)})"  # noqa: S608 - constants
