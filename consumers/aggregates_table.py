"""The live aggregates in DynamoDB: profiles, counters and each shard's mark and window, one table.

Each chunk is one TransactWriteItems: the shard's mark moved on condition that it is still
where it was read, the chunk's event hashes added to the window's newest page (the oldest
page deleted when one leaves the window), and one ADD per counter key. A mark found elsewhere
raises ShardMoved (nothing was written; the records are re-delivered and skipped up to the
stored mark). Conflicts and throttling are retried with jittered backoff, then raised (the
record is reported as a batch failure). Window pages carry a TTL as a second bound.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from consumers.live_aggregates import Chunk, ConcertProfile, Position, ShardMoved, ShardState, concert_key

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RETRYABLE_REASONS = {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
# Totals of these kinds carry `ranked` = kind: the `ranked-by-tickets` index (partition
# `ranked`, sort `tickets`) gives the dashboard its top concerts and venues.
RANKED_KINDS = ("CONCERT", "VENUE")
# Counter keys this process has already put in that index: their updates are plain ADDs. A SET
# in an update costs DynamoDB nothing more, but the local emulator copies the item once more
# for it, and ranking every counter on every update was a third of its time (measured).
MAX_RANKED_KEYS = 200_000

MINUTE = "MINUTE#"  # the sort key prefix of the global minute buckets


def _ranked_kind(key: tuple[str, str]) -> str | None:
    """CONCERT or VENUE for a concert's or venue's total (ranked by tickets), else None."""
    kind = key[0].split("#", 1)[0]
    return kind if key[1] == "TOTAL" and kind in RANKED_KINDS else None


def shard_key(shard: str) -> str:
    """Partition key of a shard's mark and window."""
    return f"SHARD#{shard}"


class LiveAggregatesTable:
    """AggregateStore on a DynamoDB table with a string partition key `pk` and sort key `sk`."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        page_ttl_s: int = 7 * 24 * 3600,
        max_attempts: int = 6,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._ddb = client
        self._table = table
        self._page_ttl_s = page_ttl_s
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._ranked: set[tuple[str, str]] = set()

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

    def shard_state(self, shard: str) -> ShardState:
        """The shard's mark item and the pages of its window (consistent reads)."""
        pk = shard_key(shard)
        mark = self._ddb.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": "MARK"}}, ConsistentRead=True
        ).get("Item")
        state = ShardState(shard)
        if mark is None:
            return state
        state.mark = Position.parse(mark["mark"]["S"])
        state.page, state.page_count = int(mark["page"]["N"]), int(mark["page_count"]["N"])
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
            "ExpressionAttributeValues": {":p": {"S": pk}, ":s": {"S": "SEEN#"}},
            "ConsistentRead": True,
        }
        while True:
            resp = self._ddb.query(**query)
            for item in resp.get("Items", []):
                hashes = {bytes(h) for h in item.get("h", {}).get("BS", [])}
                state.pages[int(item["sk"]["S"].split("#", 1)[1])] = hashes
                state.recent |= hashes
            if "LastEvaluatedKey" not in resp:
                return state
            query["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def apply(self, chunk: Chunk) -> None:
        """Counters, window page and mark in one transaction; ShardMoved when the mark moved."""
        increments = chunk.increments  # merged once: the property sums the chunk's events
        for attempt in range(self._max_attempts):
            try:
                self._ddb.transact_write_items(TransactItems=self._items(chunk, increments))
                if len(self._ranked) > MAX_RANKED_KEYS:
                    self._ranked.clear()  # set again once each: SET ranked is idempotent
                self._ranked.update(k for k in increments if _ranked_kind(k))
                return
            except ClientError as err:
                if err.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                response: Any = err.response
                reasons = [r.get("Code", "None") for r in response.get("CancellationReasons", [])]
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    was = chunk.expected.text() if chunk.expected else "unset"
                    raise ShardMoved(f"{chunk.shard}: the mark is no longer {was}") from err
                if not set(reasons) & RETRYABLE_REASONS or attempt + 1 >= self._max_attempts:
                    raise
                self._backoff(attempt)

    def _items(self, chunk: Chunk, increments: dict[tuple[str, str], dict[str, int]]) -> list[Any]:
        now = int(self._clock())
        pk = shard_key(chunk.shard)
        mark: dict[str, Any] = {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": pk}, "sk": {"S": "MARK"}},
                "UpdateExpression": "SET mark = :m, page = :p, page_count = :c, "
                "newest_arrival_ms = :a, updated_at = :now, expires_at = :exp",
                "ExpressionAttributeValues": {
                    ":exp": {"N": str(now + self._page_ttl_s)},
                    ":m": {"S": chunk.mark.text()},
                    ":p": {"N": str(chunk.page)},
                    ":c": {"N": str(chunk.page_count)},
                    ":a": {"N": str(chunk.newest_arrival_ms)},
                    ":now": {"N": str(now)},
                },
            }
        }
        if chunk.expected is None:
            mark["Update"]["ConditionExpression"] = "attribute_not_exists(mark)"
        else:
            mark["Update"]["ConditionExpression"] = "mark = :was"
            mark["Update"]["ExpressionAttributeValues"][":was"] = {"S": chunk.expected.text()}
        items: list[Any] = [mark]
        for page, hashes in chunk.page_hashes.items():
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": f"SEEN#{page:010d}"}},
                        "UpdateExpression": "ADD h :h SET expires_at = :exp",
                        "ExpressionAttributeValues": {
                            ":h": {"BS": hashes},
                            ":exp": {"N": str(now + self._page_ttl_s)},
                        },
                    }
                }
            )
        for page in chunk.drop_pages:
            items.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": f"SEEN#{page:010d}"}},
                    }
                }
            )
        for (key_pk, sk), counters in increments.items():
            names = sorted(counters)
            adds = ", ".join(f"#c{i} :c{i}" for i in range(len(names)))
            values: dict[str, Any] = {f":c{i}": {"N": str(counters[n])} for i, n in enumerate(names)}
            sets = []
            kind = _ranked_kind((key_pk, sk))
            if kind and (key_pk, sk) not in self._ranked:  # in the sparse index of the top concerts/venues
                values[":r"] = {"S": kind}
                sets.append("ranked = :r")
            if (key_pk, sk) == ("ALL", "TOTAL"):  # how far behind the live numbers are
                values[":a"] = {"N": str(chunk.newest_arrival_ms)}
                sets.append("newest_arrival_ms = :a")
                if minutes := [m for p, m in increments if p == "ALL" and m.startswith(MINUTE)]:
                    # where a reader finds the newest minutes by key, not by a query of the
                    # partition (O(its size) in the local emulator: 7.6 s at 300k minutes)
                    values[":nm"] = {"S": max(minutes).removeprefix(MINUTE)}
                    sets.append("newest_minute = :nm")
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": {"S": key_pk}, "sk": {"S": sk}},
                        "UpdateExpression": f"ADD {adds}" + (f" SET {', '.join(sets)}" if sets else ""),
                        "ExpressionAttributeNames": {f"#c{i}": n for i, n in enumerate(names)},
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return items

    def _backoff(self, attempt: int) -> None:
        self._sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
