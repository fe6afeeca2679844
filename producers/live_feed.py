"""A live feed of ticket sales that follows the workload's demand: what `make up` keeps producing
after the history, and `concert produce --follow`.

The feed draws each sale from the workload's own sales (the demand model: which concerts sell, in
which tiers and channels, in what quantities, to which customers), for concerts the workload
never cancelled, as a new order timed now: a new event id and sale id, `occurred_at` the moment it
is taken. So a feed beside the history it came from adds to the same concerts, venues and
artists, and the Live page and the warehouse keep moving. Pure: no AWS client.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from schemas import ConcertCancelled, Envelope, TicketSold

FEED_SALE_IDS = (1_000_000_000, 2_000_000_000)  # above a workload's own sale ids (1..N)


def sale_templates(events: Iterable[Envelope[Any]]) -> list[Envelope[Any]]:
    """The workload's ticket sales whose concert it never cancels."""
    events = list(events)
    cancelled = {e.data.concert_id for e in events if isinstance(e.data, ConcertCancelled)}
    return [e for e in events if isinstance(e.data, TicketSold) and e.data.concert_id not in cancelled]


def live_sales(
    templates: Sequence[Envelope[Any]],
    *,
    seed: int | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Envelope[Any]]:
    """Endless new sales drawn from `templates`, each a new order timed by `clock` when taken."""
    if not templates:
        raise ValueError("the workload has no ticket sales to follow")
    rng = random.Random(seed)
    low, high = FEED_SALE_IDS
    while True:
        template = rng.choice(templates)
        data = template.data.model_copy(update={"sale_id": rng.randrange(low, high)})
        yield template.model_copy(
            update={
                "event_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "occurred_at": clock(),
                "data": data,
            }
        )
