"""The events of the ETL, on EventBridge: a curated batch landed, the warehouse was updated; and
the bus they are put on, as a Protocol (the boto3 `events` client, `EventBridgeClient`, is one; so
is the fake in tests/fakes/event_bus.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

SOURCE_LAKE = "concert.lake"
SOURCE_WAREHOUSE = "concert.warehouse"
BATCH_LANDED = "CuratedBatchLanded"
WAREHOUSE_UPDATED = "warehouse.updated"


class EventBus(Protocol):
    """EventBridge's PutEvents (the boto3 `events` client is one)."""

    def put_events(self, *, Entries: Sequence[PutEventsRequestEntryTypeDef]) -> Mapping[str, Any]:
        """Put the entries; the answer counts and describes the failed ones."""
        ...


def batch_landed(
    bus: str,
    batch_id: str,
    bucket: str,
    rows: Mapping[str, int],
    partitions: Sequence[str] = (),
) -> PutEventsRequestEntryTypeDef:
    """The PutEvents entry announcing a batch landed: its rows per table and partitions (its files
    are named by its landing-ledger entry)."""
    detail = {
        "batch_id": batch_id,
        "bucket": bucket,
        "rows": dict(rows),
        "partitions": list(partitions),
    }
    return {
        "Source": SOURCE_LAKE,
        "DetailType": BATCH_LANDED,
        "Detail": json.dumps(detail),
        "EventBusName": bus,
    }


def warehouse_updated(
    bus: str, batch_id: str, rows: Mapping[str, int], bucket: str = "", partitions: Sequence[str] = ()
) -> PutEventsRequestEntryTypeDef:
    """The PutEvents entry saying a batch is queryable (retraining and compaction listen to it)."""
    detail = {"batch_id": batch_id, "rows": dict(rows), "bucket": bucket, "partitions": list(partitions)}
    return {
        "Source": SOURCE_WAREHOUSE,
        "DetailType": WAREHOUSE_UPDATED,
        "Detail": json.dumps(detail),
        "EventBusName": bus,
    }
