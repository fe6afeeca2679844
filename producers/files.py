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
Row numbers count records from 1 (CSV: data rows after the header; JSON Lines: lines).
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import orjson
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from schemas import EVENT_TYPES, Envelope, InvalidEvent, validate_event

FORMATS = ("csv", "json", "jsonl", "xml")
ENVELOPE_FIELDS = ("event_id", "event_type", "schema_version", "occurred_at", "source")
XML_LIST_FIELDS = frozenset({"genres", "price_tiers"})
MAX_FILE_BYTES = 256 * 1024 * 1024
_NAMESPACE = uuid.UUID("8b5e4c1e-4a0e-4d59-9a35-1f1c3c2f7a10")


@dataclass(frozen=True, slots=True)
class RowError:
    """A record that could not become an event."""

    file: str
    row: int
    reason: str


@dataclass
class IngestResult:
    """The events read from one file and the rows that were refused."""

    file: str
    format: str
    rows: int = 0
    events: list[Envelope[Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts and every error, for reports and `--json`."""
        return {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "events": len(self.events),
            "bad_rows": len(self.errors),
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


def _cell(value: str) -> Any:
    v = value.strip()
    if v[:1] in "[{":
        try:
            return orjson.loads(v)
        except orjson.JSONDecodeError:
            return v
    return v


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ValueError(f"column {key!r} conflicts with a scalar column")
        node[leaf] = value
    return out


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return
    header = [h.strip() for h in header]
    for row_no, row in enumerate(reader, start=1):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            yield row_no, f"expected {len(header)} columns, found {len(row)}"
            continue
        flat = {h: _cell(c) for h, c in zip(header, row, strict=True) if c.strip() != ""}
        if isinstance(flat.get("genres"), str):
            flat["genres"] = [g.strip() for g in flat["genres"].split("|") if g.strip()]
        try:
            yield row_no, _unflatten(flat)
        except ValueError as err:
            yield row_no, str(err)


def _json_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        yield 0, f"file is not valid JSON: {err}"
        return
    if isinstance(doc, dict):
        doc = doc.get("events", [doc])
    if not isinstance(doc, list):
        yield 0, "JSON file must hold an array of events or an object with an `events` array"
        return
    for row_no, obj in enumerate(doc, start=1):
        yield row_no, obj if isinstance(obj, dict) else f"expected an object, found {type(obj).__name__}"


def _jsonl_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for row_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            yield row_no, f"not valid JSON: {err}"
            continue
        yield row_no, obj if isinstance(obj, dict) else f"expected an object, found {type(obj).__name__}"


def _xml_value(el: Element) -> Any:
    children = list(el)
    if not children:
        return (el.text or "").strip()
    tags = {c.tag for c in children}
    if el.tag in XML_LIST_FIELDS or (len(tags) == 1 and len(children) > 1):
        return [_xml_value(c) for c in children]
    return {c.tag: _xml_value(c) for c in children}


def _xml_records(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    try:
        root = SafeET.fromstring(text)
    except (SafeET.ParseError, DefusedXmlException) as err:
        yield 0, f"file is not valid XML: {err}"
        return
    events = [root] if root.tag == "event" else list(root)
    for row_no, el in enumerate(events, start=1):
        if el.tag != "event":
            yield row_no, f"expected <event>, found <{el.tag}>"
            continue
        rec: dict[str, Any] = {("event_type" if k == "type" else k): v for k, v in el.attrib.items()}
        for child in el:
            rec[child.tag] = _xml_value(child)
        yield row_no, rec


_READERS = {"csv": _csv_records, "json": _json_records, "jsonl": _jsonl_records, "xml": _xml_records}


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


def ingest_bytes(
    content: bytes, name: str, *, received_at: datetime | None = None, fmt: str | None = None
) -> IngestResult:
    """Parse one uploaded file into validated events and row errors; never raises on bad rows."""
    fmt = fmt or detect_format(name)
    result = IngestResult(file=name, format=fmt)
    if len(content) > MAX_FILE_BYTES:
        result.errors.append(RowError(name, 0, f"file is {len(content)} bytes, above {MAX_FILE_BYTES}"))
        return result
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        result.errors.append(RowError(name, 0, f"file is not UTF-8: {err}"))
        return result
    digest = hashlib.sha256(content).hexdigest()
    received_at = received_at or datetime.now(UTC)
    for row, rec in _READERS[fmt](text):
        if row > 0:
            result.rows += 1
        if isinstance(rec, str):
            result.errors.append(RowError(name, row, rec))
            continue
        etype = rec.get("event_type")
        if etype not in EVENT_TYPES:
            result.errors.append(
                RowError(name, row, f"unknown event_type {etype!r}; expected one of {', '.join(EVENT_TYPES)}")
            )
            continue
        try:
            env = to_envelope(rec, file_digest=digest, row=row, received_at=received_at, fmt=fmt)
            result.events.append(validate_event(env))
        except InvalidEvent as err:
            result.errors.append(RowError(name, row, err.reason))
    return result


def ingest_path(path: Path, *, received_at: datetime | None = None) -> IngestResult:
    """`ingest_bytes` for a file on disk (errors name the path given)."""
    return ingest_bytes(path.read_bytes(), str(path), received_at=received_at)
