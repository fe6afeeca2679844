"""Compaction planning and merging: only loaded batches, one name per source set, rows once."""

from __future__ import annotations

import pyarrow as pa

from consumers.etl.compaction import batch_of, compacted_key, merge, partition_of, plan

P = "curated/fact_ticket_sales/date=2026-11-22/"


def _key(batch: str, digest: str = "0123456789ab") -> str:
    return f"{P}{batch}-{digest}.parquet"


def test_only_files_of_loaded_batches_and_earlier_compactions_are_planned() -> None:
    keys = [_key("shardId-0-1-2"), _key("shardId-0-3-4"), _key("shardId-1-5-6"), f"{P}compacted-aa.parquet"]
    assert batch_of(keys[0]) == "shardId-0-1-2" and batch_of(keys[3]) is None
    assert partition_of(keys[0]) == P
    assert plan(keys, {"shardId-0-1-2", "shardId-0-3-4"}, 3) == sorted([keys[0], keys[1], keys[3]])
    assert plan(keys, {"shardId-0-1-2"}, 3) == [], "too few loaded files: nothing yet"


def test_the_compacted_name_depends_only_on_the_sources() -> None:
    a, b = _key("x-1-2"), _key("x-3-4")
    assert compacted_key(P, [a, b]) == compacted_key(P, [b, a]) != compacted_key(P, [a])


def test_merge_keeps_each_event_once_so_a_repeat_changes_nothing() -> None:
    t1 = pa.table({"event_id": ["a", "b"], "quantity": [1, 2]})
    t2 = pa.table({"event_id": ["c"], "quantity": [3]})
    once = merge([t1, t2])
    again = merge([once, t2])  # a crash left the compacted file and one source behind
    assert sorted(once.column("event_id").to_pylist()) == ["a", "b", "c"]
    assert again.sort_by("event_id").equals(once.sort_by("event_id"))
    dates = pa.table({"date_key": [20261122, 20261122, 20261123]})
    assert sorted(merge([dates]).column("date_key").to_pylist()) == [20261122, 20261123]
