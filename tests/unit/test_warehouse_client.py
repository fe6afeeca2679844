"""The Data API client's wait: how often it asks, and what it does with the answer."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.warehouse import client as client_module
from consumers.warehouse.client import DataApiWarehouse, WarehouseError, WarehouseSettings


class SlowStatement:
    """A Data API whose statement ends after `polls` DescribeStatement calls."""

    def __init__(self, polls: int, status: str = "FINISHED") -> None:
        self.polls, self.status, self.calls = polls, status, 0

    def execute_statement(self, **_: Any) -> dict[str, str]:
        return {"Id": "s-1"}

    def describe_statement(self, Id: str) -> dict[str, Any]:
        self.calls += 1
        done = self.calls >= self.polls
        return {"Id": Id, "Status": self.status if done else "STARTED", "ResultRows": 3, "Error": "boom"}


def _sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(client_module, "time", SimpleNamespace(sleep=slept.append, monotonic=time.monotonic))
    return slept


def test_the_wait_doubles_up_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    slept = _sleeps(monkeypatch)
    api = SlowStatement(polls=12)
    assert DataApiWarehouse(api, WarehouseSettings(poll_max_s=0.1)).execute("UPDATE t SET x = 1") == 3
    assert api.calls == 12 and slept[:4] == [0.01, 0.02, 0.04, 0.08]
    assert max(slept) == 0.1, "a statement is seen done at most one cap late"


def test_the_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    slept = _sleeps(monkeypatch)
    monkeypatch.setenv("CONCERT_WAREHOUSE_POLL_MAX_S", "0.5")
    DataApiWarehouse(SlowStatement(polls=10), WarehouseSettings()).execute("UPDATE t SET x = 1")
    assert max(slept) == 0.5


def test_a_failed_statement_raises_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _sleeps(monkeypatch)
    with pytest.raises(WarehouseError, match="FAILED: boom"):
        DataApiWarehouse(SlowStatement(polls=2, status="FAILED")).execute("UPDATE t SET x = 1")


class Recorder:
    """A Data API that answers at once and records the order of the calls it gets."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def execute_statement(self, Sql: str, **_: Any) -> dict[str, str]:
        self.calls.append(f"execute {Sql}")
        return {"Id": Sql}

    def describe_statement(self, Id: str) -> dict[str, Any]:
        self.calls.append(f"describe {Id}")
        return {"Id": Id, "Status": "FINISHED", "HasResultSet": True}

    def get_statement_result(self, Id: str, **_: Any) -> dict[str, Any]:
        meta = [{"name": "n", "typeName": "int8"}]
        return {"ColumnMetadata": meta, "Records": [[{"longValue": len(Id)}]]}


def test_independent_statements_are_all_submitted_before_any_is_awaited() -> None:
    api = Recorder()
    rows = DataApiWarehouse(api).query_all(["SELECT 1", "SELECT 22", "SELECT 333"])
    assert rows == [[{"n": 8}], [{"n": 9}], [{"n": 10}]]  # each statement's rows, in order
    assert [c.split()[0] for c in api.calls[:4]] == ["execute"] * 3 + ["describe"]
