"""Kinesis → live aggregates in DynamoDB, for the dashboard.

Thin handler: Powertools' BatchProcessor hands each Kinesis record to `record_handler`, which
decodes it (KPL aggregates expanded) and calls `count_events`. A record that raises is
reported in `batchItemFailures`, so the event source mapping retries from it; markers make
the retry count each event once. Invalid events are skipped here: the KCL consumer, the
system of record, sends them to the DLQ.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consumers.aggregates_table import LiveAggregatesTable
from consumers.live_aggregates import count_events
from consumers.records import StreamRecord, decode
from functions.live_aggregates.settings import LiveAggregatesSettings

settings = LiveAggregatesSettings()
logger = Logger(service="live-aggregates")
tracer = Tracer(service="live-aggregates")
metrics = Metrics(namespace="ConcertDataPlatform", service="live-aggregates")
processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
store = LiveAggregatesTable(
    boto3.client("dynamodb"), settings.table, marker_ttl_s=settings.marker_ttl_hours * 3600
)


def _stream_record(record: KinesisStreamRecord) -> StreamRecord:
    shard_id = record.event_id.split(":", 1)[0]
    return StreamRecord(
        data=record.kinesis.data_as_bytes(),
        partition_key=record.kinesis.partition_key,
        sequence_number=record.kinesis.sequence_number,
        shard_id=shard_id,
        stream=record.event_source_arn.rsplit("/", 1)[-1],
        arrival_ms=int(record.kinesis.approximate_arrival_timestamp * 1000),
    )


@tracer.capture_method
def record_handler(record: KinesisStreamRecord) -> None:
    """Count the ticket events of one Kinesis record (plain or KPL-aggregated)."""
    users = decode(_stream_record(record))
    outcome = count_events([u.data for u in users], store)
    metrics.add_metric(name="EventsCounted", unit=MetricUnit.Count, value=outcome.counted)
    metrics.add_metric(name="DuplicatesSkipped", unit=MetricUnit.Count, value=outcome.duplicates)
    metrics.add_metric(name="InvalidSkipped", unit=MetricUnit.Count, value=outcome.invalid)
    if outcome.invalid:
        logger.warning(
            "invalid events skipped",
            extra={"invalid": outcome.invalid, "sequence": record.kinesis.sequence_number},
        )


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process the batch; return the partial batch response."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
