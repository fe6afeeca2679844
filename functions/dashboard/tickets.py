"""Spent WebSocket tickets: a ticket opens one connection. The port, and its DynamoDB adapter
(an item per spent ticket in the connections table, deleted by the table's TTL once the
ticket has expired; until then a conditional put refuses a second spend)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class TicketLedger(Protocol):
    """Remembers spent ticket ids until they expire."""

    def spend(self, ticket_id: str, *, expires_at: int) -> bool:
        """True the first time `ticket_id` is spent; False if it was spent before."""
        ...


class DynamoTicketLedger:
    """Spent tickets as items `TICKET#<id>` of the connections table (key `connection_id`,
    TTL attribute `expires_at`). Without `subscribed` they are never sent frames."""

    PREFIX = "TICKET#"

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._ddb = client
        self._table = table

    def spend(self, ticket_id: str, *, expires_at: int) -> bool:
        """Record the ticket unless it is recorded already (other errors propagate)."""
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "connection_id": {"S": f"{self.PREFIX}{ticket_id}"},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(connection_id)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
