"""How a second source writes the same artist or venue: case, accents, a leading "The",
"&"/"and", dropped punctuation, one typo (never the first letter), venue words
(Theatre/Theater, Center/Centre/Ctr., St./Saint, Stadium/Stad.). Used by the entity-resolution
evaluation and by the synthetic workload's second source (`Spec.second_source`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

ACCENTS = {"e": "é", "a": "á", "o": "ö", "u": "ü", "i": "í", "n": "ñ", "c": "ç"}


def _typo(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 6:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(4)
    if kind == 0 and text[i + 1].isalpha():  # two letters swapped
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:  # a letter dropped
        return text[:i] + text[i + 1 :]
    if kind == 2:  # a letter doubled
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiourstnl") + text[i + 1 :]  # a letter replaced


def _venue_words(text: str, rng: random.Random) -> str:
    swaps = [
        ("Theatre", "Theater"), ("Theater", "Theatre"), ("Center", rng.choice(("Centre", "Ctr."))),
        ("Amphitheatre", "Amphitheater"), ("Saint ", "St. "), ("St. ", "Saint "), ("Stadium", "Stad."),
    ]  # fmt: skip
    usable = [(a, b) for a, b in swaps if a in text]
    if not usable:
        return text
    a, b = rng.choice(usable)
    return text.replace(a, b, 1)


NAME_VARIANTS: Sequence[Callable[[str, random.Random], str]] = (
    lambda t, r: r.choice((t.upper(), t.lower())),
    lambda t, r: "".join(ACCENTS.get(c, c) if r.random() < 0.3 else c for c in t),
    lambda t, r: t[4:] if t.startswith("The ") else "The " + t,
    lambda t, r: t.replace("&", "and") if "&" in t else t.replace(" and ", " & "),
    lambda t, r: t.replace(".", "").replace("'", "").replace("-", " "),
    _typo,
    lambda t, r: t.replace(" ", "  ", 1) + " ",
)


def variant_name(name: str, kind: str, rng: random.Random) -> str:
    """`name` as another source might write it: one to three of the variants above (and the
    venue words for a venue)."""
    changes = list(NAME_VARIANTS) + ([_venue_words] * 2 if kind == "venue" else [])
    for change in rng.sample(changes, rng.randint(1, 3)):
        name = change(name, rng)
    return name
