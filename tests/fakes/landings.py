"""In-memory stand-ins for what is told of a landed batch: the pipeline's `Trigger` and the
`Announcer` the cycle trigger sends through (consumers/pipeline.py, consumers/batch_events.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class MemoryTrigger:
    """Keeps the id of every batch said to have landed, in order."""

    def __init__(self) -> None:
        self.landed_ids: list[str] = []

    def landed(self, batch: dict[str, Any]) -> None:
        """Note the batch."""
        self.landed_ids.append(batch["batch_id"])


class MemoryAnnouncer:
    """Keeps every announcement tried (`tried`) and accepted (`sent`); the first `fail_first`
    raise, as a throttled EventBridge would."""

    def __init__(self, fail_first: int = 0) -> None:
        self.tried: list[str] = []
        self.sent: list[str] = []
        self.fail_first = fail_first
        self._changed = threading.Condition()

    def announce(
        self,
        batch_id: str,
        bucket: str,
        rows: Mapping[str, int],
        partitions: Sequence[str] = (),
        **extra: Any,
    ) -> None:
        """Accept the announcement, or raise while failures are left."""
        with self._changed:
            self.tried.append(batch_id)
            self._changed.notify_all()
            if len(self.tried) <= self.fail_first:
                raise RuntimeError("throttled")
            self.sent.append(batch_id)

    def wait_until(self, done: Callable[[MemoryAnnouncer], bool], timeout_s: float) -> bool:
        """True once `done(self)` holds, False if it did not within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not done(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True
