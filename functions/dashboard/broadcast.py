"""The broadcaster: the live aggregates table's stream (new images of totals and minute
buckets) → one compact delta frame → every subscribed connection, through `@connections`.
Gone connections are forgotten. Live frames are best effort: a failed post is logged and
counted, never retried (a client that missed frames catches up from the snapshot it gets on
reconnect), so the stream never stalls on a client."""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from functions.dashboard.connections_api import ConnectionsApi
from functions.dashboard.connections_table import ConnectionsTable
from functions.dashboard.frames import delta_frame
from functions.dashboard.settings import DashboardSettings

settings = DashboardSettings()
logger = Logger(service="dashboard-broadcast")
tracer = Tracer(service="dashboard-broadcast")
metrics = Metrics(namespace="ConcertDataPlatform", service="dashboard-broadcast")
connections = ConnectionsTable(boto3.client("dynamodb"), settings.connections_table)
api = ConnectionsApi(settings.connections_url, workers=settings.post_workers)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Push the batch's changes to the subscribers; report what was delivered."""
    images = [
        r["dynamodb"]["NewImage"] for r in event.get("Records", []) if "NewImage" in r.get("dynamodb", {})
    ]
    frame = delta_frame(images, sent_ms=int(time.time() * 1000))
    if frame is None:
        return {"items": 0, "sent": 0}
    subscribers = connections.subscribers()
    delivery = api.broadcast(subscribers, frame)
    for cid in delivery.gone:
        connections.remove(cid)
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
