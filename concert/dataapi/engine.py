"""Statements of the local Data API: queued, run one at a time on the DuckDB file, results kept.

Mirrors the Redshift Data API's lifecycle: SUBMITTED, STARTED, then FINISHED, FAILED or
ABORTED; a batch runs in one transaction and reports sub-statements; results are typed
records with column metadata, paged by NextToken. `COPY ... FROM 's3://...' FORMAT AS
PARQUET` reads the objects from S3 (the local cloud's, through boto3) and bulk-inserts them.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from concert.dataapi.translate import CopyFromS3, SqlError, parse_copy, to_duckdb

PAGE_ROWS = 1_000
MAX_RESULT_ROWS = 1_000_000
_TYPE_NAMES = {
    "BIGINT": "int8",
    "INTEGER": "int4",
    "SMALLINT": "int2",
    "TINYINT": "int2",
    "HUGEINT": "numeric",
    "DOUBLE": "float8",
    "FLOAT": "float4",
    "BOOLEAN": "bool",
    "VARCHAR": "varchar",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "BLOB": "bytea",
}


class NotFound(KeyError):
    """No statement with that id."""


@dataclass
class Statement:
    """One ExecuteStatement or BatchExecuteStatement and what became of it."""

    id: str
    sqls: list[str]
    params: dict[str, str]
    database: str
    workgroup: str | None
    name: str | None
    is_batch: bool
    status: str = "SUBMITTED"
    error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = 0.0
    duration_ns: int = -1
    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    result_rows: int = -1
    result_size: int = -1
    sub_status: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        """The DescribeStatement answer."""
        d: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "QueryString": "; ".join(self.sqls),
            "Database": self.database,
            "CreatedAt": self.created_at.timestamp(),
            "UpdatedAt": self.updated_at.timestamp(),
            "Duration": self.duration_ns,
            "HasResultSet": bool(self.columns),
            "ResultRows": self.result_rows,
            "ResultSize": self.result_size,
            "RedshiftPid": 1,
            "RedshiftQueryId": 0,
        }
        if self.workgroup:
            d["WorkgroupName"] = self.workgroup
        if self.error:
            d["Error"] = self.error
        if self.is_batch:
            d["SubStatements"] = self.sub_status
        return d

    def summary(self) -> dict[str, Any]:
        """The ListStatements entry."""
        return {
            "Id": self.id,
            "Status": self.status,
            "QueryString": "; ".join(self.sqls),
            "StatementName": self.name or "",
            "CreatedAt": self.created_at.timestamp(),
            "UpdatedAt": self.updated_at.timestamp(),
            "IsBatchStatement": self.is_batch,
            "Database": self.database,
        }


def _field(value: Any) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
        return {"stringValue": text + ("+00" if value.tzinfo else "")}
    if isinstance(value, date | Decimal):
        return {"stringValue": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blobValue": base64.b64encode(bytes(value)).decode()}
    return {"stringValue": str(value)}


def _column(desc: tuple[Any, ...]) -> dict[str, Any]:
    type_text = str(desc[1]).upper()
    base = type_text.split("(")[0]
    name = "numeric" if base == "DECIMAL" else _TYPE_NAMES.get(type_text, _TYPE_NAMES.get(base, base.lower()))
    precision, scale = (
        (int(x) for x in type_text[len(base) + 1 : -1].split(",")) if "(" in type_text else (0, 0)
    )
    return {
        "name": desc[0],
        "label": desc[0],
        "typeName": name,
        "nullable": 1,
        "precision": precision,
        "scale": scale,
        "isCaseSensitive": name == "varchar",
        "isCurrency": False,
        "isSigned": True,
        "length": 0,
        "columnDefault": None,
        "schemaName": "",
        "tableName": "",
    }


class Engine:
    """Owns the DuckDB connection; runs statements on one worker thread in submission order."""

    def __init__(self, db_path: str, s3: Callable[[], Any]) -> None:
        self.con = duckdb.connect(db_path)
        # The engine lock: no statement can read or write files or URLs, load extensions or
        # attach databases, and no statement can change that (COPY is served from S3 through
        # pyarrow, never by DuckDB). A second line behind the SQL guard.
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")
        self._s3 = s3
        self._statements: dict[str, Statement] = {}
        self._order: list[str] = []
        self._queue: queue.Queue[Statement | None] = queue.Queue()
        self._lock = threading.Lock()
        self._running: Statement | None = None
        self._worker = threading.Thread(target=self._run, name="dataapi-worker", daemon=True)
        self._worker.start()

    # -- API ------------------------------------------------------------------------------

    def submit(
        self,
        sqls: list[str],
        *,
        params: dict[str, str],
        database: str,
        workgroup: str | None,
        name: str | None,
        is_batch: bool,
    ) -> Statement:
        """Queue a statement (or a batch) and return it; it runs in submission order."""
        if not sqls or any(not s.strip() for s in sqls):
            raise SqlError("Sql must not be empty")
        st = Statement(str(uuid.uuid4()), sqls, params, database, workgroup, name, is_batch)
        with self._lock:
            self._statements[st.id] = st
            self._order.append(st.id)
        self._queue.put(st)
        return st

    def get(self, statement_id: str) -> Statement:
        """The statement with that id (a batch sub-statement id `<id>:<n>` maps to its batch)."""
        with self._lock:
            st = self._statements.get(statement_id.split(":")[0])
        if st is None:
            raise NotFound(statement_id)
        return st

    def result_page(self, statement_id: str, next_token: str | None) -> dict[str, Any]:
        """One page of GetStatementResult."""
        st = self.get(statement_id)
        if st.status != "FINISHED":
            raise SqlError(f"Query has not finished: status {st.status}")
        if not st.columns:
            raise SqlError("Query does not have result. Please check query status with DescribeStatement.")
        start = int(next_token or 0)
        page = st.rows[start : start + PAGE_ROWS]
        out: dict[str, Any] = {
            "Records": [[_field(v) for v in row] for row in page],
            "ColumnMetadata": st.columns,
            "TotalNumRows": len(st.rows),
        }
        if start + PAGE_ROWS < len(st.rows):
            out["NextToken"] = str(start + PAGE_ROWS)
        return out

    def list(
        self, status: str | None, name: str | None, max_results: int, next_token: str | None
    ) -> dict[str, Any]:
        """Newest first, filtered by status and name prefix."""
        with self._lock:
            items = [self._statements[i] for i in reversed(self._order)]
        items = [
            s
            for s in items
            if (not status or status == "ALL" or s.status == status)
            and (not name or (s.name or "").startswith(name))
        ]
        start = int(next_token or 0)
        page = items[start : start + max_results]
        out: dict[str, Any] = {"Statements": [s.summary() for s in page]}
        if start + max_results < len(items):
            out["NextToken"] = str(start + max_results)
        return out

    def cancel(self, statement_id: str) -> bool:
        """Abort a queued or running statement; False when it already ended."""
        st = self.get(statement_id)
        if st.status == "SUBMITTED":
            self._end(st, "ABORTED")
            return True
        if st.status == "STARTED":
            st.status = "ABORTED"
            self.con.interrupt()
            return True
        return False

    def close(self) -> None:
        """Stop the worker after the queued statements and close the database."""
        self._queue.put(None)
        self._worker.join(timeout=30)
        self.con.close()

    # -- execution --------------------------------------------------------------------------

    def _run(self) -> None:
        while (st := self._queue.get()) is not None:
            if st.status != "SUBMITTED":
                continue  # aborted while queued
            st.status, st.started = "STARTED", time.perf_counter()
            self._running = st
            try:
                self._execute(st)
            except (duckdb.Error, SqlError, OSError, pa.ArrowException) as err:
                if st.is_batch:
                    self._rollback()
                self._end(st, "ABORTED" if st.status == "ABORTED" else "FAILED", _one_line(err))
            except Exception as err:
                self._rollback()
                self._end(st, "FAILED", f"internal error: {_one_line(err)}")
            else:
                self._end(st, "FINISHED")
            finally:
                self._running = None

    def _execute(self, st: Statement) -> None:
        if st.is_batch:
            self.con.execute("BEGIN TRANSACTION")
        for i, sql in enumerate(st.sqls, start=1):
            sub = {"Id": f"{st.id}:{i}", "Status": "STARTED", "QueryString": sql, "HasResultSet": False}
            st.sub_status.append(sub)
            try:
                self._one(st, sql)
            except Exception as err:
                sub.update(Status="FAILED", Error=_one_line(err))
                raise
            sub.update(Status="FINISHED", HasResultSet=bool(st.columns), ResultRows=st.result_rows)
        if st.is_batch:
            self.con.execute("COMMIT")

    def _one(self, st: Statement, sql: str) -> None:
        copy = parse_copy(sql)
        if copy is not None:
            st.columns, st.rows = [], []
            st.result_rows = self._copy(copy)
            return
        duck = to_duckdb(sql, with_params=bool(st.params))
        cur = self.con.execute(duck, st.params or None)
        if cur.description and not _is_dml(duck):
            rows = cur.fetchmany(MAX_RESULT_ROWS + 1)
            if len(rows) > MAX_RESULT_ROWS:
                raise SqlError(f"result larger than {MAX_RESULT_ROWS} rows; add a LIMIT or UNLOAD")
            st.columns = [_column(d) for d in cur.description]
            st.rows = rows
            st.result_rows = len(rows)
            st.result_size = sum(len(repr(r)) for r in rows)
        else:
            changed = cur.fetchone() if cur.description else None
            st.columns, st.rows, st.result_size = [], [], -1
            st.result_rows = int(changed[0]) if changed and isinstance(changed[0], int) else 0

    def _copy(self, copy: CopyFromS3) -> int:
        s3 = self._s3()
        objects: list[tuple[str, str]] = []
        if copy.manifest:
            body = s3.get_object(Bucket=copy.bucket, Key=copy.prefix)["Body"].read()
            for entry in json.loads(body)["entries"]:
                m = re.fullmatch(r"s3://([^/]+)/(.+)", entry["url"])
                if not m:
                    raise SqlError(f"bad manifest entry url {entry['url']!r}")
                objects.append((m.group(1), m.group(2)))
        else:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=copy.bucket, Prefix=copy.prefix):
                objects.extend(
                    (copy.bucket, o["Key"]) for o in page.get("Contents", []) if o["Key"].endswith(".parquet")
                )
        if not objects:
            raise SqlError(f"The specified S3 prefix '{copy.prefix}' does not exist in bucket {copy.bucket}")
        tables = [
            pq.read_table(io.BytesIO(s3.get_object(Bucket=b, Key=k)["Body"].read())) for b, k in objects
        ]
        data = pa.concat_tables(tables, promote_options="default")
        view = f"copy_src_{uuid.uuid4().hex[:8]}"
        self.con.register(view, data)
        try:
            self.con.execute(f'INSERT INTO "{copy.table}" BY NAME SELECT * FROM {view}')  # noqa: S608
        finally:
            self.con.unregister(view)
        return int(data.num_rows)

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.execute("ROLLBACK")

    def _end(self, st: Statement, status: str, error: str | None = None) -> None:
        st.status, st.error = status, error
        st.updated_at = datetime.now(UTC)
        st.duration_ns = int((time.perf_counter() - st.started) * 1e9) if st.started else -1


def _is_dml(sql: str) -> bool:
    return sql.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "MERGE"}


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:1_000] or type(err).__name__
