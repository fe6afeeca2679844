"""File uploads (CSV, JSON, JSON Lines, XML) turned into the same typed events.

Every record becomes an envelope dict and is validated by the schemas. A record that fails
is reported with its file, row number and reason; the good ones are still returned. Rows
without an `event_id` get one derived from the file's content and the row number, so the
same file uploaded twice yields the same ids (and is counted once downstream).

Row shapes (one record per row / object / <event>):
- envelope fields: `event_type` (required), `event_id`, `occurred_at`, `source` (optional);
- payload fields flat beside them; nested ones with dotted CSV headers (`unit_price.amount`)
  or nested JSON/XML; lists as JSON in a CSV cell or `a|b` for plain strings;
- a JSON object with a `data` member is taken as a full envelope.
Row numbers count records from 1 (CSV: data rows after the header; JSON Lines: lines split
on "\\n" only; JSON: array elements; XML: children of the root); row 0 is the whole file.

Hostile input: files are read as streams (a hashing pass for the ids, then a parsing pass)
holding one row at a time, at most MAX_ROW_BYTES; a row that is too large, too deep, not
UTF-8, ambiguous (duplicate keys, headers or children) or that parsing would alter (JSON
numbers are kept exact, as CSV's text is) is refused alone. Nothing a file holds raises.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from producers.file_io import CHUNK_BYTES, Readable
from producers.file_text import Record, csv_records, json_records, jsonl_records
from producers.file_xml import xml_records
from schemas import EVENT_TYPES, Envelope, InvalidEvent, validate_event

FORMATS = ("csv", "json", "jsonl", "xml")
ENVELOPE_FIELDS = ("event_id", "event_type", "schema_version", "occurred_at", "source")
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_REPORTED_ERRORS = 10_000
MAX_REASON_CHARS = 300
_NAMESPACE = uuid.UUID("8b5e4c1e-4a0e-4d59-9a35-1f1c3c2f7a10")
Opener = Callable[[], Readable]


@dataclass(frozen=True, slots=True)
class RowError:
    """A record that could not become an event."""

    file: str
    row: int
    reason: str


@dataclass
class IngestResult:
    """What one file held: counts, the rows refused (the first 10,000 kept), the events if kept."""

    file: str
    format: str
    rows: int = 0
    event_count: int = 0
    bad_rows: int = 0
    events: list[Envelope[Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def refuse(self, row: int, reason: str) -> None:
        """Count a refused row; keep its error while under MAX_REPORTED_ERRORS."""
        self.bad_rows += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            cut = reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"
            self.errors.append(RowError(self.file, row, cut))

    def summary(self) -> dict[str, Any]:
        """Counts and the errors kept, for reports and `--json`."""
        return {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "events": self.event_count,
            "bad_rows": self.bad_rows,
            "errors_omitted": self.bad_rows - len(self.errors),
            "errors": [asdict(e) for e in self.errors],
        }


class UnsupportedFormat(ValueError):
    """The file's format is not one of FORMATS."""


def detect_format(name: str) -> str:
    """Format from the file name's extension."""
    ext = Path(name).suffix.lower().lstrip(".")
    ext = {"ndjson": "jsonl"}.get(ext, ext)
    if ext not in FORMATS:
        raise UnsupportedFormat(f"{name}: unsupported file type {ext!r}; use one of {', '.join(FORMATS)}")
    return ext


_READERS: dict[str, Callable[[Readable], Iterator[tuple[int, Record]]]] = {
    "csv": csv_records,
    "json": json_records,
    "jsonl": jsonl_records,
    "xml": xml_records,
}


def to_envelope(
    rec: dict[str, Any], *, file_digest: str, row: int, received_at: datetime, fmt: str
) -> dict[str, Any]:
    """Shape one record as an envelope dict (ids and defaults filled in), not yet validated."""
    if "data" in rec and isinstance(rec["data"], dict):
        env = dict(rec)
    else:
        env = {k: rec[k] for k in ENVELOPE_FIELDS if k in rec}
        env["data"] = {k: v for k, v in rec.items() if k not in ENVELOPE_FIELDS}
    env.setdefault("event_id", str(uuid.uuid5(_NAMESPACE, f"{file_digest}:{row}")))
    env.setdefault("occurred_at", received_at.isoformat())
    env.setdefault("source", f"upload:{fmt}")
    env.setdefault("schema_version", 1)
    return env


class _Rewound:
    """A stream whose first bytes were already read to look at them."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self.head, self.rest = head, rest

    def read(self, size: int, /) -> bytes:
        if self.head:
            out, self.head = self.head[:size], self.head[size:]
            return out
        return self.rest.read(size)


def _digest(open_stream: Opener) -> tuple[str, int]:
    """SHA-256 and size of the stream, reading no further than MAX_FILE_BYTES + 1."""
    h, size, stream = hashlib.sha256(), 0, open_stream()
    try:
        while size <= MAX_FILE_BYTES and (chunk := stream.read(CHUNK_BYTES)):
            h.update(chunk)
            size += len(chunk)
    finally:
        getattr(stream, "close", lambda: None)()
    return h.hexdigest(), size


def _not_text(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return "file is not UTF-8 text (it holds NUL bytes: UTF-16 or binary)"
    return None


def iter_events(
    open_stream: Opener, result: IngestResult, *, received_at: datetime | None = None, size: int | None = None
) -> Iterator[Envelope[Any]]:
    """Stream the valid events of one upload, counting rows and refusals in `result`.

    `open_stream` is called twice (hash, then parse). `size`, if known, refuses an oversized
    file before any byte is read. Memory is one row, whatever the file's size.
    """
    fmt = result.format
    if size is None or size <= MAX_FILE_BYTES:
        digest, size = _digest(open_stream)
    if size > MAX_FILE_BYTES:
        result.refuse(0, f"file is {size} bytes, above {MAX_FILE_BYTES}")
        return
    received_at = received_at or datetime.now(UTC)
    stream = open_stream()
    try:
        head = stream.read(CHUNK_BYTES)
        if problem := _not_text(head):
            result.refuse(0, problem)
            return
        for row, rec in _READERS[fmt](_Rewound(head, stream)):
            result.rows += row > 0
            if isinstance(rec, str):
                result.refuse(row, rec)
                continue
            etype = rec.get("event_type")
            if not isinstance(etype, str) or etype not in EVENT_TYPES:
                result.refuse(row, f"unknown event_type {etype!r}; expected one of {', '.join(EVENT_TYPES)}")
                continue
            try:
                env = to_envelope(rec, file_digest=digest, row=row, received_at=received_at, fmt=fmt)
                event = validate_event(env)
            except InvalidEvent as err:
                result.refuse(row, err.reason)
                continue
            result.event_count += 1
            yield event
    finally:
        getattr(stream, "close", lambda: None)()


def ingest_bytes(
    content: bytes, name: str, *, received_at: datetime | None = None, fmt: str | None = None
) -> IngestResult:
    """Parse one uploaded file into validated events and row errors; never raises on bad rows."""
    result = IngestResult(file=name, format=fmt or detect_format(name))
    result.events = list(iter_events(lambda: io.BytesIO(content), result, received_at=received_at))
    return result


def ingest_path(path: Path, *, received_at: datetime | None = None) -> IngestResult:
    """`ingest_bytes` for a file on disk, read as a stream (errors name the path given)."""
    result = IngestResult(file=str(path), format=detect_format(path.name))
    result.events = list(iter_events(lambda: path.open("rb"), result, received_at=received_at))
    return result
