"""The broadcaster: invoked asynchronously by the live-aggregates consumer with the keys a
delivery changed (`{"keys": [[pk, sk], ...]}`), it reads their values, makes one compact
delta frame and posts it to every subscribed connection through `@connections`. Gone
connections are forgotten. Live frames are best effort: a failed post is logged and counted,
never retried (a client that missed frames catches up from the snapshot it gets on
reconnect), and the consumer never waits for it."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from functions.dashboard import wiring
from functions.dashboard.frames import delta_frame

logger = Logger(service="dashboard-broadcast")
tracer = Tracer(service="dashboard-broadcast")
metrics = Metrics(namespace="ConcertDataPlatform", service="dashboard-broadcast")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Push the changed keys' values to the subscribers; report what was delivered."""
    parts = wiring.broadcast_parts()
    keys = [(str(k[0]), str(k[1])) for k in event.get("keys", [])]
    frame = delta_frame(parts.aggregates.items(keys), sent_ms=int(time.time() * 1000)) if keys else None
    if frame is None:
        return {"items": 0, "sent": 0}
    subscribers = parts.connections.subscribers()
    delivery = parts.api.broadcast(subscribers, frame)
    for cid in delivery.gone:
        parts.connections.remove(cid)
    if delivery.failed:
        logger.warning(
            "posts failed",
            extra={"failed": len(delivery.failed), "first": next(iter(delivery.failed.values()))},
        )
    metrics.add_metric(name="FramesSent", unit=MetricUnit.Count, value=delivery.sent)
    metrics.add_metric(name="ConnectionsGone", unit=MetricUnit.Count, value=len(delivery.gone))
    metrics.add_metric(name="PostsFailed", unit=MetricUnit.Count, value=len(delivery.failed))
    return {
        "items": len(frame["items"]),
        "sent": delivery.sent,
        "gone": len(delivery.gone),
        "failed": len(delivery.failed),
    }
