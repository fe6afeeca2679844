"""A sports fan's words for the same figures ("the 2025 season", "channel splits", "head-to-head",
"top-5 leaderboard", "podium", "MVP", "record book"), read as the planner's words. Pure.

A season is the calendar year it is named by (the data has no other); splits are a breakdown;
a leaderboard or a podium is a ranking (a podium's three places); the MVP, the champ or the
record is the first of one. A word left unread here stays for the coverage check.
"""

from __future__ import annotations

from chat.rewrites import compiled, rewrite

_REWRITES = compiled(
    (
        (r"\b(?:the )?((?:19|20)\d\d) season\b", r"\1"),
        (r"[,.]?\s*\b(?:(?:the )?(?:whole|full|entire)[- ]season (?:number|total|figure))\b", ""),
        (r"\b(?:the )?(?:whole|full|entire)[- ]season\b", ""),
        (r"\bday[- ]of[- ](?:the[- ])?week splits\b", "by day of the week"),
        (r"\b(channel|tier|venue|artist|city|state|genre|month|quarter|week|day)[- ]?splits\b", r"by \1"),
        (r"\bhead[- ]to[- ]head\b", "compare"),
        (r"\btop[- ](\d+) leaderboard\b", r"top \1"),
        (r"^\s*leaderboard(?: time)?\s*[:,-]\s*", ""),
        (r"\b(venues|artists|cities|states|genres|channels|tiers) ranked by\b", r"top \1 by"),
        (r"\b(?:the )?(?:whole |full )?podium\b", "top three"),
        (r"\bwho(?:'s| is| was) (?:the )?mvp of\b", "who's the best of"),
        (r"^\s*(?:record book|form guide|career stat line|stat line|tour log|roster check)\s*[:,-]\s*", ""),
    )
)


def read(text: str) -> str:
    """The text with a sports fan's words as the planner's."""
    return rewrite(_REWRITES, text)
