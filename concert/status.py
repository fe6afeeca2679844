"""The signals `concert status` reports of a deployed stack, gathered from the clients it is
given: the stream (and its kept count), the DLQ's depth, the live totals, the promoted models
and the pipeline's health. Each is a few requests to a different service, so they are asked
concurrently; the clients are made by the caller before (making a boto3 client is not
thread-safe, using one is), and tests give fakes."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient

    from consumers.pipeline_health import Alarms, Queues
    from consumers.step_functions import StepFunctions
    from consumers.warehouse.ports import Queries

# The promoted models' primary metrics (ml.models.SPECS, which imports scikit-learn: seconds
# that `concert status` does not spend; a unit test keeps the two equal).
MODEL_PRIMARY_METRICS = {
    "ticket_sales": "tickets.mae",
    "venue_popularity": "spearman",
    "recommendations": "ndcg_at_10",
}

StreamCounter = Callable[["KinesisClient", str], dict[str, Any]]  # (kinesis, stream) -> records and events


@dataclass(frozen=True)
class StatusClients:
    """What the signals are read from: boto3 clients (or fakes) and the warehouse."""

    kinesis: KinesisClient
    sqs: Queues
    dynamodb: DynamoDBClient
    stepfunctions: StepFunctions
    cloudwatch: Alarms
    warehouse: Queries  # consumers.warehouse.client.DataApiWarehouse, or a fake


def promoted_models(dynamodb: DynamoDBClient, table: str) -> dict[str, dict[str, Any] | None]:
    """Per model, the promoted version and its primary test metric (None: not trained yet)."""
    from ml.registry_table import RegistryTable

    registry = RegistryTable(dynamodb, table)
    out: dict[str, dict[str, Any] | None] = {}
    for name, primary in MODEL_PRIMARY_METRICS.items():
        record = registry.current(name)
        if record is None:
            out[name] = None
            continue
        value: Any = record["metrics"]
        for part in primary.split("."):
            value = value[part]
        out[name] = {"version": record["version"], "primary": f"{primary} {float(value):.4f}"}
    return out


def gather_signals(
    clients: StatusClients,
    outputs: dict[str, str],
    dead_letter_queues: tuple[str, ...],
    *,
    count_stream: StreamCounter | None = None,
) -> dict[str, Any]:
    """The signals the stack's outputs make available, by name (`streams`, `dlq_depth`,
    `live_totals`, `models`, `health`); the stream is counted only with `count_stream`."""
    from concert.pipeline_checks import live_total
    from consumers import pipeline_health

    stream = outputs.get("EventsStreamName")

    def streams() -> dict[str, Any]:
        if not stream:
            return {}
        summary = clients.kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        info: dict[str, Any] = {
            "status": summary["StreamStatus"],
            "open_shards": summary.get("OpenShardCount"),
        }
        if count_stream is not None:
            info.update(count_stream(clients.kinesis, stream))
        return {stream: info}

    def dlq_depth() -> int:
        attrs = clients.sqs.get_queue_attributes(
            QueueUrl=outputs["DlqUrl"], AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    def health() -> dict[str, Any]:
        sqs, sfn, cloudwatch, warehouse = (
            clients.sqs,
            clients.stepfunctions,
            clients.cloudwatch,
            clients.warehouse,
        )
        return pipeline_health.report(sqs, sfn, cloudwatch, warehouse, outputs, dead_letter_queues)

    asks: dict[str, Callable[[], Any]] = {"streams": streams}
    if outputs.get("DlqUrl"):
        asks["dlq_depth"] = dlq_depth
    if outputs.get("LiveAggregatesTableName"):
        asks["live_totals"] = lambda: live_total(clients.dynamodb, outputs["LiveAggregatesTableName"])
    if outputs.get("ModelRegistryTableName"):
        asks["models"] = lambda: promoted_models(clients.dynamodb, outputs["ModelRegistryTableName"])
    asks["health"] = health
    with ThreadPoolExecutor(max_workers=len(asks)) as pool:
        futures = {key: pool.submit(ask) for key, ask in asks.items()}
        return {key: future.result() for key, future in futures.items()}
