"""A curated batch's manifests, checked against the lake before anything is loaded. Pure.

A batch lands one Redshift COPY manifest per table; each entry names a Parquet file with its
size and row count. `check_manifests` verifies every file is there with that size, through
a `size_of(bucket, key)` port (None when the object is missing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

S3_URL = re.compile(r"s3://([^/]+)/(.+)")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One file of a table's batch."""

    table: str
    bucket: str
    key: str
    size: int
    rows: int


@dataclass
class ManifestCheck:
    """What the manifests of a batch promise, and what did not match."""

    entries: list[ManifestEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file is present with the promised size."""
        return not self.problems and bool(self.entries)

    def rows(self) -> dict[str, int]:
        """Rows promised per table."""
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.table] = out.get(e.table, 0) + e.rows
        return out


def parse_manifest(table: str, body: bytes) -> list[ManifestEntry]:
    """The entries of one COPY manifest; ValueError when it is not one."""
    doc = json.loads(body)
    entries = []
    for raw in doc["entries"]:
        m = S3_URL.fullmatch(raw["url"])
        if not m:
            raise ValueError(f"manifest entry is not an s3:// URL: {raw['url']!r}")
        meta = raw.get("meta", {})
        entries.append(
            ManifestEntry(
                table, m.group(1), m.group(2), int(meta["content_length"]), int(meta["record_count"])
            )
        )
    return entries


def check_manifests(
    manifests: Mapping[str, bytes | None], size_of: Callable[[str, str], int | None]
) -> ManifestCheck:
    """Parse each table's manifest (None: missing) and check its files exist with their sizes."""
    check = ManifestCheck()
    if not manifests:
        check.problems.append("the batch names no manifest")
    for table, body in sorted(manifests.items()):
        if body is None:
            check.problems.append(f"{table}: manifest missing")
            continue
        try:
            entries = parse_manifest(table, body)
        except (ValueError, KeyError, TypeError) as err:
            check.problems.append(f"{table}: unreadable manifest ({type(err).__name__}: {err})")
            continue
        for e in entries:
            size = size_of(e.bucket, e.key)
            if size is None:
                check.problems.append(f"{table}: s3://{e.bucket}/{e.key} is missing")
            elif size != e.size:
                check.problems.append(
                    f"{table}: s3://{e.bucket}/{e.key} is {size} bytes, manifest says {e.size}"
                )
        check.entries.extend(entries)
    return check
