"""The warehouse through the Redshift Data API (boto3 `redshift-data`): on AWS, Redshift Serverless;
locally, the DuckDB endpoint. Submits, waits with a bounded poll, and converts typed records.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from typing import TypedDict

    from mypy_boto3_redshift_data.type_defs import SqlParameterTypeDef

    class _Target(TypedDict, total=False):
        """Where a statement runs."""

        Database: str
        WorkgroupName: str
        DbUser: str

    class _Parameters(TypedDict, total=False):
        """A statement's named parameters, when it has any."""

        Parameters: list[SqlParameterTypeDef]

    class _NextPage(TypedDict, total=False):
        """The token of a result's next page, past the first."""

        NextToken: str


DONE = {"FINISHED", "FAILED", "ABORTED"}


class WarehouseSettings(BaseSettings):
    """Which warehouse to talk to (CONCERT_WAREHOUSE_* variables)."""

    model_config = SettingsConfigDict(env_prefix="CONCERT_WAREHOUSE_", extra="ignore")

    database: str = "concert"
    workgroup: str = "concert"
    iam_role: str = "arn:aws:iam::000000000000:role/concert-warehouse-load"
    timeout_s: float = Field(default=300.0, gt=0)
    # The longest wait between two DescribeStatement calls. A statement is seen done at most
    # this late: 500 ms made a 0.3 s statement cost 0.63 s (polls at 10, 20, ... 320 ms).
    # DescribeStatement costs nothing; a caller makes at most 1/poll_max_s calls a second.
    poll_max_s: float = Field(default=0.1, gt=0, le=5)
    # The database user the local endpoint routes by (`chat_reader`: the chat's tighter bounds,
    # read only). Empty on AWS: Redshift Serverless takes the user from the IAM identity.
    db_user: str = ""


class WarehouseError(RuntimeError):
    """A statement failed, was aborted or did not finish in time; the message says which and why."""


def _value(field: dict[str, Any], type_name: str) -> Any:
    if field.get("isNull"):
        return None
    for key in ("longValue", "doubleValue", "booleanValue"):
        if key in field:
            return field[key]
    text = field.get("stringValue")
    if text is None:
        return field.get("blobValue")
    if type_name == "numeric":
        return Decimal(text)
    if type_name in ("timestamptz", "timestamp"):
        return datetime.fromisoformat(text + (":00" if text[-3] in "+-" else ""))
    return text


class DataApi(Protocol):
    """The Data API calls the warehouse makes. The boto3 `redshift-data` client
    (`RedshiftDataAPIServiceClient`) is one; so are tests/fakes/data_api.py's scripted one and
    tests/unit/local_warehouse.py's, which asks the local engine in-process. Arguments are typed
    as boto3-stubs types them; answers are read as mappings."""

    def execute_statement(
        self,
        *,
        Sql: str,
        Database: str = ...,
        WorkgroupName: str = ...,
        DbUser: str = ...,
        Parameters: Sequence[SqlParameterTypeDef] = ...,
    ) -> Mapping[str, Any]:
        """Submit one statement; its `Id`."""
        ...

    def batch_execute_statement(
        self, *, Sqls: Sequence[str], Database: str = ..., WorkgroupName: str = ..., DbUser: str = ...
    ) -> Mapping[str, Any]:
        """Submit statements to run as one transaction; the batch's `Id`."""
        ...

    def describe_statement(self, *, Id: str) -> Mapping[str, Any]:
        """A statement's status, error and row count."""
        ...

    def get_statement_result(self, *, Id: str, NextToken: str = ...) -> Mapping[str, Any]:
        """One page of a statement's rows."""
        ...

    def cancel_statement(self, *, Id: str) -> Mapping[str, Any]:
        """Cancel a running statement."""
        ...


class DataApiWarehouse:
    """Runs SQL on the warehouse; every call waits for the statement to end."""

    def __init__(self, client: DataApi, settings: WarehouseSettings | None = None) -> None:
        self.client = client
        self.settings = settings or WarehouseSettings()

    def _target(self) -> _Target:
        target: _Target = {"Database": self.settings.database, "WorkgroupName": self.settings.workgroup}
        if self.settings.db_user:
            target["DbUser"] = self.settings.db_user
        return target

    def wait(self, statement_id: str) -> dict[str, Any]:
        """Poll DescribeStatement (10 ms doubling to `poll_max_s`) until the statement ends; raise
        if it failed."""
        deadline = time.monotonic() + self.settings.timeout_s
        delay = 0.01
        while True:
            desc = self.client.describe_statement(Id=statement_id)
            if desc["Status"] in DONE:
                break
            if time.monotonic() > deadline:
                self.client.cancel_statement(Id=statement_id)
                raise WarehouseError(
                    f"statement {statement_id} still {desc['Status']} after {self.settings.timeout_s}s"
                )
            time.sleep(delay)
            delay = min(self.settings.poll_max_s, delay * 2)
        if desc["Status"] != "FINISHED":
            failed = [s for s in desc.get("SubStatements", []) if s.get("Status") == "FAILED"]
            where = f" (in: {failed[0]['QueryString'][:200]})" if failed else ""
            raise WarehouseError(f"{desc['Status']}: {desc.get('Error', 'no error given')}{where}")
        return dict(desc)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one statement; return its rows as dicts (empty for statements without a result)."""
        extra: _Parameters = {}
        if params:
            extra["Parameters"] = [{"name": k, "value": str(v)} for k, v in params.items()]
        sid = self.client.execute_statement(Sql=sql, **self._target(), **extra)["Id"]
        return self._rows(sid)

    def query_all(self, sqls: list[str]) -> list[list[dict[str, Any]]]:
        """Run independent statements at once (all submitted, then each awaited); their rows in
        order. A page's panels cost the slowest statement, not their sum."""
        sids = [self.client.execute_statement(Sql=sql, **self._target())["Id"] for sql in sqls]
        return [self._rows(sid) for sid in sids]

    def _rows(self, sid: str) -> list[dict[str, Any]]:
        desc = self.wait(sid)
        if not desc.get("HasResultSet"):
            return []
        rows: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            more: _NextPage = {"NextToken": token} if token else {}
            page = self.client.get_statement_result(Id=sid, **more)
            meta = page["ColumnMetadata"]
            rows.extend(
                {m["name"]: _value(f, m["typeName"]) for m, f in zip(meta, rec, strict=True)}
                for rec in page["Records"]
            )
            token = page.get("NextToken")
            if not token:
                return rows

    def execute(self, sql: str) -> int:
        """Run one statement; return the rows it changed."""
        sid = self.client.execute_statement(Sql=sql, **self._target())["Id"]
        return int(self.wait(sid).get("ResultRows", 0))

    def batch(self, sqls: list[str]) -> dict[str, Any]:
        """Run statements as one transaction; return the final DescribeStatement."""
        sid = self.client.batch_execute_statement(Sqls=sqls, **self._target())["Id"]
        return self.wait(sid)

    def create_schema(self) -> None:
        """Create every table of the star schema that does not exist yet."""
        from consumers.tables import ddl_statements  # pyarrow: not needed by query-only users

        self.batch(list(ddl_statements()))

    def known_event_ids(self, ids: list[str]) -> set[str]:
        """Which of these event ids the warehouse has already loaded."""
        found: set[str] = set()
        for i in range(0, len(ids), 2_000):
            chunk = ids[i : i + 2_000]
            quoted = ", ".join("'" + x.replace("'", "''") + "'" for x in chunk)
            sql = f"SELECT event_id FROM event_log WHERE event_id IN ({quoted})"  # noqa: S608 - escaped ids
            found |= {r["event_id"] for r in self.query(sql)}
        return found

    def batch_status(self, batch_id: str) -> str | None:
        """The ETL ledger's status of a batch (`loaded`, `rejected`), or None if not finished."""
        rows = self.query("SELECT status FROM etl_batches WHERE batch_id = :batch_id", {"batch_id": batch_id})
        return str(rows[0]["status"]) if rows else None

    def known_concerts(self, ids: set[int]) -> set[int]:
        """Which of these concert ids are in dim_concert."""
        if not ids:
            return set()
        listed = ", ".join(str(int(i)) for i in sorted(ids))
        rows = self.query(f"SELECT concert_id FROM dim_concert WHERE concert_id IN ({listed})")  # noqa: S608 - ints
        return {int(r["concert_id"]) for r in rows}

    def batch_statuses(self, batch_ids: list[str]) -> dict[str, str]:
        """The ETL ledger's status of each of these batches that is finished."""
        found: dict[str, str] = {}
        ids = sorted(set(batch_ids))
        for i in range(0, len(ids), 500):
            quoted = ", ".join("'" + b.replace("'", "''") + "'" for b in ids[i : i + 500])
            sql = f"SELECT batch_id, status FROM etl_batches WHERE batch_id IN ({quoted})"  # noqa: S608
            found |= {str(r["batch_id"]): str(r["status"]) for r in self.query(sql)}
        return found

    def take_lease(self, holder: str, now_s: int, ttl_s: int, *, replacing: str | None = None) -> str | None:
        """Take or renew the load lease (one load cycle at a time); the holder afterwards (this
        one, or the other that holds it). With `replacing`, take it only from that holder."""
        from consumers.warehouse.load_sql import lease_statements

        self.batch(lease_statements(holder, now_s, ttl_s, replacing=replacing))
        rows = self.query("SELECT holder FROM etl_lease WHERE name = 'load'")
        return str(rows[0]["holder"]) if rows and rows[0]["holder"] is not None else None

    def release_lease(self, holder: str) -> None:
        """Give the load lease back if `holder` has it."""
        from consumers.warehouse.load_sql import release_statement

        self.execute(release_statement(holder))

    def loaded_batches(self, batch_ids: set[str]) -> set[str]:
        """Which of these batches the ETL ledger says are loaded."""
        found: set[str] = set()
        ids = sorted(batch_ids)
        for i in range(0, len(ids), 500):
            quoted = ", ".join("'" + b.replace("'", "''") + "'" for b in ids[i : i + 500])
            sql = f"SELECT batch_id FROM etl_batches WHERE status = 'loaded' AND batch_id IN ({quoted})"  # noqa: S608
            found |= {str(r["batch_id"]) for r in self.query(sql)}
        return found
