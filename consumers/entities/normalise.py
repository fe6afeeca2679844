"""Names made comparable: the same artist or venue written by two sources reads the same here.

Accents and case are dropped, "&" is "and", punctuation goes, a leading "The" goes, and the
spelling variants of venue words (Theater/Theatre, Center/Centre/Ctr, St./Saint, ...) meet
on one form. What distinguishes two entities (a word more, another city) is kept.
"""

from __future__ import annotations

import re
import unicodedata

from schemas.regions import REGIONS

_WORDS = re.compile(r"[a-z0-9]+")
# Venue and place words and their abbreviations, each mapped to one form.
_SYNONYMS: dict[str, str] = {
    "theater": "theatre",
    "centre": "center",
    "ctr": "center",
    "cntr": "center",
    "amphitheater": "amphitheatre",
    "amph": "amphitheatre",
    "stad": "stadium",
    "st": "saint",
    "ste": "sainte",
    "ft": "fort",
    "mt": "mount",
    "intl": "international",
    "natl": "national",
    "aud": "auditorium",
    "pk": "park",
    "sq": "square",
    "univ": "university",
    "nyc": "new york city",
}
_STATES = {name.casefold(): code for code, name in REGIONS.items()}


def fold(text: str) -> str:
    """Lower case without accents, "&" as "and", apostrophes dropped (O'Neil: oneil)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub("['\u2019`]", "", plain).casefold()


def words(text: str, *, synonyms: bool = False) -> list[str]:
    """The folded words of `text`; with `synonyms`, venue and place words on one form."""
    found = _WORDS.findall(fold(_join_initials(text)))
    if synonyms:
        found = [w for word in found for w in _SYNONYMS.get(word, word).split()]
    return found


def _join_initials(text: str) -> str:
    """ "B.B. King" and "BB King" alike: initials separated by dots become one word."""
    return re.sub(r"\b(?:[A-Za-z]\.\s?){2,}", lambda m: m[0].replace(".", "").replace(" ", "") + " ", text)


def artist_key(name: str) -> str:
    """An artist's name as compared: folded words without a leading "the"."""
    found = words(name)
    if len(found) > 1 and found[0] == "the":
        found = found[1:]
    return " ".join(found)


def venue_key(name: str) -> str:
    """A venue's name as compared: folded words, venue words on one form, no leading "the"."""
    found = words(name, synonyms=True)
    if len(found) > 1 and found[0] == "the":
        found = found[1:]
    return " ".join(found)


def city_key(city: str) -> str:
    """A city as compared ("St. Louis" and "Saint Louis" alike; "New York City" is "new york")."""
    key = " ".join(words(city, synonyms=True))
    return key.removesuffix(" city") if key.endswith("york city") else key


def state_code(state: str) -> str:
    """A state as its two-letter code ("Illinois", "il" and "IL" alike); other text folded."""
    folded = " ".join(words(state))
    if len(folded) == 2:
        return folded.upper()
    return _STATES.get(folded, folded.upper())
