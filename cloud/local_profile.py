"""Where the local cloud's time goes, by service and operation: calls, wall seconds and CPU
seconds of the emulator's request thread per (service, operation), written as JSON every few
seconds while it runs. Off unless `CONCERT_LOCAL_CLOUD_PROFILE` names a file; a diagnostic for
the benchmarks (the emulator is one Python process: its request thread is the platform's
ceiling on a small machine), never on in a user's platform by default.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

Handler = Callable[..., Awaitable[Any]]
_WRITE_EVERY_S = 5.0


def operation(
    service: str, method: str, path: str, headers: Mapping[str, str], query: Mapping[str, Any]
) -> str:
    """The API operation of a request: the JSON protocols' target, the query protocol's Action,
    or for the REST services the method and the kind of resource."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if target := lowered.get("x-amz-target"):
        return str(target).rsplit(".", 1)[-1]
    action = query.get("Action")
    if action:
        return str(action[0] if isinstance(action, list) else action)
    parts = [p for p in path.split("/") if p]
    if service == "lambda" and parts and parts[-1] == "invocations":
        return "Invoke"
    if service == "s3":
        return f"{method} {'object' if len(parts) > 1 else 'bucket'}"
    return f"{method} {parts[0] if parts else '/'}"


class OperationProfile:
    """Totals per (service, operation), kept under a lock and written out now and then."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._lock = threading.Lock()
        self._totals: defaultdict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        self._started = time.monotonic()
        self._written = 0.0

    def wrap(self, service: str, handler: Handler) -> Handler:
        """The handler, timed."""

        async def timed(method: str, path: str, headers: Any, body: bytes, query: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return await handler(method, path, headers, body, query)
            finally:
                self.record(service, operation(service, method, path, headers or {}, query or {}), wall, cpu)

        return timed

    def record(self, service: str, op: str, wall: float, cpu: float) -> None:
        """Add one call that began at (`wall`, `cpu`)."""
        with self._lock:
            total = self._totals[(service, op)]
            total[0] += 1
            total[1] += time.perf_counter() - wall
            total[2] += time.thread_time() - cpu
            due = time.monotonic() - self._written > _WRITE_EVERY_S
        if due:
            self.write()

    def write(self) -> None:
        """The totals so far, busiest first."""
        with self._lock:
            rows = [
                {"service": s, "operation": o, "calls": int(c), "wall_s": round(w, 3), "cpu_s": round(u, 3)}
                for (s, o), (c, w, u) in sorted(self._totals.items(), key=lambda kv: -kv[1][2])
            ]
            self._written = time.monotonic()
        body = {"seconds": round(time.monotonic() - self._started, 1), "operations": rows}
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=1))
        tmp.replace(self.out)


def install(handlers: dict[str, Handler], out: str) -> OperationProfile:
    """Time every service handler of the emulator (its `SERVICE_HANDLERS`)."""
    profile = OperationProfile(Path(out))
    for service, handler in list(handlers.items()):
        handlers[service] = profile.wrap(service, handler)
    return profile
