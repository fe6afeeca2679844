"""The model registry in DynamoDB: versions with metrics and lineage, the promoted pointer, a
training claim. One table, key (model, version); the pointer is version `CURRENT`, the claim
`TRAINING`. Promotion is a conditional write, so two trainings cannot both promote."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CURRENT, TRAINING = "CURRENT", "TRAINING"
# The models the registry keeps (ml.models.SPECS trains them; named here for readers of the
# registry, which should not import scikit-learn to know them).
MODELS = ("ticket_sales", "venue_popularity", "recommendations")


class Registry(Protocol):
    """What the steps need of the registry (RegistryTable in production)."""

    def current(self, model: str) -> dict[str, Any] | None: ...
    def latest(self, model: str) -> dict[str, Any] | None: ...
    def register(self, record: dict[str, Any]) -> None: ...
    def promote(self, record: dict[str, Any], previous: str | None) -> bool: ...
    def claim(self, model: str, owner: str, ttl_s: int = 1800) -> bool: ...
    def release(self, model: str, owner: str) -> None: ...


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class RegistryTable:
    """Reads and writes the registry through a boto3 DynamoDB client."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client, self.table = client, table

    def _get(self, model: str, version: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"model": {"S": model}, "version": {"S": version}}, ConsistentRead=True
        ).get("Item")
        return json.loads(item["doc"]["S"]) if item else None

    def current(self, model: str) -> dict[str, Any] | None:
        """The promoted version's record (None: nothing promoted yet)."""
        return self._get(model, CURRENT)

    def latest(self, model: str) -> dict[str, Any] | None:
        """The newest version's record, whatever its status (None: never trained). Version ids
        are times and sort before the `CURRENT` and `TRAINING` items: one key-range query."""
        items = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#m = :m AND #v < :letters",
            ExpressionAttributeNames={"#m": "model", "#v": "version"},
            ExpressionAttributeValues={":m": {"S": model}, ":letters": {"S": "A"}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )["Items"]
        return json.loads(items[0]["doc"]["S"]) if items else None

    def version(self, model: str, version: str) -> dict[str, Any] | None:
        """One version's record."""
        return self._get(model, version)

    def versions(self, model: str) -> list[dict[str, Any]]:
        """Every registered version, oldest first."""
        out: list[dict[str, Any]] = []
        key: Any = None
        while True:
            page = self.client.query(
                TableName=self.table,
                KeyConditionExpression="#m = :m",
                ExpressionAttributeNames={"#m": "model"},
                ExpressionAttributeValues={":m": {"S": model}},
                **({"ExclusiveStartKey": key} if key else {}),
            )
            out += [
                json.loads(i["doc"]["S"])
                for i in page["Items"]
                if i["version"]["S"] not in (CURRENT, TRAINING)
            ]
            key = page.get("LastEvaluatedKey")
            if not key:
                return sorted(out, key=lambda d: d["version"])

    def register(self, record: dict[str, Any]) -> None:
        """Write a version's record (idempotent: the same version rewrites the same record)."""
        self.client.put_item(
            TableName=self.table, Item=self._item(record["model"], record["version"], record)
        )

    def promote(self, record: dict[str, Any], previous: str | None) -> bool:
        """Point CURRENT at `record` if it still points at `previous`; False if someone moved it."""
        if previous is None:
            cond: dict[str, Any] = {
                "ConditionExpression": "attribute_not_exists(#v)",
                "ExpressionAttributeNames": {"#v": "version"},
            }
        else:
            cond = {
                "ConditionExpression": "current_version = :previous",
                "ExpressionAttributeValues": {":previous": {"S": previous}},
            }
        item = self._item(record["model"], CURRENT, record) | {"current_version": {"S": record["version"]}}
        try:
            self.client.put_item(TableName=self.table, Item=item, **cond)
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def claim(self, model: str, owner: str, ttl_s: int = 1800) -> bool:
        """Take the model's training claim unless another live owner holds it."""
        now = int(time.time())
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "model": {"S": model},
                    "version": {"S": TRAINING},
                    "owner": {"S": owner},
                    "expires_at": {"N": str(now + ttl_s)},
                    "doc": {"S": json.dumps({"owner": owner})},
                },
                ConditionExpression="attribute_not_exists(#v) OR expires_at < :now OR #o = :owner",
                ExpressionAttributeNames={"#v": "version", "#o": "owner"},
                ExpressionAttributeValues={":now": {"N": str(now)}, ":owner": {"S": owner}},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release(self, model: str, owner: str) -> None:
        """Drop the claim if this owner holds it."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"model": {"S": model}, "version": {"S": TRAINING}},
                ConditionExpression="#o = :owner",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":owner": {"S": owner}},
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def _item(self, model: str, version: str, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": {"S": model},
            "version": {"S": version},
            "doc": {"S": json.dumps(record, default=str)},
        }
