"""Compaction of the lake's curated partitions: many small batch files become one. Pure.

A partition is `curated/<table>/date=<d>/`; each loaded batch adds one file
`<batch_id>-<digest>.parquet`. Only files of batches the ETL ledger says are loaded are
compacted (a pending or rejected batch keeps its files, which its manifest and the quality
report point to); earlier `compacted-*.parquet` files are merged again with the new ones.
Merging drops repeated rows (by event id where the table has one), so a compaction that is
repeated after a crash, when both the compacted file and some sources exist, changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

BATCH_FILE = re.compile(r"^(?P<batch>.+)-[0-9a-f]{12}\.parquet$")
COMPACTED = "compacted-"


def partition_of(key: str) -> str:
    """The partition prefix of a curated file key (up to and including the last `/`)."""
    return key.rsplit("/", 1)[0] + "/"


def batch_of(key: str) -> str | None:
    """The batch a curated file came from; None for a compacted file."""
    name = key.rsplit("/", 1)[-1]
    if name.startswith(COMPACTED):
        return None
    m = BATCH_FILE.match(name)
    return m.group("batch") if m else None


def plan(keys: Iterable[str], loaded: set[str], min_files: int) -> list[str]:
    """The files of one partition to compact now (empty when fewer than `min_files` qualify)."""
    eligible = sorted(
        k for k in keys if k.endswith(".parquet") and (batch_of(k) is None or batch_of(k) in loaded)
    )
    return eligible if len(eligible) >= min_files else []


def compacted_key(partition: str, sources: Iterable[str]) -> str:
    """A name derived from the sources: the same compaction always writes the same file."""
    digest = hashlib.sha256("\n".join(sorted(sources)).encode()).hexdigest()[:16]
    return f"{partition}{COMPACTED}{digest}.parquet"


def merge(tables: list[pa.Table]) -> pa.Table:
    """The rows of all files once: by event id where there is one, else distinct rows."""
    if not tables:
        raise ValueError("nothing to merge")
    merged = pa.concat_tables(tables, promote_options="default")
    if "event_id" in merged.column_names:
        index = pa.array(range(merged.num_rows))
        first = (
            pa.table({"event_id": merged.column("event_id"), "i": index})
            .group_by("event_id")
            .aggregate([("i", "min")])
            .column("i_min")
        )
        return merged.take(pc.sort_indices(first))
    return merged.group_by(merged.column_names).aggregate([])
