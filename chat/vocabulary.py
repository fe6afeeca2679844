"""What a question can name: states and provinces, cities, venues, artists and genres, found
as whole phrases (longest first, each word used once). Built from the warehouse's dimensions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from schemas.regions import REGIONS

GENRES = {
    "pop": "pop", "jazz": "jazz", "classical": "classical", "opera": "opera",
    "operas": "opera", "musical": "musicals", "musicals": "musicals", "plays": "plays",
    "theatre": "plays", "theater": "plays",
}  # fmt: skip
_KIND_RANK = {"venue": 0, "city": 1, "state": 2, "artist": 3, "genre": 4}
# A name that is both a place and an artist ("Chicago") is the artist after these words, the
# place otherwise ("revenue for Chicago", "fans from Chicago"); the answer names the reading
# ("in Chicago, IL", "for the artist Chicago").
_ARTIST_CUES = {"by", "featuring", "with", "artist", "band"}
_MAX_WORDS = 8
# Misspelt state names (stdlib difflib: a ratio over one word is all this needs).
_ONE_WORD_REGIONS = {name.lower(): code for code, name in REGIONS.items() if " " not in name}
_MIN_FUZZY, _FUZZY_CUTOFF = 6, 0.85
_WORD_CODES = {"IN", "OR", "ON", "ME", "OK", "HI", "OH", "ID", "IA", "MA", "PE", "DE", "CO", "AL", "LA"}
_COMMON_WORDS = {"tickets", "revenue", "venues", "artists", "concerts", "customers", "refunds", "average"}
_APOSTROPHES = "'\u2019"  # the typewriter's and the typographic one
_WORD = re.compile(rf"[A-Za-z0-9&{_APOSTROPHES}]+")
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s$", re.IGNORECASE)


VENUES_SQL = "SELECT venue_id, name, city, state FROM resolved_venue"
ARTISTS_SQL = "SELECT artist_id, name, genre FROM resolved_artist"
ALIASES_SQL = "SELECT kind, entity_id, name FROM entity_alias"


@dataclass(frozen=True)
class Entity:
    """A thing the question names: kind (state, city, venue, artist, genre), key, label."""

    kind: str
    key: Any
    label: str
    place_too: bool = False  # an artist whose name is also a place's


@dataclass(frozen=True)
class Found:
    """An entity and where it was found (word positions, end exclusive)."""

    entity: Entity
    start: int
    end: int


def _all_named(best: Entity, entities: list[Entity]) -> Entity:
    """`best`, or, when several venues (artists) share its name, all of them: a name is read as
    every entity it names, never silently as one of them (their ids as a tuple)."""
    if best.kind not in ("venue", "artist"):
        return best
    keys = sorted({e.key for e in entities if e.kind == best.kind})
    return best if len(keys) == 1 else replace(best, key=tuple(keys))


def filter_value(e: Entity) -> Any:
    """An entity as a filter's value: [id, name] for a venue or an artist ([[ids], name] for a
    name several share), [city, state] for a city, the key otherwise."""
    if e.kind in ("venue", "artist"):
        label = f"the artist {e.label}" if e.place_too else e.label
        return [list(e.key) if isinstance(e.key, tuple) else e.key, label]
    return list(e.key) if e.kind == "city" else e.key


def words(text: str) -> list[tuple[str, str]]:
    """(lower-case word, word as written) pairs; `St.` and `St` are the same word, and so are
    `Khan's` and `Khan` (a possessive names the same thing, in a name as in a question)."""
    out = []
    for w in _WORD.findall(text):
        bare = _POSSESSIVE.sub("", w).strip(_APOSTROPHES)
        out.append((bare.lower(), bare))
    return out


def phrase(text: str) -> tuple[str, ...]:
    """The normalised word sequence of a name."""
    return tuple(w for w, _ in words(text) if w)


@dataclass
class Vocabulary:
    """Phrases -> entities, with the case-sensitive single words kept apart."""

    phrases: dict[tuple[str, ...], list[Entity]] = field(default_factory=dict)
    capitalised: set[tuple[str, ...]] = field(default_factory=set)

    def add(self, name: str, entity: Entity, *, strict_case: bool = False) -> None:
        """Index one name of an entity (a name already indexed for the same entity, however
        written, is kept as it was first named)."""
        key = phrase(name)
        if not key:
            return
        found = self.phrases.setdefault(key, [])
        if not any(e.kind == entity.kind and e.key == entity.key for e in found):
            found.append(entity)
        if strict_case:
            self.capitalised.add(key)

    def kinds_of(self, text: str) -> set[str]:
        """The kinds of every entity `text` is the whole name of ("Chicago": an artist and a
        city; "Washington": a state and a city)."""
        return {e.kind for e in self.phrases.get(phrase(text), [])}

    @classmethod
    def read(cls, query: Callable[[str], list[dict[str, Any]]]) -> Vocabulary:
        """From the warehouse (`query` runs one SELECT): the venues and artists as one entity
        each, and the other spellings sources gave them (entity resolution's aliases)."""
        return cls.of(query(VENUES_SQL), query(ARTISTS_SQL), query(ALIASES_SQL))

    @classmethod
    def of(
        cls,
        venues: Iterable[dict[str, Any]],
        artists: Iterable[dict[str, Any]],
        aliases: Iterable[dict[str, Any]] = (),
    ) -> Vocabulary:
        """From venue rows (venue_id, name, city, state), artist rows (artist_id, name and, when
        given, genre: every genre in the data is a name, beside the known plurals) and alias rows
        (kind, entity_id, name: another spelling of a venue or artist, found as that entity)."""
        vocab = cls()
        for code, name in REGIONS.items():
            vocab.add(name, Entity("state", code, name))
        artists = list(artists)
        genres = dict(GENRES)
        for a in artists:
            if genre := str(a.get("genre") or "").strip().lower():
                genres.setdefault(genre, genre)
                if genre.isalpha() and not genre.endswith(("s", "y")):
                    genres.setdefault(f"{genre}s", genre)  # "operas", not "countrys"
        for word, genre in genres.items():
            vocab.add(word, Entity("genre", genre, genre))
        for v in venues:
            vocab.add(str(v["name"]), Entity("venue", int(v["venue_id"]), str(v["name"])))
            city = str(v["city"])
            vocab.add(city, Entity("city", (city, str(v["state"])), city))
        for a in artists:
            name = str(a["name"])
            single = len(phrase(name)) == 1
            vocab.add(name, Entity("artist", int(a["artist_id"]), name), strict_case=single)
        for alias in aliases:
            if (kind := str(alias["kind"])) in ("venue", "artist"):
                name = str(alias["name"])
                single = kind == "artist" and len(phrase(name)) == 1
                vocab.add(name, Entity(kind, int(alias["entity_id"]), name), strict_case=single)
        return vocab

    def find(self, text: str) -> list[Found]:
        """Entities named in `text`, longest phrases first, non-overlapping, in text order. In a
        question written all in capitals, a code that is also an English word ("IN", "OR", "ON")
        is read as the word."""
        ws = words(text)
        shouted = not any(c.islower() for c in text)
        taken = [False] * len(ws)
        out: list[Found] = []
        for n in range(min(_MAX_WORDS, len(ws)), 0, -1):
            for i in range(len(ws) - n + 1):
                if any(taken[i : i + n]):
                    continue
                key = tuple(w for w, _ in ws[i : i + n])
                entities = self.phrases.get(key)
                if not entities:
                    code = ws[i][1]
                    entities = (
                        self._region_code(code) if n == 1 and not (shouted and code in _WORD_CODES) else None
                    )
                if not entities:
                    continue
                if key in self.capitalised and not ws[i][1][:1].isupper():
                    entities = [e for e in entities if e.kind != "artist"]
                    if not entities:
                        continue
                artist_cue = i > 0 and ws[i - 1][0] in _ARTIST_CUES
                best = min(
                    entities, key=lambda e: (not (artist_cue and e.kind == "artist"), _KIND_RANK[e.kind])
                )
                if best.kind == "artist" and any(e.kind in ("city", "state") for e in entities):
                    best = replace(best, place_too=True)
                out.append(Found(_all_named(best, entities), i, i + n))
                for j in range(i, i + n):
                    taken[j] = True
        out += self._misspelt_regions(ws, taken)
        return sorted(out, key=lambda f: f.start)

    @staticmethod
    def _misspelt_regions(ws: list[tuple[str, str]], taken: list[bool]) -> list[Found]:
        """A long word that is one letter swap or slip from a one-word state or province name
        ("califronia"): the answer names the state it read, so the reading is visible."""
        out: list[Found] = []
        for i, (w, _) in enumerate(ws):
            if taken[i] or len(w) < _MIN_FUZZY or w in _COMMON_WORDS:
                continue
            close = difflib.get_close_matches(w, _ONE_WORD_REGIONS, n=1, cutoff=_FUZZY_CUTOFF)
            if close:
                code = _ONE_WORD_REGIONS[close[0]]
                out.append(Found(Entity("state", code, REGIONS[code]), i, i + 1))
        return out

    @staticmethod
    def _region_code(written: str) -> list[Entity] | None:
        # Two-letter codes only when written in capitals ("TX", not "in" or "or").
        if len(written) == 2 and written.isupper() and written in REGIONS:
            return [Entity("state", written, REGIONS[written])]
        return None
