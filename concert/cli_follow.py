"""A steady live feed into the platform (`concert produce --follow`, and `concert up` after its
history): sales drawn from the workload's demand (only for the concerts the warehouse holds, so
no sale waits for its concert), timed now, at a rate, until Ctrl-C or a bound,
with one status line: sales sent and their rate, how far behind the warehouse and the live view
are (the age of the newest event each holds)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from cloud.clients import client
from concert.cli_support import EXIT_FAILED, CommandError, err, nullcontext
from concert.pipeline_checks import live_total
from concert.runtime import Runtime

STATUS_EVERY_S = 2.0
WAIT_FOR_CONCERTS_S = 180.0  # for the warehouse to load the workload's first concerts


def lags(outputs: dict[str, str]) -> dict[str, float | None]:
    """Seconds since the newest event the warehouse holds and the live view counted arrived."""
    from consumers.warehouse.client import DataApiWarehouse

    now = time.time()
    row = DataApiWarehouse(client("redshift-data")).query("SELECT MAX(arrived_at) AS at FROM event_log")[0]
    newest = row.get("at")
    warehouse = round(now - newest.timestamp(), 1) if isinstance(newest, datetime) else None
    arrived_ms = live_total(client("dynamodb"), outputs["LiveAggregatesTableName"]).get(
        "newest_arrival_ms", 0
    )
    live = round(now - arrived_ms / 1000, 1) if arrived_ms else None
    return {"warehouse_behind_s": warehouse, "live_behind_s": live}


def known_concerts() -> set[int]:
    """The concerts the warehouse holds and has not cancelled."""
    from consumers.warehouse.client import DataApiWarehouse

    rows = DataApiWarehouse(client("redshift-data")).query(
        "SELECT concert_id FROM dim_concert WHERE status IS NULL OR status <> 'cancelled'"
    )
    return {int(r["concert_id"]) for r in rows}


def follow(
    rt: Runtime,
    *,
    rate: float,
    workload: Iterable[Any],
    seconds: float | None,
    show: bool,
    stop: threading.Event,
) -> dict[str, Any]:
    """Produce the live feed of `workload`'s sales, for the concerts the warehouse holds, until
    `stop` is set or `seconds` have passed; what was sent."""
    from producers.live_feed import live_sales, sale_templates
    from producers.pacing import publish_stream
    from producers.publisher import KinesisPublisher

    outputs = rt.outputs()
    sales = sale_templates(workload)
    templates: list[Any] = []
    deadline = time.monotonic() + WAIT_FOR_CONCERTS_S
    while not templates and not stop.is_set():  # right after `up` produced them, they may still be loading
        known = known_concerts()
        templates = [t for t in sales if t.data.concert_id in known]
        if templates or time.monotonic() > deadline:
            break
        stop.wait(2.0)
    if not templates:
        raise CommandError(
            "the platform holds none of this workload's concerts: produce the workload first "
            "(`concert up`), or pass the --seed and --events of the one it holds",
            EXIT_FAILED,
        )
    feed = live_sales(templates, seed=time.time_ns())
    publisher = KinesisPublisher(rt.stream_name(), rt.kinesis())
    started = time.monotonic()
    last: dict[str, Any] = {"at": 0.0, "lags": {}}

    def should_stop() -> bool:
        return stop.is_set() or (seconds is not None and time.monotonic() - started >= seconds)

    with err.status("live feed starting", spinner="dots") if show else nullcontext() as status:

        def on_chunk(report: Any, seen: int) -> None:
            if time.monotonic() - last["at"] < STATUS_EVERY_S:
                return
            last["at"] = time.monotonic()
            try:
                last["lags"] = lags(outputs)
            except Exception:  # a status line never stops the feed
                last["lags"] = {}
            if show:
                status.update(_line(len(report.accepted), report.elapsed_s, last["lags"]))

        report = publish_stream(publisher, feed, rate=rate, on_chunk=on_chunk, should_stop=should_stop)
    summary = report.summary()
    return {
        "rate": rate,
        "seconds": round(time.monotonic() - started, 1),
        "stream": rt.stream_name(),
        "stopped_at": datetime.now(UTC).isoformat(),
        **summary,
        **last["lags"],
    }


def _line(sent: int, elapsed: float, lag: dict[str, float | None]) -> str:
    per_s = sent / elapsed if elapsed else 0.0
    behind = ", ".join(
        f"{name} {value:.1f} s behind" if value is not None else f"{name} has no event yet"
        for name, value in (
            ("warehouse", lag.get("warehouse_behind_s")),
            ("live view", lag.get("live_behind_s")),
        )
    )
    return f"live feed: {sent:,} sales ({per_s:,.1f}/s); {behind}. Ctrl-C stops."
