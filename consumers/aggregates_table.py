"""The live aggregates in DynamoDB: profiles, counters and once-only markers, one table.

Each chunk is one TransactWriteItems: a conditional Put of a marker per event (it fails if
the event was counted before) and one ADD per counter key. A cancelled transaction tells
which markers already existed: those events are dropped and the rest retried, so a
redelivered event is never counted twice and a new one never lost. Conflicts and throttling
are retried with jittered backoff, then raised (the record is reported as a batch failure).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from consumers.live_aggregates import Applied, Chunk, ConcertProfile, concert_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RETRYABLE_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
# Totals of these kinds carry `ranked` = kind: the `ranked-by-tickets` index (partition
# `ranked`, sort `tickets`) gives the dashboard its top concerts and venues.
RANKED_KINDS = ("CONCERT", "VENUE")


class LiveAggregatesTable:
    """AggregateStore on a DynamoDB table with a string partition key `pk` and sort key `sk`."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        marker_ttl_s: int = 7 * 24 * 3600,
        max_attempts: int = 6,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ddb = client
        self._table = table
        self._marker_ttl_s = marker_ttl_s
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep

    def profiles(self, concert_ids: set[int]) -> dict[int, ConcertProfile]:
        """The stored profiles of these concerts (BatchGetItem, unprocessed keys retried)."""
        out: dict[int, ConcertProfile] = {}
        ids = sorted(concert_ids)
        for start in range(0, len(ids), 100):
            keys: list[Any] = [
                {"pk": {"S": concert_key(i)}, "sk": {"S": "PROFILE"}} for i in ids[start : start + 100]
            ]
            for attempt in range(self._max_attempts):
                resp = self._ddb.batch_get_item(
                    RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
                )
                for item in resp.get("Responses", {}).get(self._table, []):
                    cid = int(item["pk"]["S"].split("#", 1)[1])
                    out[cid] = ConcertProfile(
                        venue_id=int(item["venue_id"]["N"]),
                        capacity=int(item["capacity"]["N"]),
                        cancelled=item.get("cancelled", {}).get("BOOL", False),
                        as_of=item["as_of"]["S"],
                    )
                unprocessed: Any = resp.get("UnprocessedKeys", {})
                keys = unprocessed.get(self._table, {}).get("Keys", [])
                if not keys:
                    break
                self._backoff(attempt)
            else:
                raise RuntimeError(
                    f"{len(keys)} profiles still unprocessed after {self._max_attempts} attempts"
                )
        return out

    def save_profiles(self, profiles: Mapping[int, ConcertProfile]) -> None:
        """Write the profiles (BatchWriteItem by 25, unprocessed items retried).

        Unconditional: a concert's events share one shard and the mapping reads a shard with
        one invocation at a time (parallelization factor 1), and `profile_update` already
        refused any event older than the stored profile.
        """
        items = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": concert_key(cid)},
                        "sk": {"S": "PROFILE"},
                        "venue_id": {"N": str(p.venue_id)},
                        "capacity": {"N": str(p.capacity)},
                        "cancelled": {"BOOL": p.cancelled},
                        "as_of": {"S": p.as_of},
                    }
                }
            }
            for cid, p in sorted(profiles.items())
        ]
        for start in range(0, len(items), 25):
            pending: Any = items[start : start + 25]
            for attempt in range(self._max_attempts):
                resp = self._ddb.batch_write_item(RequestItems={self._table: pending})
                pending = resp.get("UnprocessedItems", {}).get(self._table, [])
                if not pending:
                    break
                self._backoff(attempt)
            else:
                raise RuntimeError(
                    f"{len(pending)} profiles still unwritten after {self._max_attempts} attempts"
                )

    def apply(self, chunk: Chunk) -> Applied:
        """Count the chunk's events once: markers and counters in one transaction."""
        duplicates: set[str] = set()
        attempt = 0
        while chunk.contributions:
            try:
                self._ddb.transact_write_items(TransactItems=self._items(chunk))
                return Applied(counted=len(chunk.contributions), duplicate_ids=frozenset(duplicates))
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                response: Any = err.response
                reasons = [r.get("Code", "None") for r in response.get("CancellationReasons", [])]
                seen = {
                    eid
                    for eid, code in zip(chunk.event_ids, reasons, strict=False)
                    if code == "ConditionalCheckFailed"
                }
                if seen:
                    duplicates |= seen
                    chunk = chunk.without(seen)
                    continue
                if not set(reasons) & RETRYABLE_REASONS or attempt + 1 >= self._max_attempts:
                    raise
                self._backoff(attempt)
                attempt += 1
        return Applied(counted=0, duplicate_ids=frozenset(duplicates))

    def _items(self, chunk: Chunk) -> list[Any]:
        now = int(self._clock())
        items: list[Any] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": {"S": f"EVENT#{event_id}"},
                        "sk": {"S": "SEEN"},
                        "expires_at": {"N": str(now + self._marker_ttl_s)},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for event_id in chunk.event_ids
        ]
        for (pk, sk), counters in chunk.increments.items():
            names = sorted(counters)
            adds = ", ".join(f"#c{i} :c{i}" for i in range(len(names)))
            values: dict[str, Any] = {f":c{i}": {"N": str(counters[n])} for i, n in enumerate(names)}
            values[":now"] = {"N": str(now)}
            sets = "updated_at = :now"
            kind = pk.split("#", 1)[0]
            if sk == "TOTAL" and kind in RANKED_KINDS:  # in the sparse index of the top concerts/venues
                values[":r"] = {"S": kind}
                sets += ", ranked = :r"
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
                        "UpdateExpression": f"ADD {adds} SET {sets}",
                        "ExpressionAttributeNames": {f"#c{i}": n for i, n in enumerate(names)},
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return items

    def _backoff(self, attempt: int) -> None:
        self._sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
