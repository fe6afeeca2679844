"""Task: announce that a cycle's batches are queryable (`warehouse.updated`: retraining and
compaction listen to it)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer

from consumers.etl.events import warehouse_updated
from functions.etl import wiring
from functions.etl.correlation import carry

logger = Logger(service="etl")
tracer = Tracer(service="etl")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the loaded cycle. Output: the event's id."""
    parts = wiring.parts()
    cycle = event["cycle"]
    logger.append_keys(execution=event.get("execution"), cycle_id=cycle["cycle_id"])
    # Rows, not partitions: with partitions, compaction would merge the day's partition again
    # after every cycle (its file count passes the threshold each time), rewriting it whole.
    entry = warehouse_updated(parts.settings.event_bus, cycle["cycle_id"], event.get("rows", {}))
    resp = parts.events.put_events(Entries=[entry])
    if resp.get("FailedEntryCount"):
        raise RuntimeError(f"warehouse.updated not accepted: {resp['Entries'][0].get('ErrorMessage')}")
    return carry(event, {"cycle": cycle, "event_id": resp["Entries"][0].get("EventId")})
