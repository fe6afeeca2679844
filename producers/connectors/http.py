"""The async HTTP client every connector uses: rate limited, retrying, with one-line errors.

Retries 429 and 5xx responses and connection errors with exponential backoff and jitter,
honouring `Retry-After` (seconds or an HTTP date, capped by `max_retry_after_s`), at most
`max_attempts` times. Other 4xx responses fail at once: retrying cannot fix them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpx

from producers.ratelimit import TokenBucket

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ApiError(RuntimeError):
    """An API call that failed for good; the message is one actionable line."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header (delta seconds or HTTP date) into seconds, None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ApiClient:
    """Base for connectors: `get_json` with auth headers, rate limit and retries."""

    name = "api"

    def __init__(
        self,
        base_url: str,
        *,
        rate_per_s: float = 5.0,
        max_attempts: int = 5,
        base_delay_s: float = 0.2,
        max_delay_s: float = 10.0,
        max_retry_after_s: float = 60.0,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.bucket = TokenBucket(rate_per_s, burst=max(1.0, rate_per_s))
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.max_retry_after_s = max_retry_after_s
        self._sleep = sleep
        self._rng = random.Random()
        self.http = httpx.AsyncClient(timeout=timeout_s, transport=transport)
        self.retries = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a request (none by default)."""
        return {}

    def _backoff(self, attempt: int) -> float:
        return self._rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with rate limiting and retries; return the successful response or raise ApiError."""
        full = url if url.startswith("http") else f"{self.base_url}{url}"
        last = ""
        for attempt in range(1, self.max_attempts + 1):
            await self.bucket.acquire_async()
            headers = {**kwargs.pop("headers", {}), **await self.auth_headers()}
            try:
                resp = await self.http.request(method, full, headers=headers, **kwargs)
            except httpx.TransportError as err:
                last = f"{type(err).__name__}: {err}"
                delay = self._backoff(attempt)
            else:
                if resp.status_code < 400:
                    return resp
                if resp.status_code not in RETRY_STATUSES:
                    raise ApiError(
                        f"{self.name}: {method} {full} -> HTTP {resp.status_code}: {resp.text[:200]}",
                        resp.status_code,
                    )
                last = f"HTTP {resp.status_code}"
                hinted = retry_after_seconds(resp.headers.get("Retry-After"))
                delay = min(hinted, self.max_retry_after_s) if hinted is not None else self._backoff(attempt)
            if attempt < self.max_attempts:
                self.retries += 1
                await self._sleep(delay)
        raise ApiError(f"{self.name}: {method} {full} failed after {self.max_attempts} attempts ({last})")

    async def get_json(self, url: str, **params: Any) -> Any:
        """GET a JSON document."""
        resp = await self.request("GET", url, params=params or None)
        try:
            return resp.json()
        except ValueError as err:
            raise ApiError(f"{self.name}: {url} returned invalid JSON: {err}") from None
