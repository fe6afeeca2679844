"""Publish a stream of items in chunks, optionally paced to a rate, with progress callbacks."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from producers.publisher import KinesisPublisher, PublishItem, PublishReport
from producers.ratelimit import TokenBucket

T = TypeVar("T")
UNPACED_CHUNK = 5_000


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def publish_stream(
    publisher: KinesisPublisher,
    items: Iterable[PublishItem],
    *,
    rate: float | None = None,
    on_chunk: Callable[[PublishReport, int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    chunk_s: float = 0.25,
) -> PublishReport:
    """Publish `items` chunk by chunk (every `chunk_s` at `rate` events/s, or as fast as possible).

    Each chunk is sent as soon as it is full, so a slow rate does not hold records back
    waiting for a 500-record batch. Returns the merged report; `on_chunk(report, seen)`
    is called after each chunk.
    """
    size = max(1, int(rate * chunk_s)) if rate else UNPACED_CHUNK
    bucket = TokenBucket(rate, burst=size) if rate else None
    total = PublishReport()
    seen = 0
    started = time.monotonic()
    for chunk in chunks(items, size):
        if should_stop():
            break
        if bucket:
            bucket.acquire(len(chunk))
        total.absorb(publisher.publish(chunk), seen)
        seen += len(chunk)
        total.elapsed_s = time.monotonic() - started
        if on_chunk:
            on_chunk(total, seen)
    total.elapsed_s = time.monotonic() - started
    return total
