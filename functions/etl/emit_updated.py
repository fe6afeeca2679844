"""Task: announce that the batch is queryable (`warehouse.updated`, what retraining listens to)."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer

from consumers.etl.events import warehouse_updated
from functions.etl.correlation import tag
from functions.etl.settings import EtlSettings

settings = EtlSettings()
logger = Logger(service="etl")
tracer = Tracer(service="etl")
events = boto3.client("events")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the batch and rows loaded. Output: the same, with the event id."""
    batch = event["batch"]
    tag(logger, event)
    resp = events.put_events(
        Entries=[warehouse_updated(settings.event_bus, batch["batch_id"], batch.get("rows", {}))]
    )
    if resp.get("FailedEntryCount"):
        raise RuntimeError(f"warehouse.updated not accepted: {resp['Entries'][0].get('ErrorMessage')}")
    return {**event, "event_id": resp["Entries"][0].get("EventId")}
