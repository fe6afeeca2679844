"""The live-aggregates function's adapters and warm state, built once per container: the
aggregates table, the Lambda client that wakes the dashboard's broadcaster, the cached marks of
the shards it counted last and its count of deliveries. The handler calls `parts()` at
invocation; tests replace `parts`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from consumers.aggregates_table import LiveAggregatesTable
from consumers.live_aggregates import AggregateStore, ShardCache
from functions.live_aggregates.settings import LiveAggregatesSettings

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


@dataclass
class Parts:
    """What the handler talks to, and what it keeps between deliveries of a warm container."""

    settings: LiveAggregatesSettings
    store: AggregateStore
    lambda_client: LambdaClient
    shards: ShardCache = field(default_factory=ShardCache)
    deliveries: int = 0  # for the failure suite's injected faults


@lru_cache(maxsize=1)
def parts() -> Parts:
    """The settings, validated, and the adapters (first call of a container)."""
    settings = LiveAggregatesSettings()
    # The requests are built from validated events and DynamoDB validates them again:
    # botocore's own check of each ~100-item transaction was a fifth of a delivery's time.
    ddb = boto3.client("dynamodb", config=Config(parameter_validation=False))
    store = LiveAggregatesTable(ddb, settings.table, page_ttl_s=settings.marker_ttl_hours * 3600)
    return Parts(settings, store, boto3.client("lambda"))
