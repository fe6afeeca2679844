"""In-memory warehouses, one per port of consumers/warehouse/ports.py: `LedgerWarehouse` for the
load cycle's tasks (`LoadWarehouse`: the ETL ledger, the load lease and the transactions they
were given, SQL kept as text and ledger rows read back from it); `MemoryWarehouse` (`Queries`:
the retraining's and the serving's whole-table questions over in-memory tables) and
`ScriptedWarehouse` (`Queries`: answers chosen by what a statement contains)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ml.dataset import WAREHOUSE_QUERIES
from ml.drift import MONITORED, Recent

LEDGER_ROW = re.compile(r"\('((?:[^']|'')*)', '(loaded|rejected)', (\d+), GETDATE\(\)")
LEASE_TAKE = re.compile(r"SET holder = '((?:[^']|'')*)', expires_epoch = (\d+) .* expires_epoch < (\d+)\)")
LEASE_SWAP = re.compile(
    r"SET holder = '((?:[^']|'')*)', expires_epoch = (\d+) WHERE .* AND holder = '((?:[^']|'')*)'$"
)


class LedgerWarehouse:
    """The warehouse port of the ETL tasks (batch, query of the lease, ledger, known concerts)."""

    def __init__(self, concerts: set[int] | None = None) -> None:
        self.status: dict[str, str] = {}
        self.rows_loaded: dict[str, int] = {}
        self.transactions: list[list[str]] = []
        self.concerts = set(concerts or ())
        self.holder: str | None = None
        self.expires = 0
        self.fail_batch_after: int | None = None  # let this many batches through, then fail one
        self.asked: list[set[int]] = []  # every known_concerts question, in order
        self.queries: list[str] = []  # every other question (entity resolution's), in order

    @property
    def settings(self) -> Any:
        return type("S", (), {"iam_role": "arn:aws:iam::000000000000:role/copy"})()

    def batch(self, sqls: list[str]) -> dict[str, Any]:
        if len(sqls) > 40:
            raise RuntimeError("ValidationException: the Data API takes at most 40 statements a batch")
        if self.fail_batch_after is not None:
            self.fail_batch_after -= 1
            if self.fail_batch_after < 0:
                self.fail_batch_after = None
                raise RuntimeError("the warehouse went away mid-transaction")
        self.transactions.append(sqls)
        for sql in sqls:
            for batch_id, status, rows in LEDGER_ROW.findall(sql):
                self.status[batch_id.replace("''", "'")] = status
                self.rows_loaded[batch_id.replace("''", "'")] = int(rows)
            swap = LEASE_SWAP.search(sql)
            if swap and self.holder == swap.group(3):
                self.holder, self.expires = swap.group(1), int(swap.group(2))
            take = LEASE_TAKE.search(sql)
            if take:
                holder, until, now = take.group(1), int(take.group(2)), int(take.group(3))
                if self.holder is None or self.holder == holder or self.expires < now:
                    self.holder, self.expires = holder, until
        return {}

    def take_lease(self, holder: str, now_s: int, ttl_s: int, *, replacing: str | None = None) -> str | None:
        from consumers.warehouse.load_sql import lease_statements

        self.batch(lease_statements(holder, now_s, ttl_s, replacing=replacing))
        return self.holder

    def release_lease(self, holder: str) -> None:
        if self.holder == holder:
            self.holder, self.expires = None, 0

    def batch_status(self, batch_id: str) -> str | None:
        return self.status.get(batch_id)

    def batch_statuses(self, batch_ids: list[str]) -> dict[str, str]:
        return {b: self.status[b] for b in batch_ids if b in self.status}

    def loaded_batches(self, batch_ids: set[str]) -> set[str]:
        return {b for b in batch_ids if self.status.get(b) == "loaded"}

    def known_concerts(self, ids: set[int]) -> set[int]:
        self.asked.append(set(ids))
        return ids & self.concerts

    def known_event_ids(self, ids: list[str]) -> set[str]:
        return set()

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Entity resolution's questions: no artist or venue waits, nothing is merged."""
        from consumers.entities.crosswalk import MERGED_COUNT_SQL

        self.queries.append(sql)
        return [{"n": 0}] if sql == MERGED_COUNT_SQL else []

    def copies(self) -> list[str]:
        """Every COPY statement run, in order."""
        return [s for t in self.transactions for s in t if s.startswith("COPY ")]


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
        if "AS recent" in sql and params and "since" in params:  # the drift check: counted in memory
            since = datetime.fromisoformat(str(params["since"])).replace(tzinfo=None)
            newer = [s for s in sales if s["sold_at"].replace(tzinfo=None) > since]
            edges: dict[str, list[float]] = {}
            for f in MONITORED:
                while (edge := params.get(f"{f}_edge_{len(edges.get(f, []))}")) is not None:
                    edges.setdefault(f, []).append(float(edge))
            ref = {f: {"edges": e} for f, e in edges.items()}
            return [Recent.of_sales(newer, ref).as_row()]
        if m := re.search(
            r"FROM fact_ticket_sales (?:WHERE event_id > :after )?ORDER BY event_id LIMIT (\d+)$", sql
        ):  # the extract's pages
            keyed = sorted(
                ({"event_id": f"e{i:09d}", **s} for i, s in enumerate(sales)),
                key=lambda s: str(s["event_id"]),
            )
            assert all(str(v) for v in (params or {}).values()), "a Data API parameter is never empty"
            after = str((params or {}).get("after", ""))
            cols = [c.strip() for c in sql.split("SELECT ", 1)[1].split(" FROM ")[0].split(",")]
            return [{c: r.get(c) for c in cols} for r in keyed if str(r["event_id"]) > after][: int(m[1])]
        for name, known in WAREHOUSE_QUERIES.items():
            if sql == known:
                cols = [c.strip() for c in known.split("SELECT ", 1)[1].split(" FROM ")[0].split(",")]
                return [{c: r.get(c) for c in cols} for r in self.tables.get(name, [])]
        raise AssertionError(f"unexpected SQL: {sql}")


class ScriptedWarehouse:
    """Answers a statement with the rows of the first rule whose text it contains (an exception
    in a rule is raised), else `default`; keeps every statement asked in `statements`."""

    def __init__(
        self,
        rules: Sequence[tuple[str, list[dict[str, Any]] | Exception]] = (),
        default: list[dict[str, Any]] | None = None,
    ) -> None:
        self.rules = list(rules)
        self.default = default or []
        self.statements: list[str] = []

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.statements.append(sql)
        for needle, answer in self.rules:
            if needle in sql:
                if isinstance(answer, Exception):
                    raise answer
                return copy.deepcopy(answer)
        return copy.deepcopy(self.default)


def loaded_at(last: datetime | None) -> ScriptedWarehouse:
    """A warehouse whose event log was last loaded at `last` (None: never)."""
    return ScriptedWarehouse(default=[{"events": 10 if last else 0, "last_load": last}])
