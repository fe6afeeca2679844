"""Start load cycles: `CuratedBatchLanded` on EventBridge, the ETL workflow's trigger.

The workflow loads everything landed in cycles, so one event per landing is more than it
needs: `CycleTrigger` sends at most one event per `min_interval_s` and always one after the
last landing of a burst (trailing edge), so no landed batch waits for a later one. A send that
fails is retried on the next timer tick with backoff: the batch is already safe in the
landing ledger, and a trigger is only a nudge.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from consumers.etl.events import EventBus, batch_landed


class BatchAnnouncer:
    """PutEvents of `CuratedBatchLanded` on one bus; raises if the event was not accepted."""

    def __init__(self, events: EventBus, bus: str = "default") -> None:
        self.events, self.bus = events, bus

    def announce(
        self,
        batch_id: str,
        bucket: str,
        rows: Mapping[str, int],
        partitions: Sequence[str] = (),
        **_: Any,
    ) -> None:
        """Send the event (a cycle already running picks the batch up as well)."""
        entry = batch_landed(self.bus, batch_id, bucket, rows, partitions)
        resp = self.events.put_events(Entries=[entry])
        if resp.get("FailedEntryCount"):
            entry = resp["Entries"][0]
            raise RuntimeError(
                f"CuratedBatchLanded not accepted: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            )


class Announcer(Protocol):
    """Where landings are announced (BatchAnnouncer on EventBridge)."""

    def announce(
        self,
        batch_id: str,
        bucket: str,
        rows: Mapping[str, int],
        partitions: Sequence[str] = (),
        **extra: Any,
    ) -> None:
        """Send one landing; raise if it was not accepted."""
        ...


class CycleTrigger:
    """Debounced announcements: at most one per interval, one always after the last landing."""

    def __init__(
        self,
        announcer: Announcer,
        *,
        min_interval_s: float = 1.0,
        max_backoff_s: float = 30.0,
        log: Callable[[str], None] = lambda _m: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.announcer, self.min_interval_s, self.max_backoff_s = announcer, min_interval_s, max_backoff_s
        self.log, self.clock = log, clock
        self._lock = threading.Lock()
        self._latest: dict[str, Any] | None = None  # the newest landing not announced yet
        self._last_sent = -1e18
        self._timer: threading.Timer | None = None
        self._failures = 0
        self.sent = 0

    def landed(self, batch: dict[str, Any]) -> None:
        """A batch landed: announce now, or at the end of the current interval."""
        with self._lock:
            self._latest = batch
            if self._timer is not None:
                return  # the pending tick will announce it
            wait = self._last_sent + self.min_interval_s - self.clock()
            if wait > 0:
                self._schedule(wait)
                return
        self._send()

    def flush(self) -> bool:
        """Announce a landing still waiting for its tick now (at shutdown); True when none is left."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._send()
        with self._lock:
            return self._latest is None

    def _schedule(self, delay_s: float) -> None:
        self._timer = threading.Timer(delay_s, self._tick)
        self._timer.daemon = True
        self._timer.start()

    def _tick(self) -> None:
        with self._lock:
            self._timer = None
        self._send()

    def _send(self) -> None:
        with self._lock:
            batch, self._latest = self._latest, None
            if batch is None:
                return
            self._last_sent = self.clock()
        try:
            self.announcer.announce(**batch)
            with self._lock:
                self.sent += 1
                self._failures = 0
        except Exception as err:
            with self._lock:
                self._latest = self._latest or batch  # announce it (or a newer landing) again
                self._failures += 1
                delay = min(self.max_backoff_s, max(0.2, self.min_interval_s) * 2**self._failures)
                if self._timer is None:
                    self._schedule(delay)
            self.log(f"load trigger not sent ({type(err).__name__}: {err}); again in {delay:.1f}s")
