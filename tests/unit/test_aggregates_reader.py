"""The live snapshot's reads: the newest minutes by key once the total names the newest one
(a query of the whole minute partition cost the local emulator 7.6 s at 300k minutes)."""

from __future__ import annotations

from typing import Any

from functions.dashboard.aggregates_reader import AggregatesReader, minute_window
from tests.fakes.clients import dynamodb_client


class Table:
    """get_item, batch_get_item and query on a dict of items, recording what was asked."""

    def __init__(self, items: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.items, self.asked = items, []  # type: ignore[var-annotated]

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.asked.append("get")
        found = self.items.get((Key["pk"]["S"], Key["sk"]["S"]))
        return {"Item": found} if found else {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        ((table, req),) = RequestItems.items()
        self.asked.append(f"batch {len(req['Keys'])}")
        found = [
            self.items[k] for k in ((x["pk"]["S"], x["sk"]["S"]) for x in req["Keys"]) if k in self.items
        ]
        return {"Responses": {table: found}}

    def query(self, **kw: Any) -> dict[str, Any]:
        self.asked.append(f"query {kw.get('IndexName', 'table')}")
        if kw.get("IndexName"):
            return {"Items": []}
        minutes = sorted((k for k in self.items if k[1].startswith("MINUTE#")), reverse=True)
        return {"Items": [self.items[k] for k in minutes[: kw["Limit"]]]}


def _minute(m: str, tickets: int) -> dict[str, Any]:
    return {"pk": {"S": "ALL"}, "sk": {"S": f"MINUTE#{m}"}, "tickets": {"N": str(tickets)}}


def test_the_window_ends_at_the_newest_minute_across_hours_and_days() -> None:
    assert minute_window("2026-11-23T00:01", 3) == [
        "2026-11-22T23:59",
        "2026-11-23T00:00",
        "2026-11-23T00:01",
    ]
    assert len(set(minute_window("2026-11-23T00:01", 60))) == 60


def test_the_snapshot_reads_the_newest_minutes_by_key_when_the_total_names_the_newest() -> None:
    minutes = {("ALL", f"MINUTE#{m}"): _minute(m, 1) for m in minute_window("2026-11-22T09:02", 200)}
    total = {"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}, "tickets": {"N": "200"},
             "newest_minute": {"S": "2026-11-22T09:02"}}  # fmt: skip
    table = Table({("ALL", "TOTAL"): total, **minutes})
    images = AggregatesReader(dynamodb_client(table), "live").current(minutes=60, top=10)
    shown = sorted(i["sk"]["S"] for i in images if i["sk"]["S"].startswith("MINUTE#"))
    assert shown == [f"MINUTE#{m}" for m in minute_window("2026-11-22T09:02", 60)]
    assert "query table" not in table.asked and "batch 60" in table.asked
    # a table written before the total carried its newest minute: the partition's query
    del total["newest_minute"]
    table.asked.clear()
    again = AggregatesReader(dynamodb_client(table), "live").current(minutes=60, top=10)
    assert sorted(i["sk"]["S"] for i in again if i["sk"]["S"].startswith("MINUTE#")) == shown
    assert "query table" in table.asked
