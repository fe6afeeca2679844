"""The S3 lake: raw zone (records as received) and curated zone (validated, enriched), as Parquet.

Layout (Hive partitions, so Glue/Athena/Spectrum can read it):
    raw/event_type=<type or _invalid>/date=<arrival date>/<batch>.parquet
    curated/<table>/date=<ingestion date>/<batch>-<digest>.parquet
    dead/date=<d>/<batch>.parquet        the batch's dead letters (reason, position, raw bytes)
A PutObject is atomic, so no reader ever sees part of a file. The batch's landing-ledger entry,
written after every file, names its curated files with their sizes and rows
(consumers/etl/manifest.py), so a batch is visible to loads only once it is whole; the load
cycle writes the Redshift COPY manifests, one per table over all of a cycle's batches.
File names are the batch id and a digest of their rows: rewriting a batch after a crash
replaces a file with the same rows, never a fuller file with a thinner one.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from consumers.dead_letter import DeadLetter
from consumers.etl.manifest import LakeFile, copy_manifests
from consumers.records import StreamRecord
from consumers.tables import to_arrow

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


RAW_SCHEMA = pa.schema(
    [
        pa.field("stream", pa.string(), nullable=False),
        pa.field("shard_id", pa.string(), nullable=False),
        pa.field("sequence_number", pa.string(), nullable=False),
        pa.field("sub_sequence_number", pa.int32(), nullable=False),
        pa.field("partition_key", pa.string(), nullable=False),
        pa.field("arrival", pa.timestamp("ms", tz="UTC")),
        pa.field("event_id", pa.string()),
        pa.field("data", pa.binary(), nullable=False),
    ]
)


DEAD_SCHEMA = pa.schema(
    [
        pa.field("reason", pa.string(), nullable=False),
        pa.field("stream", pa.string(), nullable=False),
        pa.field("shard_id", pa.string(), nullable=False),
        pa.field("sequence_number", pa.string(), nullable=False),
        pa.field("sub_sequence_number", pa.int32(), nullable=False),
        pa.field("event_id", pa.string()),
        pa.field("detected_at", pa.string(), nullable=False),
        pa.field("raw", pa.binary(), nullable=False),
    ]
)


@dataclass
class WrittenBatch:
    """Where one batch's files went."""

    batch_id: str
    curated: list[LakeFile] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    bytes: int = 0

    def rows(self) -> dict[str, int]:
        """Curated rows per table."""
        out: dict[str, int] = {}
        for f in self.curated:
            out[f.table] = out.get(f.table, 0) + f.rows
        return out


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def _day(value: Any) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d") if isinstance(value, datetime) else "unknown"


class LakeWriter:
    """Writes a batch's raw records and curated rows to the lake bucket."""

    def __init__(self, s3: S3Client, bucket: str, *, puts_at_once: int = 1) -> None:
        self.s3 = s3
        self.bucket = bucket
        # A batch's files are independent objects: up to this many PUTs in flight (the ledger
        # entry naming them comes after them all). boto3 clients are thread-safe.
        self.puts_at_once = puts_at_once

    def _put_all(self, files: list[tuple[str, bytes]], out: WrittenBatch) -> None:
        """PUT every (key, body), `puts_at_once` at a time; raise the first failure."""

        def put(file: tuple[str, bytes]) -> None:
            self.s3.put_object(Bucket=self.bucket, Key=file[0], Body=file[1])

        if self.puts_at_once <= 1 or len(files) <= 1:
            for file in files:
                put(file)
        else:
            with ThreadPoolExecutor(min(self.puts_at_once, len(files))) as pool:
                list(pool.map(put, files))
        out.bytes += sum(len(body) for _, body in files)

    def write(
        self,
        batch_id: str,
        records: Sequence[tuple[StreamRecord, str | None, str]],
        tables: dict[str, list[dict[str, Any]]],
    ) -> WrittenBatch:
        """Write raw (every user record: (record, event_id, event type or _invalid)) and curated rows."""
        out = WrittenBatch(batch_id)
        raw_groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for rec, event_id, kind in records:
            arrival = datetime.fromtimestamp(rec.arrival_ms / 1000, UTC) if rec.arrival_ms else None
            raw_groups[(kind, _day(arrival or datetime.now(UTC)))].append(
                {
                    "stream": rec.stream,
                    "shard_id": rec.shard_id,
                    "sequence_number": rec.sequence_number,
                    "sub_sequence_number": rec.sub_sequence_number,
                    "partition_key": rec.partition_key,
                    "arrival": arrival,
                    "event_id": event_id,
                    "data": rec.data,
                }
            )
        files: list[tuple[str, bytes]] = []
        for (kind, day), rows in sorted(raw_groups.items()):
            key = f"raw/event_type={kind}/date={day}/{batch_id}.parquet"
            files.append((key, _parquet(pa.Table.from_pylist(rows, schema=RAW_SCHEMA))))
            out.raw.append(key)
        # Curated files are partitioned by ingestion date: one file per table and batch, however
        # many event dates a batch spans (event dates are columns, for pruning inside the file).
        today = _day(datetime.now(UTC))
        for table, rows in sorted(tables.items()):
            # The name carries a digest of the rows: a re-delivery that yields the same rows
            # rewrites the same file; one that yields fewer (some already loaded) never replaces it.
            digest = hashlib.sha1(repr(sorted(str(r) for r in rows)).encode(), usedforsecurity=False)
            key = f"curated/{table}/date={today}/{batch_id}-{digest.hexdigest()[:12]}.parquet"
            files.append((key, _parquet(to_arrow(table, rows))))
            out.curated.append(LakeFile(table, self.bucket, key, len(files[-1][1]), len(rows)))
        self._put_all(files, out)
        return out

    def write_copy_manifests(self, files: Iterable[LakeFile], prefix: str) -> dict[str, str]:
        """PUT one Redshift COPY manifest per table of `files` under `prefix`; table -> its key.
        (A load cycle writes its own over every batch it loads: this loads a batch on its own.)"""
        keys: dict[str, str] = {}
        for table, body in copy_manifests(files).items():
            keys[table] = f"{prefix.rstrip('/')}/{table}.manifest"
            self.s3.put_object(Bucket=self.bucket, Key=keys[table], Body=body)
        return keys

    def write_dead(self, batch_id: str, dead: Sequence[DeadLetter]) -> str | None:
        """Archive a batch's dead letters (the durable record reconcile counts; SQS is for operators)."""
        if not dead:
            return None
        rows = [
            {
                "reason": d.reason,
                "stream": d.stream,
                "shard_id": d.shard_id,
                "sequence_number": d.sequence_number,
                "sub_sequence_number": d.sub_sequence_number,
                "event_id": d.event_id,
                "detected_at": d.detected_at,
                "raw": d.raw,
            }
            for d in dead
        ]
        key = f"dead/date={_day(datetime.now(UTC))}/{batch_id}.parquet"
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=_parquet(pa.Table.from_pylist(rows, schema=DEAD_SCHEMA))
        )
        return key
