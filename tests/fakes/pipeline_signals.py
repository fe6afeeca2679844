"""In-memory stand-ins for what the pipeline's health and `concert status` read: SQS queue
depths, CloudWatch alarms, DynamoDB items
and a stream's summary."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any


class QueueDoesNotExist(Exception):
    """SQS's answer for a queue that does not exist."""


class SqsErrors:
    """The client's error classes, as `client.exceptions` has them."""

    QueueDoesNotExist = QueueDoesNotExist


class Sqs:
    exceptions = SqsErrors()

    def __init__(self, depths: dict[str, int]) -> None:
        self.depths = depths

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        if QueueName not in self.depths:
            raise self.exceptions.QueueDoesNotExist()
        return {"QueueUrl": QueueName}

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: Sequence[str]) -> dict[str, Any]:
        return {"Attributes": {"ApproximateNumberOfMessages": str(self.depths[QueueUrl])}}


class Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self.pages


class Cloudwatch:
    """Alarms `firing` in ALARM state, `quiet` in OK; `endpoint` is where the client points."""

    def __init__(
        self,
        firing: list[str],
        quiet: tuple[str, ...] = (),
        endpoint: str = "https://monitoring.us-east-1.amazonaws.com",
    ) -> None:
        self.firing, self.quiet = firing, quiet
        self.meta = SimpleNamespace(endpoint_url=endpoint)

    def get_paginator(self, _name: str) -> Any:
        alarms = [{"AlarmName": n, "StateValue": "ALARM"} for n in self.firing]
        alarms += [{"AlarmName": n, "StateValue": "OK"} for n in self.quiet]

        class P:
            def paginate(self, StateValue: str | None = None, **_: Any) -> list[dict[str, Any]]:
                return [{"MetricAlarms": [a for a in alarms if StateValue in (None, a["StateValue"])]}]

        return P()


class Dynamodb:
    """`get_item` over items kept by table and key values (in the key's order)."""

    def __init__(self, items: dict[tuple[str, ...], dict[str, Any]]) -> None:
        self.items = items

    def get_item(self, TableName: str, Key: dict[str, dict[str, str]], **_: Any) -> dict[str, Any]:
        key = (TableName, *(next(iter(value.values())) for value in Key.values()))
        return {"Item": self.items[key]} if key in self.items else {}


class StreamSummary:
    """A Kinesis client that only describes its streams."""

    def __init__(self, open_shards: int) -> None:
        self.open_shards = open_shards

    def describe_stream_summary(self, StreamName: str) -> dict[str, Any]:
        return {"StreamDescriptionSummary": {"StreamStatus": "ACTIVE", "OpenShardCount": self.open_shards}}
