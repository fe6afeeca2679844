"""The Data API client's wait: how often it asks, and what it does with the answer."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from consumers.warehouse import client as client_module
from consumers.warehouse.client import DataApiWarehouse, WarehouseError, WarehouseSettings
from tests.fakes.data_api import ScriptedDataApi


def _sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(client_module, "time", SimpleNamespace(sleep=slept.append, monotonic=time.monotonic))
    return slept


def test_the_wait_doubles_up_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    slept = _sleeps(monkeypatch)
    api = ScriptedDataApi(polls=12)
    assert DataApiWarehouse(api, WarehouseSettings(poll_max_s=0.1)).execute("UPDATE t SET x = 1") == 3
    assert api.described == 12 and slept[:4] == [0.01, 0.02, 0.04, 0.08]
    assert max(slept) == 0.1, "a statement is seen done at most one cap late"


def test_the_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    slept = _sleeps(monkeypatch)
    monkeypatch.setenv("CONCERT_WAREHOUSE_POLL_MAX_S", "0.5")
    DataApiWarehouse(ScriptedDataApi(polls=10), WarehouseSettings()).execute("UPDATE t SET x = 1")
    assert max(slept) == 0.5


def test_a_failed_statement_raises_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _sleeps(monkeypatch)
    with pytest.raises(WarehouseError, match="FAILED: boom"):
        DataApiWarehouse(ScriptedDataApi(polls=2, status="FAILED")).execute("UPDATE t SET x = 1")


def test_independent_statements_are_all_submitted_before_any_is_awaited() -> None:
    api = ScriptedDataApi()
    rows = DataApiWarehouse(api).query_all(["SELECT 1", "SELECT 22", "SELECT 333"])
    assert rows == [[{"n": 8}], [{"n": 9}], [{"n": 10}]]  # each statement's rows, in order
    assert [c.split()[0] for c in api.calls[:4]] == ["execute"] * 3 + ["describe"]
