"""The local cloud's stream records, kept compact: the emulator holds every record for the
stream's retention (24 hours), so its memory grows with every event until then.

ministack keeps a record as a dict of four entries with the data as base64 text: about 880 bytes
for one of the platform's events (measured with tracemalloc). `StreamRecord` keeps the same four
fields in slots (the data as bytes, the sequence number as an integer, the partition key
shared with the other records of its key) and gives them back as ministack reads them
(`r["Data"]` is the base64 text again, re-encoded on each read): about 550 bytes. A shard's
list becomes a `RecordList`, whose `append` stores a `StreamRecord`; persistence (`get_state`)
writes the records as dicts, so a saved state reads back as before.
"""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, SupportsIndex, overload

FIELDS = ("SequenceNumber", "ApproximateArrivalTimestamp", "Data", "PartitionKey")


class StreamRecord:
    """One stream record, read like ministack's dict (`r["Data"]`, `r.get(...)`, `dict(r)`)."""

    __slots__ = ("at", "data", "key", "seq", "width")

    def __init__(self, record: Mapping[str, Any], data: bytes) -> None:
        seq: str = record["SequenceNumber"]
        digits = seq.isascii() and seq.isdigit()
        self.seq: int | str = int(seq) if digits else seq  # ministack's are 30 zero-padded digits
        self.width = len(seq) if digits else 0
        self.at: float = record["ApproximateArrivalTimestamp"]
        self.key: str = sys.intern(record["PartitionKey"])  # a concert's events share their key
        self.data = data  # the bytes of the record's base64 text

    def __getitem__(self, name: str) -> Any:
        if name == "Data":
            return base64.b64encode(self.data).decode("ascii")
        if name == "SequenceNumber":
            return str(self.seq).zfill(self.width) if self.width else self.seq
        if name == "ApproximateArrivalTimestamp":
            return self.at
        if name == "PartitionKey":
            return self.key
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        """As `dict.get`."""
        return self[name] if name in FIELDS else default

    def __contains__(self, name: object) -> bool:
        return name in FIELDS

    def keys(self) -> tuple[str, ...]:
        """The four field names (so `dict(record)` works)."""
        return FIELDS

    def __iter__(self) -> Iterator[str]:
        return iter(FIELDS)

    def __len__(self) -> int:
        return len(FIELDS)

    def as_dict(self) -> dict[str, Any]:
        """The dict ministack would have kept."""
        return {name: self[name] for name in FIELDS}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StreamRecord | Mapping):
            return self.as_dict() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def _unpacked(data: Any) -> bytes | None:
    """The bytes of base64 text that encodes back to the same text; None for anything else."""
    if not isinstance(data, str):
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == data else None


def compact(record: Any) -> Any:
    """A record dict as a `StreamRecord`; anything else (another shape, data that is not
    canonical base64 text) as it is, so every record reads back exactly as it was kept."""
    if type(record) is dict and len(record) == len(FIELDS) and all(f in record for f in FIELDS):
        data = _unpacked(record["Data"])
        if data is not None:
            return StreamRecord(record, data)
    return record


class RecordList(list[Any]):
    """A shard's records: what is appended is kept compact; a slice is a `RecordList` too."""

    def __init__(self, records: Iterable[Any] = ()) -> None:
        super().__init__(compact(r) for r in records)

    def append(self, record: Any) -> None:
        super().append(compact(record))

    def extend(self, records: Iterable[Any]) -> None:
        super().extend(compact(r) for r in records)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> RecordList: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        if isinstance(index, slice):
            out = RecordList()
            list.extend(out, list.__getitem__(self, index))  # already compact: a C-speed copy
            return out
        return list.__getitem__(self, index)


def compact_shards(stream: dict[str, Any]) -> None:
    """Every shard of `stream` keeps a `RecordList` (a new shard's, or a restored one's, converted once)."""
    for shard in stream.get("shards", {}).values():
        if type(shard.get("records")) is not RecordList:
            shard["records"] = RecordList(shard.get("records") or ())


def plain_state(state: dict[str, Any]) -> dict[str, Any]:
    """ministack's persisted Kinesis state with every record a dict again (JSON-ready)."""
    streams = state.get("streams")
    values = getattr(streams, "_data", streams) or {}
    for stream in values.values() if isinstance(values, Mapping) else ():
        for shard in stream.get("shards", {}).values():
            shard["records"] = [r.as_dict() if isinstance(r, StreamRecord) else r for r in shard["records"]]
    return state


def patch_stream_records(module: Any = None) -> bool:
    """Keep ministack's stream records compact (idempotent); False if its module has changed."""
    if module is None:
        from ministack.services import kinesis as ministack_kinesis  # type: ignore[import-untyped]

        module = ministack_kinesis
    kinesis = module
    if getattr(kinesis, "concert_compact_records", False):
        return True
    if not all(callable(getattr(kinesis, name, None)) for name in ("_expire_records", "get_state")):
        return False
    expire: Callable[[dict[str, Any]], None] = kinesis._expire_records
    get_state: Callable[[], dict[str, Any]] = kinesis.get_state

    def expire_compact(stream: dict[str, Any]) -> None:  # runs before every put and read
        compact_shards(stream)
        expire(stream)
        compact_shards(stream)

    kinesis._expire_records = expire_compact
    kinesis.get_state = lambda: plain_state(get_state())
    kinesis.concert_compact_records = True
    return True
