"""A token bucket: `rate` tokens a second, up to `burst` saved; for API clients and paced producing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Thread-safe token bucket with an injectable clock (tests use a fake one)."""

    def __init__(
        self, rate: float, burst: float | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._clock = clock
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def reserve(self, n: float = 1.0) -> float:
        """Take `n` tokens now (possibly going into debt); return how long to wait before using them."""
        if n > self.burst:
            raise ValueError(f"cannot take {n} tokens at once from a bucket of {self.burst}")
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= n
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, n: float = 1.0, *, sleep: Callable[[float], None] = time.sleep) -> float:
        """Block until `n` tokens are available; return the time waited."""
        wait = self.reserve(n)
        if wait > 0:
            sleep(wait)
        return wait

    async def acquire_async(self, n: float = 1.0) -> float:
        """Await until `n` tokens are available; return the time waited."""
        wait = self.reserve(n)
        if wait > 0:
            await asyncio.sleep(wait)
        return wait
