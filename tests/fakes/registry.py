"""In-memory stand-ins for the model registry table and the warehouse the retraining reads."""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ml.dataset import WAREHOUSE_QUERIES
from ml.retraining import RECENT_SALES


class MemoryRegistry:
    """The RegistryTable interface over dicts (same promotion and claim rules)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.pointers: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, tuple[str, float]] = {}

    def current(self, model: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.pointers.get(model))

    def latest(self, model: str) -> dict[str, Any] | None:
        versions = sorted(v for m, v in self.records if m == model)
        return copy.deepcopy(self.records[(model, versions[-1])]) if versions else None

    def version(self, model: str, version: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get((model, version)))

    def versions(self, model: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for (m, _), r in sorted(self.records.items()) if m == model]

    def register(self, record: dict[str, Any]) -> None:
        self.records[(record["model"], record["version"])] = copy.deepcopy(record)

    def promote(self, record: dict[str, Any], previous: str | None) -> bool:
        held = self.pointers.get(record["model"])
        if (held["version"] if held else None) != previous:
            return False
        self.pointers[record["model"]] = copy.deepcopy(record)
        return True

    def claim(self, model: str, owner: str, ttl_s: int = 1800) -> bool:
        held = self.claims.get(model)
        if held and held[0] != owner and held[1] > time.time():
            return False
        self.claims[model] = (owner, time.time() + ttl_s)
        return True

    def release(self, model: str, owner: str) -> None:
        if self.claims.get(model, ("",))[0] == owner:
            del self.claims[model]


class MemoryWarehouse:
    """Answers the retraining's and the serving's whole-table queries from in-memory tables."""

    def __init__(self, tables: Mapping[str, list[dict[str, Any]]]) -> None:
        self.tables = {k: list(v) for k, v in tables.items()}
        self.statements: list[str] = []  # every statement asked, in order

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.statements.append(sql)
        sales = self.tables.get("fact_ticket_sales", [])
        if sql == "SELECT COUNT(*) AS n FROM fact_ticket_sales":
            return [{"n": len(sales)}]
        if sql == RECENT_SALES:
            since = datetime.fromisoformat(str((params or {})["since"]))
            return [s for s in sales if s["sold_at"].replace(tzinfo=None) > since.replace(tzinfo=None)]
        for name, known in WAREHOUSE_QUERIES.items():
            if sql == known:
                cols = [c.strip() for c in known.split("SELECT ", 1)[1].split(" FROM ")[0].split(",")]
                return [{c: r.get(c) for c in cols} for r in self.tables.get(name, [])]
        raise AssertionError(f"unexpected SQL: {sql}")
