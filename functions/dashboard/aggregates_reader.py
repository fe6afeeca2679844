"""Reads the live aggregates table for a subscriber's first frame: the global total, the
last minutes, and the top concerts and venues (from the sparse `ranked-by-tickets` index)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


RANKED_INDEX = "ranked-by-tickets"


class LiveAggregates(Protocol):
    """The live aggregates as the dashboard reads them (AggregatesReader on DynamoDB)."""

    def current(self, *, minutes: int, top: int) -> list[dict[str, Any]]:
        """The items of a snapshot: totals, the newest minutes, the top concerts and venues."""
        ...

    def items(self, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The current items of these keys."""
        ...


class AggregatesReader:
    """The current live state, as DynamoDB images."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._ddb = client
        self._table = table

    def current(self, *, minutes: int, top: int) -> list[dict[str, Any]]:
        """ALL/TOTAL, the newest `minutes` minute buckets, the `top` concerts and venues."""
        images: list[dict[str, Any]] = []
        total = self._ddb.get_item(
            TableName=self._table, Key={"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}}, ConsistentRead=True
        )
        if "Item" in total:
            images.append(total["Item"])
        newest = total.get("Item", {}).get("newest_minute", {}).get("S")
        if newest:  # the newest minute's key is known: read the window by key
            images += self.items([("ALL", f"MINUTE#{m}") for m in minute_window(newest, minutes)])
        else:
            images += self._minutes_by_query(minutes)
        for kind in ("CONCERT", "VENUE"):
            images += self._ddb.query(
                TableName=self._table,
                IndexName=RANKED_INDEX,
                KeyConditionExpression="ranked = :r",
                ExpressionAttributeValues={":r": {"S": kind}},
                ScanIndexForward=False,
                Limit=top,
            ).get("Items", [])
        return images

    def _minutes_by_query(self, minutes: int) -> list[dict[str, Any]]:
        """The newest minute buckets by a query of the ALL partition (a table written before
        the total carried its newest minute)."""
        return list(
            self._ddb.query(
                TableName=self._table,
                KeyConditionExpression="pk = :p AND begins_with(sk, :m)",
                ExpressionAttributeValues={":p": {"S": "ALL"}, ":m": {"S": "MINUTE#"}},
                ScanIndexForward=False,
                Limit=minutes,
                ConsistentRead=True,
            ).get("Items", [])
        )

    def items(self, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The current items of these keys (BatchGetItem by 100, unprocessed keys retried)."""
        images: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: Any = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[start : start + 100]]
            for _attempt in range(5):
                resp = self._ddb.batch_get_item(
                    RequestItems={self._table: {"Keys": pending, "ConsistentRead": True}}
                )
                images += resp.get("Responses", {}).get(self._table, [])
                unprocessed: Any = resp.get("UnprocessedKeys", {})
                pending = unprocessed.get(self._table, {}).get("Keys", [])
                if not pending:
                    break
        return images


def minute_window(newest: str, minutes: int) -> list[str]:
    """The `minutes` minute buckets ending at `newest` (`2026-11-22T07:10`), oldest first."""
    end = datetime.strptime(newest, "%Y-%m-%dT%H:%M")
    return [(end - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M") for n in range(minutes - 1, -1, -1)]
