"""Publish a stream of items in chunks, optionally paced to a rate, with progress callbacks."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
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
    chunks_in_flight: int = 4,
    chunk_size: int | None = None,
) -> PublishReport:
    """Publish `items` chunk by chunk (every `chunk_s` at `rate` events/s, or as fast as possible).

    Each chunk is sent as soon as it is full, so a slow rate does not hold records back
    waiting for a 500-record batch. Chunks are pipelined: the next one is paced and handed
    over while up to `chunks_in_flight` earlier ones are still being put (a put slower than
    `chunk_s` would otherwise lower the rate), each partition key kept in order. Returns the
    merged report; `on_chunk(report, seen)` is called once each chunk is accepted (or
    failed), in order, `seen` counting the items of the chunks done so far. `chunk_size`
    overrides the size the rate gives.
    """
    if chunks_in_flight < 1:
        raise ValueError("chunks_in_flight must be at least 1")
    size = chunk_size or (max(1, int(rate * chunk_s)) if rate else UNPACED_CHUNK)
    bucket = TokenBucket(rate, burst=size) if rate else None
    seen = 0
    pending: deque[tuple[list[Future[None]], int]] = deque()  # (a chunk's requests, seen after it)

    def settle(*, wait_for: int) -> None:
        """Report finished chunks in order; wait until at most `wait_for` remain in flight."""
        while pending and (len(pending) > wait_for or all(f.done() for f in pending[0][0])):
            futures, after = pending.popleft()
            for fut in futures:
                fut.result()
            if on_chunk:
                on_chunk(session.report, after)

    with publisher.session() as session:
        for chunk in chunks(items, size):
            if should_stop():
                break
            if bucket:
                bucket.acquire(len(chunk))
            futures = session.send(chunk)
            seen += len(chunk)
            pending.append((futures, seen))
            settle(wait_for=chunks_in_flight - 1)
            session.report.elapsed_s = time.monotonic() - session.started
        settle(wait_for=0)
    return session.report
