"""An in-memory AggregateStore with the DynamoDB table's once-only semantics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from consumers.live_aggregates import Applied, Chunk, ConcertProfile, Key


class FakeAggregateStore:
    """Counters, profiles and markers in dicts; `fail_on_apply` makes that apply call raise."""

    def __init__(self, fail_on_apply: set[int] | None = None) -> None:
        self.counters: dict[Key, dict[str, int]] = defaultdict(dict)
        self.stored_profiles: dict[int, ConcertProfile] = {}
        self.markers: set[str] = set()
        self.fail_on_apply = fail_on_apply or set()
        self.apply_calls = 0

    def profiles(self, concert_ids: set[int]) -> dict[int, ConcertProfile]:
        return {cid: p for cid, p in self.stored_profiles.items() if cid in concert_ids}

    def save_profiles(self, profiles: Mapping[int, ConcertProfile]) -> None:
        self.stored_profiles.update(profiles)

    def apply(self, chunk: Chunk) -> Applied:
        self.apply_calls += 1
        if self.apply_calls in self.fail_on_apply:
            raise ConnectionError("injected: the table is unreachable")
        seen = {eid for eid in chunk.event_ids if eid in self.markers}
        chunk = chunk.without(seen)
        self.markers.update(chunk.event_ids)
        for key, counters in chunk.increments.items():
            into = self.counters[key]
            for name, value in counters.items():
                into[name] = into.get(name, 0) + value
        return Applied(counted=len(chunk.contributions), duplicate_ids=frozenset(seen))
