"""A scripted Redshift Data API (the `DataApi` port of consumers/warehouse/client.py): answers at
once, without SQL, and records what it was asked. tests/unit/local_warehouse.py's `LocalDataApi`
is the one that runs the statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ScriptedDataApi:
    """A statement ends with `status` at the `polls`-th DescribeStatement (counted in `described`
    over all statements), having changed 3 rows or failed with "boom"; its one result row is
    `{"n": len(its SQL)}`. `calls` keeps "execute SQL", "describe ID", ... in order, `requests`
    every ExecuteStatement's fields."""

    def __init__(self, polls: int = 1, status: str = "FINISHED") -> None:
        self.polls, self.status = polls, status
        self.described = 0
        self.calls: list[str] = []
        self.requests: list[dict[str, Any]] = []

    def execute_statement(self, **request: Any) -> dict[str, str]:
        self.calls.append(f"execute {request['Sql']}")
        self.requests.append(request)
        return {"Id": request["Sql"]}  # a statement's id is its SQL

    def batch_execute_statement(self, *, Sqls: Sequence[str], **_: Any) -> dict[str, str]:
        self.calls.append(f"batch {len(Sqls)}")
        return {"Id": "; ".join(Sqls)}

    def describe_statement(self, *, Id: str) -> dict[str, Any]:
        self.calls.append(f"describe {Id}")
        self.described += 1
        done = self.described >= self.polls
        status = self.status if done else "STARTED"
        return {"Id": Id, "Status": status, "ResultRows": 3, "Error": "boom", "HasResultSet": True}

    def get_statement_result(self, *, Id: str, **_: Any) -> dict[str, Any]:
        self.calls.append(f"result {Id}")
        return {"ColumnMetadata": [{"name": "n", "typeName": "int8"}], "Records": [[{"longValue": len(Id)}]]}

    def cancel_statement(self, *, Id: str) -> dict[str, bool]:
        self.calls.append(f"cancel {Id}")
        return {"Status": True}
