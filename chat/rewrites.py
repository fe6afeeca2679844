"""Wording rewrites: an ordered table of (pattern, replacement), compiled case-insensitive once
and applied in order. The modules that read one way of asking (a fan's, a lawyer's, set
notation) are each a table of these. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable

Rewrites = tuple[tuple[re.Pattern[str], str], ...]


def compiled(table: Iterable[tuple[str, str]], flags: int = re.I) -> Rewrites:
    """The table's patterns compiled (case-insensitive unless `flags` says otherwise), in order."""
    return tuple((re.compile(pattern, flags), replacement) for pattern, replacement in table)


def rewrite(rewrites: Rewrites, text: str) -> str:
    """`text` with every rewrite applied, in order."""
    for pattern, replacement in rewrites:
        text = pattern.sub(replacement, text)
    return text
