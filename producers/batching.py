"""Kinesis PutRecords limits and the pure planning of records into batches within them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

MAX_RECORDS_PER_REQUEST = 500
MAX_BYTES_PER_REQUEST = 5 * 1024 * 1024
MAX_BYTES_PER_RECORD = 1024 * 1024  # data blob plus partition key
MAX_PARTITION_KEY_CHARS = 256


@dataclass(frozen=True, slots=True)
class OutRecord:
    """One record to put: what PutRecords takes, plus the event ids it carries (several when aggregated)."""

    partition_key: str
    data: bytes
    event_ids: tuple[str, ...]
    explicit_hash_key: str | None = None

    @property
    def size(self) -> int:
        """Bytes counted against the record and request limits."""
        return len(self.data) + len(self.partition_key.encode())

    def entry(self) -> PutRecordsRequestEntryTypeDef:
        """The PutRecords request entry."""
        e: PutRecordsRequestEntryTypeDef = {"Data": self.data, "PartitionKey": self.partition_key}
        if self.explicit_hash_key is not None:
            e["ExplicitHashKey"] = self.explicit_hash_key
        return e


def record_problem(rec: OutRecord) -> str | None:
    """Why a record can never be put (None if it can)."""
    if not rec.partition_key or len(rec.partition_key) > MAX_PARTITION_KEY_CHARS:
        return f"partition key must be 1-{MAX_PARTITION_KEY_CHARS} characters"
    if rec.size > MAX_BYTES_PER_RECORD:
        return f"record is {rec.size} bytes, above the Kinesis limit of {MAX_BYTES_PER_RECORD} (data + key)"
    return None


def plan_batches(
    records: Iterable[OutRecord],
    *,
    max_records: int = MAX_RECORDS_PER_REQUEST,
    max_bytes: int = MAX_BYTES_PER_REQUEST,
) -> Iterator[list[OutRecord]]:
    """Group records, in order, into batches of at most `max_records` and `max_bytes`.

    Records must already be within the per-record limit (see `record_problem`).
    """
    batch: list[OutRecord] = []
    size = 0
    for rec in records:
        if batch and (len(batch) >= max_records or size + rec.size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(rec)
        size += rec.size
    if batch:
        yield batch
