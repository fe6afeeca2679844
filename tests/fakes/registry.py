"""An in-memory stand-in for the model registry table."""

from __future__ import annotations

import copy
import time
from typing import Any


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
