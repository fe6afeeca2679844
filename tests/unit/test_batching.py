"""Batch planning within the PutRecords limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from producers.batching import MAX_BYTES_PER_RECORD, OutRecord, plan_batches, record_problem


def _rec(size: int, pk: str = "k") -> OutRecord:
    return OutRecord(pk, b"x" * size, (f"id-{size}",))


def test_500_records_a_batch_at_most() -> None:
    batches = list(plan_batches(_rec(10) for _ in range(1201)))
    assert [len(b) for b in batches] == [500, 500, 201]


def test_5_mib_a_batch_at_most() -> None:
    batches = list(plan_batches(_rec(1_000_000) for _ in range(12)))
    assert all(sum(r.size for r in b) <= 5 * 1024 * 1024 for b in batches)
    assert [len(b) for b in batches] == [5, 5, 2]


def test_record_limit_counts_the_partition_key() -> None:
    assert record_problem(_rec(MAX_BYTES_PER_RECORD - 1)) is None
    assert "above the Kinesis limit" in (record_problem(_rec(MAX_BYTES_PER_RECORD)) or "")
    assert record_problem(OutRecord("", b"x", ("a",))) is not None
    assert record_problem(OutRecord("k" * 257, b"x", ("a",))) is not None


@given(
    st.lists(st.integers(min_value=1, max_value=MAX_BYTES_PER_RECORD - 1), max_size=60),
    st.integers(min_value=1, max_value=500),
)
def test_batches_keep_order_and_every_limit(sizes: list[int], max_records: int) -> None:
    recs = [OutRecord("k", b"", (str(i),)) if s < 2 else _rec(s - 1) for i, s in enumerate(sizes)]
    batches = list(plan_batches(recs, max_records=max_records))
    assert [r for b in batches for r in b] == recs
    for b in batches:
        assert 1 <= len(b) <= max_records
        assert sum(r.size for r in b) <= 5 * 1024 * 1024
