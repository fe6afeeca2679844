"""An in-memory EventBridge bus (the `EventBus` port of consumers/etl/events.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class MemoryEventBus:
    """Keeps every entry put, in order; the entries of the first `fail_first` calls are refused."""

    def __init__(self, fail_first: int = 0) -> None:
        self.entries: list[Mapping[str, Any]] = []
        self.fail_first = fail_first
        self.calls = 0

    def put_events(self, *, Entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Accept the entries (each gets an id) or refuse them all, as PutEvents answers."""
        self.calls += 1
        if self.calls <= self.fail_first:
            refused = {"ErrorCode": "ThrottlingException", "ErrorMessage": "injected"}
            return {"FailedEntryCount": len(Entries), "Entries": [refused for _ in Entries]}
        first = len(self.entries)
        self.entries.extend(Entries)
        return {
            "FailedEntryCount": 0,
            "Entries": [{"EventId": f"e-{first + i + 1}"} for i in range(len(Entries))],
        }
