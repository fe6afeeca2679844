"""The local cloud's DynamoDB patch changes the emulator's cost, not its answers: the same
requests (the live path's transactions among them) through ministack's DynamoDB module as
shipped and as patched give the same responses."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest

from cloud.local_dynamodb import json_deepcopy, patch_dynamodb

TABLE = "live-aggregates"
DELIVERY = "delivery-7f3a2c"  # at most 36 characters


def _fresh_module(name: str) -> ModuleType:
    """A separate copy of ministack's DynamoDB module (its tables are module state)."""
    import ministack.services.dynamodb as shipped  # type: ignore[import-untyped]

    spec = importlib.util.spec_from_file_location(name, shipped.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _counter(pk: str, n: int, ranked: bool) -> dict[str, Any]:
    """A live counter's update, as the live path writes it."""
    values: dict[str, Any] = {":c0": {"N": "1"}, ":c1": {"N": str(n)}}
    if ranked:
        values[":r"] = {"S": "CONCERT"}
    return {
        "Update": {
            "TableName": TABLE,
            "Key": _key(pk, "TOTAL"),
            "UpdateExpression": "ADD #c0 :c0, #c1 :c1" + (" SET ranked = :r" if ranked else ""),
            "ExpressionAttributeNames": {"#c0": "orders", "#c1": "tickets"},
            "ExpressionAttributeValues": values,
        }
    }


def _mark(was: str | None, to: str) -> dict[str, Any]:
    """The shard's mark moved on condition, as the live path moves it."""
    values: dict[str, Any] = {":m": {"S": to}}
    if was is not None:
        values[":was"] = {"S": was}
    return {
        "Update": {
            "TableName": TABLE,
            "Key": _key("SHARD#s", "MARK"),
            "UpdateExpression": "SET mark = :m",
            "ConditionExpression": "attribute_not_exists(mark)" if was is None else "mark = :was",
            "ExpressionAttributeValues": values,
        }
    }


def _delivery(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A transaction with the delivery's request token, as the live path sends it."""
    return dict(TransactItems=items, ClientRequestToken=DELIVERY)


def _requests() -> list[tuple[str, dict[str, Any]]]:
    page = {
        "Update": {
            "TableName": TABLE,
            "Key": _key("SHARD#s", "SEEN#0"),
            "UpdateExpression": "ADD h :h SET expires_at = :e",
            "ExpressionAttributeValues": {":h": {"BS": ["aGFzaDE=", "aGFzaDI="]}, ":e": {"N": "99"}},
        }
    }
    return [
        (
            "CreateTable",
            {
                "TableName": TABLE,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": [
                    {"AttributeName": a, "AttributeType": t}
                    for a, t in (("pk", "S"), ("sk", "S"), ("ranked", "S"), ("tickets", "N"))
                ],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "ranked-by-tickets",
                        "KeySchema": [
                            {"AttributeName": "ranked", "KeyType": "HASH"},
                            {"AttributeName": "tickets", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                "BillingMode": "PAY_PER_REQUEST",
            },
        ),
        ("TransactWriteItems", {"TransactItems": [_mark(None, "1"), page, _counter("CONCERT#1", 2, True)]}),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    _mark("1", "2"),
                    _counter("CONCERT#1", 3, False),
                    _counter("CONCERT#2", 1, True),
                ]
            },
        ),
        (
            "TransactWriteItems",
            {"TransactItems": [_mark("1", "3"), _counter("CONCERT#1", 5, False)]},
        ),  # moved: cancelled
        # a delivery's token: a retry of the same request is not applied twice; the token with
        # another request is refused (the emulator keeps the first by its digest once patched)
        ("TransactWriteItems", _delivery([_counter("CONCERT#3", 4, True)])),
        ("TransactWriteItems", _delivery([_counter("CONCERT#3", 4, True)])),
        ("TransactWriteItems", _delivery([_counter("CONCERT#3", 9, True)])),
        # capacity asked for: the index write units of a transaction, and of an update outside
        # one (the patch counts them only when reported); numbers of every form sized alike
        (
            "TransactWriteItems",
            {
                "TransactItems": [_counter("CONCERT#4", 2, True), _counter("CONCERT#1", 1, False)],
                "ReturnConsumedCapacity": "INDEXES",
            },
        ),
        (
            "UpdateItem",
            {
                "TableName": TABLE,
                "Key": _key("CONCERT#5", "TOTAL"),
                "UpdateExpression": "ADD tickets :t SET ranked = :r, price = :p, big = :b",
                "ExpressionAttributeValues": {
                    ":t": {"N": "7"},
                    ":r": {"S": "CONCERT"},
                    ":p": {"N": "-0.50"},
                    ":b": {"N": "1.25E+30"},
                },
                "ReturnConsumedCapacity": "INDEXES",
                "ReturnValues": "ALL_NEW",
            },
        ),
        (
            "UpdateItem",
            {
                "TableName": TABLE,
                "Key": _key("X", "Y"),
                "UpdateExpression": "SET a = :a REMOVE c",
                "ExpressionAttributeValues": {":a": {"M": {"n": {"L": [{"N": "1"}, {"S": "x"}]}}}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        (
            "UpdateItem",
            {
                "TableName": TABLE,
                "Key": _key("X", "Y"),
                "UpdateExpression": "SET b = a, a.n[0] = :z",
                "ExpressionAttributeValues": {":z": {"N": "7"}},
                "ReturnValues": "ALL_OLD",
            },
        ),
        ("GetItem", {"TableName": TABLE, "Key": _key("CONCERT#1", "TOTAL"), "ConsistentRead": True}),
        ("GetItem", {"TableName": TABLE, "Key": _key("SHARD#s", "SEEN#0")}),
        (
            "Query",
            {
                "TableName": TABLE,
                "IndexName": "ranked-by-tickets",
                "KeyConditionExpression": "ranked = :r",
                "ExpressionAttributeValues": {":r": {"S": "CONCERT"}},
                "ScanIndexForward": False,
            },
        ),
        ("Scan", {"TableName": TABLE}),
    ]


def _run(module: ModuleType) -> list[tuple[int, Any]]:
    async def call(target: str, body: dict[str, Any]) -> tuple[int, Any]:
        headers = {
            "x-amz-target": f"DynamoDB_20120810.{target}",
            "content-type": "application/x-amz-json-1.0",
        }
        status, _, raw = await module.handle_request("POST", "/", headers, json.dumps(body).encode(), {})
        answer = json.loads(raw or b"{}")
        answer.pop("TableDescription", None)  # creation times differ
        return status, answer

    async def run_all() -> list[tuple[int, Any]]:
        return [await call(target, body) for target, body in _requests()]

    return asyncio.run(run_all())


def test_the_patched_emulator_answers_as_the_shipped_one() -> None:
    shipped, patched = _fresh_module("ddb_shipped"), _fresh_module("ddb_patched")
    patch_dynamodb(patched)
    assert patched.concert_patched and not getattr(shipped, "concert_patched", False)
    expected, got = _run(shipped), _run(patched)
    assert [s for s, _ in expected] == [
        200,
        200,
        200,
        400,
        200,
        200,
        400,
        200,
        200,
        200,
        200,
        200,
        200,
        200,
        200,
    ], expected
    reported = expected[7][1]["ConsumedCapacity"][0]
    assert reported["GlobalSecondaryIndexes"]["ranked-by-tickets"]["CapacityUnits"] > 0, reported
    assert "IdempotentParameterMismatch" in json.dumps(expected[6][1])
    assert got == expected
    stored = next(iter(v for _k, v in patched._txn_idempotency.all_items()))
    assert stored["signature"] == {"TransactItems": [_counter("CONCERT#3", 4, True)]}
    assert stored["signature"] != {"TransactItems": [_counter("CONCERT#3", 9, True)]}
    assert len(stored["signature"].digest) == 32  # the request is not kept, only its digest


@pytest.mark.parametrize(
    "value",
    [{"a": [1, {"b": "x"}], "s": {"1", "2"}, "t": (1, [2])}, [b"x", None, 1.5, True], "text"],
)
def test_the_copy_is_deep_and_equal(value: Any) -> None:
    copied = json_deepcopy(value)
    assert copied == value
    if isinstance(value, dict):
        copied["a"][1]["b"] = "changed"
        assert value["a"][1]["b"] == "x", "nothing is shared"
