"""Replay: re-publish records kept in the lake's raw zone or in the dead-letter archive.

After a fix (a schema change, a new catalog entry), `replay --from dlq` sends dead letters back
through the stream; records still invalid are refused again with their reason. `--from lake`
re-publishes raw records (filtered by event type and arrival date); events already loaded are
recognised by their id downstream and counted as duplicates, never loaded twice.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class ReplayFilter:
    """Which records to replay."""

    event_type: str | None = None
    since: str | None = None  # yyyy-mm-dd, inclusive (arrival date for the lake, detection for the DLQ)
    until: str | None = None
    reason: str | None = None  # substring of the dead letter's reason

    def date_ok(self, day: str) -> bool:
        """Whether a partition date is inside the window."""
        return (not self.since or day >= self.since) and (not self.until or day <= self.until)


def _partition(key: str, name: str) -> str | None:
    for part in key.split("/"):
        if part.startswith(f"{name}="):
            return part.split("=", 1)[1]
    return None


def _objects(s3: S3Client, bucket: str, prefix: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".parquet"):
                yield obj["Key"]


def lake_records(s3: S3Client, bucket: str, flt: ReplayFilter) -> list[bytes]:
    """Raw records (each once, by stream position) matching the filter, in stream order per shard."""
    seen: dict[tuple[str, str, int], bytes] = {}
    for key in _objects(s3, bucket, "raw/"):
        kind, day = _partition(key, "event_type"), _partition(key, "date") or ""
        if (flt.event_type and kind != flt.event_type) or not flt.date_ok(day):
            continue
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        for row in table.select(["shard_id", "sequence_number", "sub_sequence_number", "data"]).to_pylist():
            seen[(row["shard_id"], row["sequence_number"], row["sub_sequence_number"])] = row["data"]
    return [seen[k] for k in sorted(seen, key=lambda k: (k[0], int(k[1]), k[2]))]


def dead_records(s3: S3Client, bucket: str, flt: ReplayFilter) -> list[bytes]:
    """Dead letters' raw bytes (each once, by stream position) matching the filter."""
    seen: dict[tuple[str, str, int], bytes] = {}
    for key in _objects(s3, bucket, "dead/"):
        if not flt.date_ok(_partition(key, "date") or ""):
            continue
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        for row in table.to_pylist():
            if flt.reason and flt.reason not in row["reason"]:
                continue
            seen[(row["shard_id"], row["sequence_number"], row["sub_sequence_number"])] = row["raw"]
    return [seen[k] for k in sorted(seen, key=lambda k: (k[0], int(k[1]), k[2]))]
