"""Load cycles: what one cycle loads, and when (the buffering policy). Pure.

The KCL worker lands batches (curated files, then a landing-ledger entry naming them) and
checkpoints; the ETL workflow then loads everything landed and not yet loaded in cycles,
one at a time per warehouse, back to back while work is pending. Like Amazon Data Firehose's
buffering hints, a cycle starts once the pending batches hold `min_rows` rows or the oldest
of them has waited `max_wait_s`; `max_batches` bounds one cycle (the rest is the next one).
One COPY per table goes over a manifest naming every batch's files of that table
(consumers/etl/manifest.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field


class BufferingPolicy(BaseModel):
    """When a load cycle starts: enough rows pending, or the oldest batch waited long enough."""

    max_wait_s: float = Field(default=0.0, ge=0, le=3_600)
    min_rows: int = Field(default=1, ge=1)
    max_batches: int = Field(default=200, ge=1, le=5_000)


@dataclass(frozen=True, slots=True)
class CyclePlan:
    """What to do now: load `batches`, wait `wait_s` seconds for more, or nothing (both empty)."""

    batches: list[dict[str, Any]] = field(default_factory=list)
    wait_s: int = 0  # whole seconds (a Step Functions Wait state takes integers)

    @property
    def action(self) -> str:
        """`load`, `wait` or `done`."""
        return "load" if self.batches else "wait" if self.wait_s > 0 else "done"


def unique_batches(pending: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Ledger entries in landing order, one per batch id (a batch landed twice after a crash
    wrote the same files: its first entry stands for both)."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in sorted(pending, key=lambda e: (int(e.get("landed_at_ms", 0)), str(e["batch_id"]))):
        seen.setdefault(str(entry["batch_id"]), dict(entry))
    return list(seen.values())


def plan_cycle(pending: Sequence[Mapping[str, Any]], now_ms: int, policy: BufferingPolicy) -> CyclePlan:
    """Decide the next cycle from the batches landed and not yet finished."""
    batches = unique_batches(pending)
    if not batches:
        return CyclePlan()
    rows = sum(int(sum(b.get("rows", {}).values())) for b in batches)
    oldest_ms = min(int(b.get("landed_at_ms", now_ms)) for b in batches)
    waited_s = max(0.0, (now_ms - oldest_ms) / 1000)
    if rows >= policy.min_rows or waited_s >= policy.max_wait_s or len(batches) >= policy.max_batches:
        return CyclePlan(batches[: policy.max_batches])
    return CyclePlan(wait_s=max(1, math.ceil(policy.max_wait_s - waited_s)))


def cycle_rows(batches: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Rows per table over the cycle's batches."""
    rows: dict[str, int] = {}
    for b in batches:
        for table, n in b.get("rows", {}).items():
            rows[table] = rows.get(table, 0) + int(n)
    return rows


def cycle_partitions(batches: Iterable[Mapping[str, Any]]) -> list[str]:
    """Lake partitions the cycle's batches wrote to (what compaction looks at)."""
    return sorted({p for b in batches for p in b.get("partitions", [])})
