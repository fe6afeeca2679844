"""The dashboard functions' adapters, built once per container, one set per function kind (each
is deployed with only the environment it reads): the authorizers', the HTTP API's, the
broadcaster's and the WebSocket routes'. Handlers call their `*_parts()` at invocation; tests
replace them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import boto3

from consumers.step_functions import StepFunctions
from consumers.warehouse.client import DataApiWarehouse
from functions.dashboard.aggregates_reader import AggregatesReader, LiveAggregates
from functions.dashboard.connections_api import Broadcaster, ConnectionsApi
from functions.dashboard.connections_table import Connections, ConnectionsTable
from functions.dashboard.settings import DashboardSettings
from functions.dashboard.signing_key import SigningKey
from functions.dashboard.tickets import DynamoTicketLedger, TicketLedger

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class AuthParts:
    """The authorizers': the signing key and the ledger of spent tickets."""

    key: SigningKey
    tickets: TicketLedger


@lru_cache(maxsize=1)
def auth_parts() -> AuthParts:
    """The authorizers' settings, validated, and their adapters."""
    s = DashboardSettings()
    return AuthParts(
        SigningKey(boto3.client("secretsmanager"), s.signing_secret),
        DynamoTicketLedger(boto3.client("dynamodb"), s.connections_table),
    )


@dataclass
class ApiParts:
    """The HTTP API's: the key, the live aggregates, the workflows; the warehouse and what the
    health report reads are built on first use (most requests need neither)."""

    settings: DashboardSettings
    key: SigningKey
    aggregates: LiveAggregates
    sfn: StepFunctions

    @cached_property
    def warehouse(self) -> DataApiWarehouse:
        """The warehouse (the analytics pages, the pickers, the health report)."""
        return DataApiWarehouse(boto3.client("redshift-data"))

    @cached_property
    def sqs(self) -> SQSClient:
        """SQS, for the dead-letter queues' depths."""
        return boto3.client("sqs")

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        """CloudWatch, for the alarms."""
        return boto3.client("cloudwatch")


@lru_cache(maxsize=1)
def api_parts() -> ApiParts:
    """The HTTP API's settings, validated, and its adapters."""
    s = DashboardSettings()
    return ApiParts(
        s,
        SigningKey(boto3.client("secretsmanager"), s.signing_secret),
        AggregatesReader(boto3.client("dynamodb"), s.aggregates_table),
        boto3.client("stepfunctions"),
    )


@dataclass(frozen=True)
class BroadcastParts:
    """The broadcaster's: the connections, the live aggregates, the `@connections` API."""

    connections: Connections
    aggregates: LiveAggregates
    api: Broadcaster


@lru_cache(maxsize=1)
def broadcast_parts() -> BroadcastParts:
    """The broadcaster's settings, validated, and its adapters."""
    s = DashboardSettings()
    ddb = boto3.client("dynamodb")
    return BroadcastParts(
        ConnectionsTable(ddb, s.connections_table),
        AggregatesReader(ddb, s.aggregates_table),
        ConnectionsApi(s.connections_url, workers=s.post_workers),
    )


@dataclass(frozen=True)
class WsParts:
    """The WebSocket routes': the connections and the live aggregates (the snapshot)."""

    settings: DashboardSettings
    connections: Connections
    aggregates: LiveAggregates


@lru_cache(maxsize=1)
def ws_parts() -> WsParts:
    """The WebSocket routes' settings, validated, and their adapters."""
    s = DashboardSettings()
    ddb = boto3.client("dynamodb")
    return WsParts(
        s,
        ConnectionsTable(ddb, s.connections_table, ttl_s=s.connection_ttl_s),
        AggregatesReader(ddb, s.aggregates_table),
    )
