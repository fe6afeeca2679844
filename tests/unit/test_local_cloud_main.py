"""The local cloud's stream expiry: the same records kept as ministack's own, without a copy
when nothing expired."""

from __future__ import annotations

import random
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from concert.local_cloud_main import expire_in_order, patch_kinesis_expiry


def _stream(ages_s: list[float], retention_h: int = 24) -> dict[str, Any]:
    now = time.time()
    records = [{"ApproximateArrivalTimestamp": round(now - a, 3), "n": i} for i, a in enumerate(ages_s)]
    return {"RetentionPeriodHours": retention_h, "shards": {"shardId-0": {"records": records}}}


@settings(max_examples=40, deadline=None)
@given(ages=st.lists(st.floats(0, 48 * 3600), max_size=60))
def test_it_keeps_what_ministack_keeps(ages: list[float]) -> None:
    ordered = sorted(ages, reverse=True)  # appended in arrival order: oldest first
    ours, theirs = _stream(ordered), _stream(ordered)
    cutoff = time.time() - 24 * 3600
    for shard in theirs["shards"].values():  # ministack's own rule
        shard["records"] = [r for r in shard["records"] if r["ApproximateArrivalTimestamp"] >= cutoff]
    expire_in_order(ours)
    assert [r["n"] for r in ours["shards"]["shardId-0"]["records"]] == [
        r["n"] for r in theirs["shards"]["shardId-0"]["records"]
    ]


def test_nothing_expired_is_not_copied() -> None:
    stream = _stream([random.uniform(0, 3600) for _ in range(100)])
    before = stream["shards"]["shardId-0"]["records"]
    expire_in_order(stream)
    assert stream["shards"]["shardId-0"]["records"] is before


def test_the_patch_finds_the_function_it_replaces() -> None:
    from ministack.services import kinesis  # type: ignore[import-untyped]

    original = kinesis._expire_records
    try:
        assert patch_kinesis_expiry() and kinesis._expire_records is expire_in_order
    finally:
        kinesis._expire_records = original
