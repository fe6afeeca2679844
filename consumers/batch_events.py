"""Announce landed curated batches on EventBridge: what starts the ETL workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from consumers.etl.events import batch_landed


class BatchAnnouncer:
    """PutEvents of `CuratedBatchLanded` on one bus; raises if the event was not accepted."""

    def __init__(self, events: Any, bus: str = "default") -> None:
        self.events, self.bus = events, bus

    def announce(
        self,
        batch_id: str,
        bucket: str,
        manifests: Mapping[str, str],
        rows: Mapping[str, int],
        partitions: Sequence[str] = (),
    ) -> None:
        """Send the event (again, if asked: the workflow skips a batch it already finished)."""
        entry = batch_landed(self.bus, batch_id, bucket, manifests, rows, partitions)
        resp = self.events.put_events(Entries=[entry])
        if resp.get("FailedEntryCount"):
            entry = resp["Entries"][0]
            raise RuntimeError(
                f"CuratedBatchLanded not accepted: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            )
