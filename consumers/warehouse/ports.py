"""The warehouse as its users see it: small Protocols that `DataApiWarehouse` satisfies and an
in-memory fake (tests/fakes/warehouse.py) can stand in for."""

from __future__ import annotations

from typing import Any, Protocol


class Queries(Protocol):
    """Read-only questions: what the chat's tools, the models and the serving ask."""

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of one statement, `:name` parameters bound from `params`."""
        ...


class LoadedBatches(Protocol):
    """The warehouse's load ledger (`etl_batches`), as a restarted worker reads it."""

    def batch_statuses(self, batch_ids: list[str]) -> dict[str, str]:
        """`loaded` or `rejected` for each batch the warehouse has finished."""
        ...

    def loaded_batches(self, batch_ids: set[str]) -> set[str]:
        """Those of the batches that are loaded."""
        ...


class CopyRole(Protocol):
    """The role a COPY reads the lake with."""

    @property
    def iam_role(self) -> str:
        """Its ARN."""
        ...


class LoadWarehouse(Queries, LoadedBatches, Protocol):
    """What the ETL tasks ask of the warehouse: the lease, the ledger, one transaction a cycle."""

    @property
    def settings(self) -> CopyRole:
        """Where the warehouse is and how it reads the lake."""
        ...

    def batch(self, sqls: list[str]) -> dict[str, Any]:
        """Run the statements as one transaction."""
        ...

    def take_lease(self, holder: str, now_s: int, ttl_s: int, *, replacing: str | None = None) -> str | None:
        """Take the load lease for `holder`; the holder after the attempt."""
        ...

    def release_lease(self, holder: str) -> None:
        """Give the lease back if `holder` has it."""
        ...

    def known_concerts(self, ids: set[int]) -> set[int]:
        """Those of `ids` the warehouse has."""
        ...
