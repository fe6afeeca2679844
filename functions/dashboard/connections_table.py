"""Open WebSocket connections in DynamoDB: one item per connection, with a TTL at API
Gateway's two-hour connection limit so a connection whose `$disconnect` was lost expires.
The table also holds spent tickets (`TICKET#<id>`, functions/dashboard/tickets.py): never
`subscribed`, so never a subscriber."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class Connections(Protocol):
    """The WebSocket connections and who subscribed (ConnectionsTable on DynamoDB)."""

    def add(self, connection_id: str, subject: str) -> None:
        """Record a connection."""
        ...

    def subscribe(self, connection_id: str) -> None:
        """Mark the connection subscribed to live frames."""
        ...

    def remove(self, connection_id: str) -> None:
        """Forget a connection."""
        ...

    def subscribers(self) -> list[str]:
        """The subscribed connections."""
        ...


class ConnectionsTable:
    """Connections keyed by `connection_id`; `subscribed` marks those that get live frames."""

    def __init__(self, client: DynamoDBClient, table: str, *, ttl_s: int = 2 * 3600) -> None:
        self._ddb = client
        self._table = table
        self._ttl_s = ttl_s

    def add(self, connection_id: str, subject: str) -> None:
        """Record a new connection (not subscribed yet)."""
        now = int(time.time())
        self._ddb.put_item(
            TableName=self._table,
            Item={
                "connection_id": {"S": connection_id},
                "subject": {"S": subject},
                "connected_at": {"N": str(now)},
                "expires_at": {"N": str(now + self._ttl_s)},
            },
        )

    def subscribe(self, connection_id: str) -> None:
        """Mark the connection as subscribed to the live channel."""
        self._ddb.update_item(
            TableName=self._table,
            Key={"connection_id": {"S": connection_id}},
            UpdateExpression="SET subscribed = :t",
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )

    def remove(self, connection_id: str) -> None:
        """Forget the connection (idempotent)."""
        self._ddb.delete_item(TableName=self._table, Key={"connection_id": {"S": connection_id}})

    def subscribers(self) -> list[str]:
        """Ids of the subscribed connections that have not expired."""
        now = int(time.time())
        ids: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "ProjectionExpression": "connection_id",
            "FilterExpression": "subscribed = :t AND expires_at > :now",
            "ExpressionAttributeValues": {":t": {"BOOL": True}, ":now": {"N": str(now)}},
        }
        while True:
            page = self._ddb.scan(**kwargs)
            ids += [item["connection_id"]["S"] for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return ids
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
