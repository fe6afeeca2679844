"""The live aggregates table's transactions: what each one writes (a recording client, no
network); the counting itself is covered end to end by tests/integration/test_live_aggregates."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from consumers.aggregates_table import LiveAggregatesTable
from consumers.live_aggregates import Chunk, Contribution, Position
from tests.fakes.clients import dynamodb_client


class Recording:
    """Records TransactWriteItems calls; fails the ones it is told to."""

    def __init__(self, fail: int = 0) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.fail = fail

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(TransactItems)
        if self.fail:
            self.fail -= 1
            raise ClientError(
                {"Error": {"Code": "ValidationException", "Message": "no"}}, "TransactWriteItems"
            )
        return {}


def _chunk(expected: int | None, position: int, concert: int) -> Chunk:
    sale = {"orders": 1, "tickets": 2}
    keys = {(f"CONCERT#{concert}", "TOTAL"): sale, ("VENUE#7", "TOTAL"): sale, ("ALL", "MINUTE#x"): sale}
    chunk = Chunk("s#0", Position(expected) if expected is not None else None)
    chunk.contributions.append(Contribution(f"e{position}", keys, position=Position(position)))
    chunk.page_hashes[0] = [b"h" * 16]
    return chunk


def _expressions(items: list[dict[str, Any]]) -> dict[str, str]:
    return {
        i["Update"]["Key"]["pk"]["S"]: i["Update"]["UpdateExpression"]
        for i in items
        if "Update" in i and i["Update"]["Key"]["sk"]["S"] in ("TOTAL", "MINUTE#x")
    }


def test_a_counter_is_put_in_the_ranking_index_once_then_only_added_to() -> None:
    client = Recording()
    table = LiveAggregatesTable(dynamodb_client(client), "live", clock=lambda: 1_000)
    table.apply(_chunk(None, 1, concert=1))
    table.apply(_chunk(1, 2, concert=1))
    table.apply(_chunk(2, 3, concert=2))
    first, second, third = (_expressions(c) for c in client.calls)
    assert first["CONCERT#1"].endswith("SET ranked = :r") and first["VENUE#7"].endswith("SET ranked = :r")
    assert "SET" not in second["CONCERT#1"] and "SET" not in second["VENUE#7"], "already ranked: a plain ADD"
    assert third["CONCERT#2"].endswith("SET ranked = :r") and "SET" not in third["VENUE#7"]
    assert all("SET" not in e for e in (first["ALL"], second["ALL"])), "a minute is never ranked"


def test_a_failed_transaction_ranks_nothing() -> None:
    client = Recording(fail=1)
    table = LiveAggregatesTable(dynamodb_client(client), "live", clock=lambda: 1_000)
    with pytest.raises(ClientError):
        table.apply(_chunk(None, 1, concert=1))
    table.apply(_chunk(None, 1, concert=1))
    assert _expressions(client.calls[1])["CONCERT#1"].endswith("SET ranked = :r"), (
        "set again: the first failed"
    )


def test_the_total_carries_the_newest_minute_the_chunk_counted() -> None:
    client = Recording()
    table = LiveAggregatesTable(dynamodb_client(client), "live", clock=lambda: 1_000)
    chunk = Chunk("s#0", None)
    sale = {"orders": 1, "tickets": 2}
    keys = {
        ("ALL", "TOTAL"): sale,
        ("ALL", "MINUTE#2026-11-22T07:10"): sale,
        ("ALL", "MINUTE#2026-11-22T09:02"): sale,
    }
    chunk.contributions.append(Contribution("e1", keys, position=Position(1)))
    table.apply(chunk)
    total = next(i["Update"] for i in client.calls[0] if i["Update"]["Key"]["sk"]["S"] == "TOTAL")
    assert "newest_minute = :nm" in total["UpdateExpression"]
    assert total["ExpressionAttributeValues"][":nm"] == {"S": "2026-11-22T09:02"}
