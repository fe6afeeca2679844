"""A landed batch's files, checked against the lake before anything is loaded, and the Redshift
COPY manifests a cycle loads them through. Pure.

A batch's landing-ledger entry names its curated files, each with its size and row count
(`files`: table -> [{key, size, rows}]): the entry is written after every file it names, so
it is what makes the batch whole and visible, and no per-batch manifest is needed. Entries
landed by an older worker name one COPY manifest per table instead (`manifests`); `files_of`
reads those through a `read(bucket, key)` port. `check_files` verifies every file is there
with its size, through a `size_of(bucket, key)` port (None when the object is missing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

S3_URL = re.compile(r"s3://([^/]+)/(.+)")


@dataclass(frozen=True, slots=True)
class LakeFile:
    """One curated file of a table's batch."""

    table: str
    bucket: str
    key: str
    size: int
    rows: int


@dataclass
class FileCheck:
    """What a batch's files promise, and what did not match."""

    entries: list[LakeFile] = field(default_factory=list)
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


def files_field(files: Iterable[LakeFile]) -> dict[str, list[dict[str, Any]]]:
    """The `files` of a ledger entry: table -> [{key, size, rows}], in the given order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        out.setdefault(f.table, []).append({"key": f.key, "size": f.size, "rows": f.rows})
    return out


def parse_manifest(table: str, body: bytes) -> list[LakeFile]:
    """The entries of one COPY manifest; ValueError when it is not one."""
    doc = json.loads(body)
    entries = []
    for raw in doc["entries"]:
        m = S3_URL.fullmatch(raw["url"])
        if not m:
            raise ValueError(f"manifest entry is not an s3:// URL: {raw['url']!r}")
        meta = raw.get("meta", {})
        entries.append(
            LakeFile(table, m.group(1), m.group(2), int(meta["content_length"]), int(meta["record_count"]))
        )
    return entries


def files_of(batch: Mapping[str, Any], read: Callable[[str, str], bytes | None]) -> FileCheck:
    """The files a ledger entry names (an older entry's through its manifests, read with `read`;
    None: missing), with what made any of them unreadable. Sizes are not checked here."""
    check = FileCheck()
    bucket = str(batch["bucket"])
    if "files" in batch:
        try:
            for table, files in sorted(batch["files"].items()):
                check.entries += [
                    LakeFile(table, bucket, str(f["key"]), int(f["size"]), int(f["rows"])) for f in files
                ]
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            check.problems.append(f"unreadable files in the ledger entry ({type(err).__name__}: {err})")
    else:
        for table, key in sorted(batch.get("manifests", {}).items()):
            body = read(bucket, key)
            if body is None:
                check.problems.append(f"{table}: manifest missing")
                continue
            try:
                check.entries += parse_manifest(table, body)
            except (ValueError, KeyError, TypeError) as err:
                check.problems.append(f"{table}: unreadable manifest ({type(err).__name__}: {err})")
    if not check.entries and not check.problems:
        check.problems.append("the batch names no file")
    return check


def check_files(check: FileCheck, size_of: Callable[[str, str], int | None]) -> FileCheck:
    """`check` with a problem for every file missing or not of its promised size."""
    problems = list(check.problems)
    for e in check.entries:
        size = size_of(e.bucket, e.key)
        if size is None:
            problems.append(f"{e.table}: s3://{e.bucket}/{e.key} is missing")
        elif size != e.size:
            problems.append(f"{e.table}: s3://{e.bucket}/{e.key} is {size} bytes, the ledger says {e.size}")
    return FileCheck(list(check.entries), problems)


def copy_manifests(files: Iterable[LakeFile]) -> dict[str, bytes]:
    """One Redshift COPY manifest per table naming its files (each once, in order)."""
    entries: dict[str, dict[str, dict[str, Any]]] = {}
    for f in files:
        url = f"s3://{f.bucket}/{f.key}"
        entries.setdefault(f.table, {}).setdefault(
            url, {"url": url, "mandatory": True, "meta": {"content_length": f.size, "record_count": f.rows}}
        )
    return {t: json.dumps({"entries": list(e.values())}).encode() for t, e in entries.items()}
