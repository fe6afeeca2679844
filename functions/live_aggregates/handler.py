"""Kinesis → live aggregates in DynamoDB, for the dashboard.

Thin handler: the delivery is decoded (KPL aggregates expanded) and counted in one go by
`count_batch` (one profile lookup, one update per counter key per transaction, the shard's
mark moved in the same transaction); then Powertools' BatchProcessor walks the records and
reports those whose events could not all be stored in `batchItemFailures`, so the event
source mapping retries from the first of them. The mark makes the retry count each event
once. The shard's state stays cached in the warm container. Invalid events are skipped
here: the KCL consumer, the system of record, sends them to the DLQ.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamEvent,
    KinesisStreamRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from consumers.live_aggregates import Delivered, Outcome, count_batch, live_keys
from consumers.records import StreamRecord, decode
from functions.live_aggregates import wiring
from functions.live_aggregates.wiring import Parts

logger = Logger(service="live-aggregates")
tracer = Tracer(service="live-aggregates")
metrics = Metrics(namespace="ConcertDataPlatform", service="live-aggregates")
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)


class InjectedFault(RuntimeError):
    """The failure suite asked this delivery to fail (FAULT_FAIL_EVERY_N_BATCHES)."""


class RecordNotCounted(RuntimeError):
    """Some events of the record could not be stored; the record is reported as failed."""


def _stream_record(record: KinesisStreamRecord) -> StreamRecord:
    return StreamRecord(
        data=record.kinesis.data_as_bytes(),
        partition_key=record.kinesis.partition_key,
        sequence_number=record.kinesis.sequence_number,
        shard_id=record.event_id.split(":", 1)[0],
        stream=record.event_source_arn.rsplit("/", 1)[-1],
        arrival_ms=int(record.kinesis.approximate_arrival_timestamp * 1000),
    )


def _report(outcomes: dict[str, Outcome]) -> Any:
    def record_handler(record: KinesisStreamRecord) -> None:
        outcome = outcomes[record.kinesis.sequence_number]
        if outcome.error is not None:
            raise RecordNotCounted(f"{type(outcome.error).__name__}: {outcome.error}") from outcome.error

    return record_handler


def notify_dashboard(parts: Parts, outcomes: Any) -> None:
    """Hand the keys this delivery changed to the dashboard's broadcaster (asynchronous, best
    effort: a live frame lost here is caught up by the next one or a reconnect's snapshot)."""
    keys = live_keys(outcomes)
    if not keys or not parts.settings.broadcast_function:
        return
    try:
        parts.lambda_client.invoke(
            FunctionName=parts.settings.broadcast_function,
            InvocationType="Event",
            Payload=json.dumps({"keys": keys}).encode(),
        )
    except Exception:  # never fail the counting for the dashboard
        logger.warning("broadcaster not invoked", exc_info=True)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Count the delivery's ticket events; return the partial batch response."""
    parts = wiring.parts()
    parts.deliveries += 1
    n, every = parts.deliveries, parts.settings.fail_every
    if every and n % every == 0:
        logger.warning("injected fault", extra={"delivery": n, "every": every})
        raise InjectedFault(f"delivery {n} fails by request (every {every})")
    delivery = []
    for r in KinesisStreamEvent(event).records:
        record = _stream_record(r)
        delivery.append(
            Delivered(
                record_id=record.sequence_number,
                shard=f"{record.stream}#{record.shard_id}",
                sequence=record.sequence_number,
                users=[u.data for u in decode(record)],
                arrival_ms=record.arrival_ms or 0,
            )
        )
    outcomes = count_batch(delivery, parts.store, parts.shards)
    for name, value in {
        "EventsCounted": sum(o.counted for o in outcomes.values()),
        "DuplicatesSkipped": sum(o.duplicates for o in outcomes.values()),
        "InvalidSkipped": sum(o.invalid for o in outcomes.values()),
    }.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    notify_dashboard(parts, outcomes.values())
    failed = [rid for rid, o in outcomes.items() if o.error is not None]
    if failed:
        logger.warning("records not counted", extra={"records": len(failed), "first": failed[0]})
    return process_partial_response(
        event=event, record_handler=_report(outcomes), processor=processor, context=context
    )
