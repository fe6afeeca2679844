"""`concert status`'s signals, gathered over fakes of the clients (concert/status.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from concert.status import MODEL_PRIMARY_METRICS, StatusClients, gather_signals
from infra.names import DEAD_LETTER_QUEUES as QUEUES
from tests.fakes.clients import dynamodb_client, kinesis_client
from tests.fakes.pipeline_signals import Cloudwatch, Dynamodb, Sqs, StreamSummary
from tests.fakes.stepfunctions import etl_with_failures
from tests.fakes.warehouse import loaded_at

OUTPUTS = {
    "EventsStreamName": "events",
    "DlqUrl": "dlq-url",
    "LiveAggregatesTableName": "live",
    "ModelRegistryTableName": "registry",
    "EtlStateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:concert-etl",
}


def _clients(
    *, dlq: int = 0, failed: int = 0, items: dict[tuple[str, ...], dict[str, Any]] | None = None
) -> StatusClients:
    return StatusClients(
        kinesis=kinesis_client(StreamSummary(open_shards=2)),
        sqs=Sqs({"dlq-url": dlq, **{q: 0 for q in QUEUES}}),
        dynamodb=dynamodb_client(Dynamodb(items or {})),
        stepfunctions=etl_with_failures(failed),
        cloudwatch=Cloudwatch([]),
        warehouse=loaded_at(datetime.now(UTC)),
    )


def test_every_signal_the_outputs_name_is_gathered() -> None:
    promoted = {"version": "v7", "metrics": {"tickets": {"mae": 1.23456}}}
    items: dict[tuple[str, ...], dict[str, Any]] = {
        ("live", "ALL", "TOTAL"): {"orders": {"N": "5"}, "tickets": {"N": "9"}, "pk": {"S": "ALL"}},
        ("registry", "ticket_sales", "CURRENT"): {"doc": {"S": json.dumps(promoted)}},
    }
    counted: list[str] = []

    def count(_kinesis: Any, stream: str) -> dict[str, Any]:
        counted.append(stream)
        return {"records": 7, "events": 9}

    signals = gather_signals(_clients(dlq=3, items=items), OUTPUTS, QUEUES, count_stream=count)
    assert signals["streams"] == {"events": {"status": "ACTIVE", "open_shards": 2, "records": 7, "events": 9}}
    assert counted == ["events"]
    assert signals["dlq_depth"] == 3
    assert signals["live_totals"] == {"orders": 5, "tickets": 9}
    assert signals["models"] == {
        "ticket_sales": {"version": "v7", "primary": "tickets.mae 1.2346"},
        **{name: None for name in MODEL_PRIMARY_METRICS if name != "ticket_sales"},
    }
    assert signals["health"]["healthy"] is True


def test_a_failed_workflow_makes_the_pipeline_unhealthy() -> None:
    signals = gather_signals(_clients(failed=2), OUTPUTS, QUEUES)
    assert signals["health"]["healthy"] is False
    assert signals["health"]["workflows"]["concert-etl"] == {"failed": 2, "running": 0}


def test_only_what_the_outputs_name_is_asked_and_the_stream_is_counted_only_when_asked() -> None:
    assert set(gather_signals(_clients(), {}, QUEUES)) == {"streams", "health"}
    signals = gather_signals(_clients(), {"EventsStreamName": "events"}, QUEUES)
    assert signals["streams"] == {"events": {"status": "ACTIVE", "open_shards": 2}}
