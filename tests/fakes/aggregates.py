"""An in-memory AggregateStore with the DynamoDB table's semantics: a chunk is applied whole
or not at all, and only while the shard's mark is where the chunk expects it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from consumers.live_aggregates import Chunk, ConcertProfile, Key, Position, ShardMoved, ShardState


class FakeAggregateStore:
    """Counters, profiles, marks and window pages in dicts; `fail_on_apply` makes those apply
    calls (1-based) raise before anything is written."""

    def __init__(self, fail_on_apply: set[int] | None = None) -> None:
        self.counters: dict[Key, dict[str, int]] = defaultdict(dict)
        self.stored_profiles: dict[int, ConcertProfile] = {}
        self.marks: dict[str, tuple[Position, int, int, int]] = {}  # mark, page, count, arrival
        self.pages: dict[str, dict[int, set[bytes]]] = defaultdict(dict)
        self.fail_on_apply = fail_on_apply or set()
        self.apply_calls = 0
        self.shard_reads = 0

    def shard_state(self, shard: str) -> ShardState:
        self.shard_reads += 1
        state = ShardState(shard)
        if shard in self.marks:
            state.mark, state.page, state.page_count, _ = self.marks[shard]
            state.pages = {n: set(h) for n, h in self.pages[shard].items()}
            state.recent = set().union(*state.pages.values()) if state.pages else set()
        return state

    def profiles(self, concert_ids: set[int]) -> dict[int, ConcertProfile]:
        return {cid: p for cid, p in self.stored_profiles.items() if cid in concert_ids}

    def save_profiles(self, profiles: Mapping[int, ConcertProfile]) -> None:
        self.stored_profiles.update(profiles)

    def apply(self, chunk: Chunk) -> None:
        self.apply_calls += 1
        if self.apply_calls in self.fail_on_apply:
            raise ConnectionError("injected: the table is unreachable")
        current = self.marks.get(chunk.shard)
        if (current[0] if current else None) != chunk.expected:
            raise ShardMoved(f"{chunk.shard}: the mark moved")
        self.marks[chunk.shard] = (chunk.mark, chunk.page, chunk.page_count, chunk.newest_arrival_ms)
        for page, hashes in chunk.page_hashes.items():
            self.pages[chunk.shard].setdefault(page, set()).update(hashes)
        for page in chunk.drop_pages:
            self.pages[chunk.shard].pop(page, None)
        for key, counters in chunk.increments.items():
            into = self.counters[key]
            for name, value in counters.items():
                into[name] = into.get(name, 0) + value
