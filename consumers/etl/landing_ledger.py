"""The landing ledger: one S3 object per landed batch, what makes a batch safe before it is loaded.

`ledger/landed/<landed-at ms>-<batch id>.json` holds the batch's curated files (each with its size
and rows), rows per table and partitions. The KCL worker writes it last, after the batch's lake
files and dead letters, and may checkpoint once it is there (a PutObject is atomic). The load
cycle lists the entries; the warehouse's `etl_batches` rows, written in the load's own
transaction, say which are finished, and finished entries are then removed. A crash between
the two leaves an entry the next cycle finds finished and removes: nothing is loaded twice,
nothing landed is forgotten.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


PREFIX = "ledger/landed/"


class LandingLedger:
    """Writes, lists and removes landing-ledger entries in the lake bucket."""

    def __init__(self, s3: S3Client, bucket: str, prefix: str = PREFIX) -> None:
        self.s3, self.bucket, self.prefix = s3, bucket, prefix

    def record(self, batch: Mapping[str, Any], now_ms: int | None = None) -> dict[str, Any]:
        """Write the entry of a landed batch; return it (with its landing time)."""
        landed_at = int(now_ms if now_ms is not None else time.time() * 1000)
        entry = {**batch, "landed_at_ms": landed_at}
        key = f"{self.prefix}{landed_at:013d}-{batch['batch_id']}.json"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(entry).encode())
        return {**entry, "ledger_key": key}

    def keys(self) -> list[str]:
        """Every entry's key, oldest first."""
        out: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            out.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(out)

    def oldest_age_s(self, now_ms: int | None = None) -> float | None:
        """How long the oldest entry has waited (from its key, no read); None when there is none."""
        keys = self.keys()
        if not keys:
            return None
        landed = int(keys[0][len(self.prefix) :].split("-", 1)[0])
        return (int(now_ms if now_ms is not None else time.time() * 1000) - landed) / 1000

    def pending(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The entries, oldest first (up to `limit`), read 16 at a time; an entry gone
        meanwhile is skipped."""

        def read(key: str) -> dict[str, Any] | None:
            try:
                body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError:
                return None  # removed by a finishing cycle since the listing
            return {**json.loads(body), "ledger_key": key}

        with ThreadPoolExecutor(max_workers=16) as pool:
            return [e for e in pool.map(read, self.keys()[:limit]) if e is not None]

    def remove(self, keys: Iterable[str]) -> int:
        """Remove finished entries; return how many were asked."""
        listed = list(keys)
        for i in range(0, len(listed), 1_000):
            chunk = listed[i : i + 1_000]
            self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk]})
        return len(listed)
