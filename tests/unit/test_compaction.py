"""Compaction planning and merging: only loaded batches, one name per source set, rows once."""

from __future__ import annotations

import pyarrow as pa
import pytest

from consumers.etl.compaction import batch_of, compacted_key, merge, partition_of, plan
from functions.compaction import compact as compact_task
from functions.compaction import plan as plan_task
from functions.compaction import wiring
from functions.compaction.settings import CompactionSettings
from tests.fakes.clients import s3_client
from tests.fakes.lambda_context import LambdaContext
from tests.fakes.s3 import MemoryS3
from tests.fakes.warehouse import LedgerWarehouse

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


def test_plan_and_compact_tasks_with_fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan task keeps partitions with enough loaded files; compact writes one file, then deletes."""
    import io

    import pyarrow.parquet as pq

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("COMPACT_MIN_FILES", "3")
    s3 = MemoryS3()
    for n in range(4):
        buf = io.BytesIO()
        pq.write_table(pa.table({"event_id": [f"e{n}", "shared"], "quantity": [n, 9]}), buf)
        s3.put_object(Bucket="lake", Key=_key(f"b-{n}-{n}", f"{n:012x}"), Body=buf.getvalue())

    warehouse = LedgerWarehouse()
    warehouse.status = {f"b-{n}-{n}": "loaded" for n in range(3)}  # the newest batch is still being loaded
    monkeypatch.setattr(wiring, "parts", lambda: wiring.Parts(CompactionSettings(), s3_client(s3), warehouse))
    planned = plan_task.handler({"detail": {"bucket": "lake", "partitions": [P]}}, CONTEXT)["partitions"]
    assert [len(p["sources"]) for p in planned] == [3]
    result = compact_task.handler(planned[0], CONTEXT)
    assert result["rows"] == 4 and result["merged"] == 3, "e0, e1, e2 and 'shared' once"
    assert sorted(k.rsplit("/", 1)[1][:10] for _, k in s3.objects) == ["b-3-3-0000", "compacted-"]
    again = compact_task.handler(planned[0], CONTEXT)  # sources gone: the compacted file stands
    assert again["rows"] == 0 and len(s3.objects) == 2


CONTEXT = LambdaContext("concert-compaction-task", 2048)
