"""A record that cannot become a warehouse row: its reason, raw bytes and place in the stream."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from consumers.records import StreamRecord


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """What the DLQ receives for one rejected user record."""

    reason: str
    raw_b64: str
    stream: str
    shard_id: str
    sequence_number: str
    sub_sequence_number: int
    event_id: str | None
    detected_at: str

    @classmethod
    def of(cls, record: StreamRecord, reason: str, event_id: str | None = None) -> DeadLetter:
        """A dead letter for `record`, keeping its bytes exactly as received."""
        return cls(
            reason,
            base64.b64encode(record.data).decode(),
            record.stream,
            record.shard_id,
            record.sequence_number,
            record.sub_sequence_number,
            event_id or _event_id(record.data),
            datetime.now(UTC).isoformat(),
        )

    @property
    def key(self) -> str:
        """Identity of the record in the stream: a re-delivered record has the same key."""
        return f"{self.shard_id}/{self.sequence_number}/{self.sub_sequence_number}"

    @property
    def raw(self) -> bytes:
        """The record's bytes as received."""
        return base64.b64decode(self.raw_b64)

    def to_json(self) -> str:
        """The DLQ message body."""
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_json(cls, body: str | bytes) -> DeadLetter:
        """Parse a DLQ message body."""
        return cls(**orjson.loads(body))


def _event_id(data: bytes) -> str | None:
    try:
        obj: Any = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    eid = obj.get("event_id") if isinstance(obj, dict) else None
    return str(eid) if isinstance(eid, str) else None
