"""Entity resolution: is an incoming artist or venue one the platform already knows?

Each record is compared with the known entities of its kind (venues only within their state)
by rapidfuzz over the normalised names: the best of the edit-distance ratio and the same with
the words sorted. A venue must also be in the same city (another city makes it another venue,
"Lyric Opera House" in Baltimore and in Chicago) and, when both seat counts are known, of a
size within `Policy.capacity_tolerance`. External ids decide when both sides carry one of the
same namespace: equal ids are the same entity, different ids are different ones.

A record is merged only when its best candidate has the same words but for slips
(`same_words`: a typo a word, not a word more or another first letter) and no other
candidate comes within `margin` of it; a candidate scoring `review_at` or more otherwise (a
word more, a close second, another seat count) sends it to review, never merged silently;
without one it is a new entity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from consumers.entities.normalise import artist_key, city_key, state_code, venue_key

Kind = Literal["artist", "venue"]


@dataclass(frozen=True)
class Record:
    """An artist or venue as one source gives it."""

    source: str
    source_id: str
    kind: Kind
    name: str
    city: str = ""
    state: str = ""
    capacity: int | None = None
    external_ids: Mapping[str, str] = field(default_factory=dict)  # namespace -> id

    @cached_property
    def key(self) -> str:
        """The name as compared (normalised once a record)."""
        return venue_key(self.name) if self.kind == "venue" else artist_key(self.name)


@dataclass(frozen=True)
class Entity:
    """A canonical artist or venue and the record that stands for it."""

    entity_id: int
    record: Record


class Verdict(StrEnum):
    """What becomes of a record."""

    MERGE = "merge"  # the same as a known entity
    REVIEW = "review"  # maybe the same: a person decides
    NEW = "new"  # a new entity


@dataclass(frozen=True)
class Decision:
    """A record's verdict, the entity it names (MERGE: the match; REVIEW: the best candidate)."""

    record: Record
    verdict: Verdict
    entity_id: int | None
    score: float
    reason: str


@dataclass(frozen=True)
class Policy:
    """Thresholds of the decision (scores 0-100)."""

    review_at: float = 80.0
    margin: float = 4.0
    city_at: float = 85.0
    capacity_tolerance: float = 0.25
    candidates: int = 5


def name_score(a: str, b: str, **_: object) -> float:
    """How alike two compared names are, 0-100: the edit ratio, or the same with words sorted.

    (The keyword arguments rapidfuzz passes a scorer are not used.)"""
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def same_words(a: str, b: str) -> bool:
    """The same words, but for slips: as many words, each at most one edit apart (two in words
    of 8 letters or more), a short word (under 5 letters) beginning with the same letter,
    numbers equal; or the same letters spaced otherwise. "Eltno John" is Elton John; "Bryan
    Adams" is not Ryan Adams, nor is "Insane Clown Posse Jr." the band."""
    if a.replace(" ", "") == b.replace(" ", ""):  # spacing only: "Jobing.com", "JOBINGCOM"
        return True
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    for x, y in zip(wa, wb, strict=True):
        if x == y:
            continue
        if x.isdigit() or y.isdigit() or (x[0] != y[0] and min(len(x), len(y)) < 5):
            return False
        if OSA.distance(x, y) > (2 if min(len(x), len(y)) >= 8 else 1):
            return False
    return True


class Resolver:
    """Decides, record by record, whether it is a known entity; pure and in memory."""

    def __init__(self, known: Iterable[Entity], policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        # (kind, state) -> source -> its entities there; a record is compared with other sources'
        self._blocks: dict[tuple[Kind, str], dict[str, list[Entity]]] = defaultdict(dict)
        for entity in known:
            self.add(entity)

    def add(self, entity: Entity) -> None:
        """Know one more entity (a record decided NEW becomes one)."""
        self._blocks[_block(entity.record)].setdefault(entity.record.source, []).append(entity)

    def resolve(self, record: Record) -> Decision:
        """The verdict on one record."""
        block = self._blocks.get(_block(record), {})
        others = [es for source, es in block.items() if source != record.source or not record.source]
        entities = [e for es in others for e in es] if len(others) != 1 else others[0]
        keys = [e.record.key for e in entities]
        by_id = _same_external_id(record, entities)
        if by_id is not None:
            return Decision(record, Verdict.MERGE, by_id.entity_id, 100.0, "same external id")
        p = self.policy
        key = record.key
        found = process.extract(
            key, keys, scorer=name_score, limit=p.candidates * 4, score_cutoff=p.review_at
        )
        scored: list[tuple[float, Entity, str]] = []
        for _key, score, index in found:
            entity = entities[index]
            why = self._distinct(record, entity.record)
            if why is None:
                scored.append((score, entity, ""))
            elif why == "capacity":
                scored.append((score, entity, "seat counts differ"))
        scored.sort(key=lambda s: -s[0])
        if not scored:
            return Decision(record, Verdict.NEW, None, 0.0, "no known entity is like it")
        best, entity, note = scored[0]
        second = next((s for s, e, _ in scored[1:] if e.entity_id != entity.entity_id), 0.0)
        if best - second < p.margin:
            reason = f"two known entities are alike ({best:.0f}% and {second:.0f}%)"
            return Decision(record, Verdict.REVIEW, entity.entity_id, best, reason)
        if not note and same_words(key, entity.record.key):
            return Decision(record, Verdict.MERGE, entity.entity_id, best, f"name {best:.0f}% alike")
        reason = note or f"name {best:.0f}% alike, not word for word"
        return Decision(record, Verdict.REVIEW, entity.entity_id, best, reason)

    def _distinct(self, record: Record, known: Record) -> str | None:
        """Why `known` cannot be `record` (None when it can): another city, id or size. (The
        same source never gets here: its ids are distinct entities by its own word.)"""
        for namespace, value in record.external_ids.items():
            other = known.external_ids.get(namespace)
            if other is not None and other != value:
                return "external id"
        if record.kind != "venue":
            return None
        if fuzz.ratio(city_key(record.city), city_key(known.city)) < self.policy.city_at:
            return "city"
        a, b = record.capacity, known.capacity
        if a and b and abs(a - b) > self.policy.capacity_tolerance * max(a, b):
            return "capacity"
        return None


def _block(record: Record) -> tuple[Kind, str]:
    """Where a record's candidates are: every artist; venues of the same state."""
    return (record.kind, state_code(record.state) if record.kind == "venue" else "")


def _same_external_id(record: Record, entities: list[Entity]) -> Entity | None:
    if not record.external_ids:
        return None
    for entity in entities:
        shared = record.external_ids.keys() & entity.record.external_ids.keys()
        if any(record.external_ids[n] == entity.record.external_ids[n] for n in shared):
            return entity
    return None
