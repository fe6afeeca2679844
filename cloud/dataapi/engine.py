"""Statements of the local Data API: queued, run on the DuckDB file under bounds, results kept.

Mirrors the Redshift Data API's lifecycle: SUBMITTED, STARTED, then FINISHED, FAILED or
ABORTED; a batch runs in one transaction and reports sub-statements; results are typed
records with column metadata, paged by NextToken. `COPY ... FROM 's3://...' FORMAT AS
PARQUET|CSV|JSON` (and delimited text) reads the objects from S3 (the local cloud's, through
boto3) and bulk-inserts them (`copy_forms`).

Every statement is bounded (`settings`): DuckDB's memory limit, temp space and threads for the
database; per statement, its policy's timeout, operator memory and result size, enforced by a
watchdog that interrupts the statement's own cursor. Statements run in lanes, each a few
threads with a cursor apiece: everything that writes in submission order on the `load` lane,
queries on their policy's lane (`operator`, `chat`), so a runaway query never holds up a load.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cloud.dataapi.bounds import TOO_LONG
from cloud.dataapi.catalog import load_catalog
from cloud.dataapi.copy_forms import CopyError, CopyFromS3, parse_copy
from cloud.dataapi.copy_load import CopyStopped, copy_into
from cloud.dataapi.errors import redshift_error
from cloud.dataapi.kept_rows import KeptRows
from cloud.dataapi.names import DEFAULT_SCHEMA, Source, result_columns, star_table
from cloud.dataapi.settings import EndpointSettings, Policy
from cloud.dataapi.statement import MAX_RESULT_ROWS, PAGE_ROWS, Statement, to_column, to_csv, to_field
from cloud.dataapi.translate import Catalog, SqlError, reads_only, to_duckdb

TIMEOUT_ERROR = "ERROR: canceling statement due to statement timeout"
CANCEL_ERROR = "ERROR: Query cancelled on user's request"
FETCH_ROWS = 256
MAX_BATCH_SQLS = 40  # statements in one BatchExecuteStatement, as the Data API allows
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class NotFound(KeyError):
    """No statement with that id."""


class _Stopped(Exception):
    """The watchdog or CancelStatement stopped the statement between two engine calls."""


class _Slot:
    """One worker of a lane: a thread, its cursor and the statement it runs."""

    def __init__(self, lane: str, cursor: duckdb.DuckDBPyConnection) -> None:
        self.lane, self.cursor = lane, cursor
        self.current: Statement | None = None
        self.deadline = float("inf")
        self.stopped_at: float | None = None  # when the watchdog first interrupted `current`
        self.abandoned = False


class Engine:
    """Owns the DuckDB database; runs statements in bounded lanes, a watchdog over them."""

    def __init__(self, db_path: str, s3: Callable[[], Any], settings: EndpointSettings | None = None) -> None:
        self.settings = cfg = settings or EndpointSettings()
        self.db = duckdb.connect(db_path)
        temp = cfg.temp_directory or (f"{db_path}.tmp" if db_path != ":memory:" else None)
        for name, value in {
            "memory_limit": cfg.memory_limit,
            "threads": cfg.threads,
            "max_temp_directory_size": cfg.max_temp_directory_size,
            "scheduler_process_partial": True,  # fair turns between concurrent statements
            "integer_division": True,  # 7/2 is 3, x/0 an error, as on Redshift
            "TimeZone": "UTC",  # Redshift sessions' default
            **({"temp_directory": str(Path(temp))} if temp else {}),
        }.items():
            self.db.execute(f"SET GLOBAL {name} = ?", [value])
        lanes: dict[str, tuple[int, Policy]] = {
            "load": (1, cfg.operator),
            "operator": (cfg.operator.workers, cfg.operator),
            "chat": (cfg.chat.workers, cfg.chat),
        }
        self._queues: dict[str, queue.Queue[Statement | None]] = {lane: queue.Queue() for lane in lanes}
        self._slots: list[_Slot] = []
        # One spare cursor a query lane, made before the configuration is locked: it takes the
        # place of a cursor whose query will not heed its interrupts (see `_abandon`).
        self._spares: dict[str, list[duckdb.DuckDBPyConnection]] = {}
        for lane, (workers, policy) in lanes.items():
            cursors = [self.db.cursor() for _ in range(workers + (lane != "load"))]
            for cursor in cursors:
                cursor.execute("SET operator_memory_limit = ?", [policy.operator_memory])
            self._slots.extend(_Slot(lane, cursor) for cursor in cursors[:workers])
            self._spares[lane] = cursors[workers:]
        self._abandoned: list[_Slot] = []
        # The engine lock: no statement can read or write files or URLs, load extensions or
        # attach databases, and no statement can change that or any limit above (COPY is served
        # from S3 through pyarrow, never by DuckDB). A second line behind the SQL guard.
        self.db.execute("SET enable_external_access = false")
        self._catalog, self._catalog_stale = Catalog(), True
        self.db.execute("SET lock_configuration = true")
        self._s3_factory, self._s3_client = s3, None
        self._statements: dict[str, Statement] = {}
        self._order: deque[str] = deque()
        self._kept: deque[tuple[Statement, int]] = deque()
        self._kept_bytes = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._workers = [self._worker(slot) for slot in self._slots]
        self._watchdog = threading.Thread(target=self._watch, name="dataapi-watchdog", daemon=True)
        self._watchdog.start()

    def _worker(self, slot: _Slot) -> threading.Thread:
        thread = threading.Thread(target=self._serve, args=(slot,), name=f"dataapi-{slot.lane}", daemon=True)
        thread.start()
        return thread

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
        db_user: str | None = None,
        result_format: str = "JSON",
    ) -> Statement:
        """Queue a statement (or a batch) on its lane and return it."""
        if not sqls or any(not s.strip() for s in sqls):
            raise SqlError("Sql must not be empty")
        if is_batch and len(sqls) > MAX_BATCH_SQLS:
            raise SqlError(
                "1 validation error detected: Value at 'sqls' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_BATCH_SQLS}"
            )
        st = Statement(str(uuid.uuid4()), sqls, params, database, workgroup, name, is_batch)
        if result_format not in ("JSON", "CSV"):
            raise SqlError(f"ResultFormat must be JSON or CSV, got {result_format!r}")
        st.db_user, st.policy = db_user, self.settings.policy_name(db_user)
        st.result_format = result_format
        lane = st.policy if all(reads_only(s) for s in sqls) else "load"
        with self._lock:
            self._statements[st.id] = st
            self._order.append(st.id)
            self._forget_oldest()
        self._queues[lane].put(st)
        return st

    def get(self, statement_id: str) -> Statement:
        """The statement with that id (a batch sub-statement id `<id>:<n>` maps to its batch)."""
        with self._lock:
            st = self._statements.get(statement_id.split(":")[0])
        if st is None:
            raise NotFound(statement_id)
        return st

    def _sub(self, statement_id: str) -> tuple[Statement, int | None]:
        """The statement and, for `<id>:<n>`, the sub-statement's number (NotFound if none)."""
        st = self.get(statement_id)
        if ":" not in statement_id:
            return st, None
        part = statement_id.split(":", 1)[1]
        if not st.is_batch or not part.isdigit() or not 1 <= int(part) <= len(st.sqls):
            raise NotFound(statement_id)
        return st, int(part)

    def describe(self, statement_id: str) -> dict[str, Any]:
        """DescribeStatement: a statement, a batch with its sub-statements, or one sub-statement
        (`<id>:<n>`, once it has started)."""
        st, n = self._sub(statement_id)
        if n is None:
            return st.describe()
        if n > len(st.sub_status):  # not reached: still to run, or never will (the batch ended)
            parent = {k: v for k, v in st.describe().items() if k not in ("SubStatements", "Error")}
            status = "SUBMITTED" if st.status in ("SUBMITTED", "STARTED") else "ABORTED"
            return parent | {
                "Id": f"{st.id}:{n}",
                "Status": status,
                "QueryString": st.sqls[n - 1],
                "Duration": -1,
                "HasResultSet": False,
                "ResultRows": -1,
                "ResultSize": -1,
            }
        return st.describe_sub(n)

    def result_page(self, statement_id: str, next_token: str | None, *, v2: bool = False) -> dict[str, Any]:
        """One page of GetStatementResult, or with `v2` of GetStatementResultV2 (CSV records);
        of a batch: of one sub-statement, `<id>:<n>`."""
        st, n = self._sub(statement_id)
        if v2 != (st.result_format == "CSV"):
            wanted = "GetStatementResultV2" if st.result_format == "CSV" else "GetStatementResult"
            raise SqlError(
                f"The statement's ResultFormat is {st.result_format}: use {wanted} to fetch its result."
            )
        if st.is_batch and n is None:
            raise SqlError("BatchExecuteStatement result can only be retrieved with sub-statement id.")
        if st.status != "FINISHED":
            raise SqlError(f"Query has not finished: status {st.status}")
        columns, rows = (st.columns, st.rows) if n is None else st.sub_results[n - 1]
        if not columns:
            raise SqlError("Query does not have result. Please check query status with DescribeStatement.")
        expected = st.result_rows if n is None else int(st.sub_status[n - 1].get("ResultRows", 0))
        if expected > 0 and not rows:
            raise SqlError("Query result has expired; run the statement again")
        start = int(next_token or 0)
        page = rows[start : start + PAGE_ROWS]
        out: dict[str, Any] = {
            "Records": (
                [{"CSVRecords": to_csv(columns, page)}]
                if v2
                else [[to_field(v) for v in row] for row in page]
            ),
            "ColumnMetadata": columns,
            "TotalNumRows": len(rows),
        }
        if v2:
            out["ResultFormat"] = "CSV"
        if start + PAGE_ROWS < len(rows):
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
        """Abort a queued statement or interrupt a running one (it ends ABORTED); False when
        it already ended."""
        st = self.get(statement_id)
        with self._lock:
            if st.status == "SUBMITTED":
                self._end(st, "ABORTED", CANCEL_ERROR)
                return True
            if st.status != "STARTED":
                return False
            st.stop = st.stop or "cancel"
            self._interrupt(st)
        return True

    def close(self, wait_s: float = 30.0) -> None:
        """Finish the queued statements for up to `wait_s`, cancel what still runs, close."""
        with self._lock:
            for slot in self._slots:
                self._queues[slot.lane].put(None)
            workers = list(self._workers)
        deadline = time.monotonic() + wait_s
        for thread in workers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._lock:
            for slot in self._slots:
                if slot.current is not None:
                    slot.current.stop = slot.current.stop or "cancel"
        for thread in workers:
            thread.join(timeout=10)
        self._closed.set()
        self._watchdog.join(timeout=5)
        with contextlib.suppress(duckdb.Error):  # an abandoned query still runs; exit ends it
            self.db.close()

    # -- bounds -----------------------------------------------------------------------------

    def _watch(self) -> None:
        """Every tick: stop statements past their deadline, and queries while the process is
        past its memory ceiling (what DuckDB's limit does not see); keep interrupting them
        until they end, since DuckDB forgets an interrupt that falls between two calls."""
        while not self._closed.wait(self.settings.watch_interval_s):
            now, over = time.perf_counter(), _rss_mb() > self.settings.rss_limit_mb
            with self._lock:
                for slot in list(self._slots):
                    st = slot.current
                    if st is None:
                        continue
                    if st.stop is None and now > slot.deadline:
                        st.stop = "timeout"
                    if st.stop is None and over and slot.lane != "load":
                        st.stop = "memory"
                    if st.stop is not None:
                        slot.cursor.interrupt()
                        slot.stopped_at = slot.stopped_at or now
                        if now - slot.stopped_at > self.settings.abandon_after_s:
                            self._abandon(slot, st)
                for slot in list(self._abandoned):
                    slot.cursor.interrupt()
                    if slot.current is None:
                        self._abandoned.remove(slot)

    def _abandon(self, slot: _Slot, st: Statement) -> None:
        """End a query that has not heeded its interrupts for `abandon_after_s` (DuckDB does
        not check them everywhere) and give its lane a fresh cursor, so the bound holds and the
        lane serves on; the old thread is interrupted on until it returns, then discards its
        outcome. Only a query: a write may still commit, so it is never reported ended early.
        Called under the lock."""
        spares = self._spares.get(slot.lane, [])
        if not spares or not all(reads_only(sql) for sql in st.sqls):
            return
        status, error = self._outcome(st, _Stopped())
        if st.sub_status and st.sub_status[-1]["Status"] == "STARTED":
            st.sub_status[-1].update(Status=status, Error=error)
        self._end(st, status, error)
        slot.abandoned = True
        self._slots.remove(slot)
        self._abandoned.append(slot)
        fresh = _Slot(slot.lane, spares.pop())
        self._slots.append(fresh)
        self._workers.append(self._worker(fresh))

    def _interrupt(self, st: Statement) -> None:
        for slot in self._slots:
            if slot.current is st:
                slot.cursor.interrupt()

    def _outcome(self, st: Statement, err: Exception) -> tuple[str, str]:
        if st.stop == "cancel":
            return "ABORTED", CANCEL_ERROR
        if st.stop == "timeout":
            return "FAILED", TIMEOUT_ERROR
        if st.stop == "memory" or isinstance(err, duckdb.OutOfMemoryException):
            detail = "the endpoint is past its memory ceiling" if isinstance(err, _Stopped) else ""
            detail = detail or _one_line(err)
            return "FAILED", f"ERROR: out of memory: {detail}"
        if TOO_LONG in str(err):
            return "FAILED", f"ERROR: {TOO_LONG}"
        if isinstance(err, duckdb.Error):
            return "FAILED", redshift_error(str(err))
        if isinstance(err, SqlError | OSError | pa.ArrowException):
            return "FAILED", _one_line(err)
        return "FAILED", f"internal error: {_one_line(err)}"

    # -- execution --------------------------------------------------------------------------

    def _serve(self, slot: _Slot) -> None:
        lane = self._queues[slot.lane]
        while (st := lane.get()) is not None:
            with self._lock:
                if st.status != "SUBMITTED":
                    continue  # aborted while queued
                st.status, st.started = "STARTED", time.perf_counter()
                slot.current = st
            try:
                self._execute(st, slot)
            except Exception as err:
                if st.is_batch or not isinstance(err, duckdb.Error | SqlError | _Stopped):
                    _rollback(slot.cursor)
                status, error = self._outcome(st, err)
                with self._lock:
                    if not slot.abandoned:
                        if st.sub_status and st.sub_status[-1]["Status"] == "STARTED":
                            st.sub_status[-1].update(Status=status, Error=error)
                        self._end(st, status, error)
            else:
                with self._lock:
                    if finished := not slot.abandoned:
                        self._end(st, "FINISHED")
                if finished:
                    self._keep(st)
            finally:
                with self._lock:
                    slot.current, slot.deadline, slot.stopped_at = None, float("inf"), None
                if any("TEMP" in sql.upper() or "#" in sql for sql in st.sqls):
                    _end_session(slot.cursor)  # only a statement that may have made one
            if slot.abandoned:
                return  # its lane has a fresh cursor and thread

    def _execute(self, st: Statement, slot: _Slot) -> None:
        policy = self.settings.policy(st.policy)
        if st.is_batch:
            slot.cursor.execute("BEGIN TRANSACTION")
        for i, sql in enumerate(st.sqls, start=1):
            sub = {"Id": f"{st.id}:{i}", "Status": "STARTED", "QueryString": sql, "HasResultSet": False}
            st.sub_status.append(sub)
            began = time.perf_counter()
            with self._lock:  # statement_timeout counts per statement, as on Redshift
                slot.deadline = time.perf_counter() + policy.statement_timeout_s
            if not policy.may_write and not reads_only(sql):
                raise SqlError(f"permission denied: user {st.db_user} may only run queries")
            self._one(st, sql, slot.cursor, policy.max_result_bytes)
            sub.update(
                Status="FINISHED",
                HasResultSet=bool(st.columns),
                ResultRows=st.result_rows,
                Duration=int((time.perf_counter() - began) * 1e9),  # nanoseconds, as the Data API
            )
            if st.is_batch:
                st.sub_results.append((st.columns, st.rows))
        if st.is_batch:
            slot.cursor.execute("COMMIT")

    def _one(self, st: Statement, sql: str, cur: duckdb.DuckDBPyConnection, max_bytes: int) -> None:
        try:
            copy = parse_copy(sql)
        except CopyError as err:
            raise SqlError(str(err)) from None
        if copy is not None:
            st.columns, st.rows = [], []
            st.result_rows = self._copy(st, copy, cur)
            return
        if self._catalog_stale or "DUPLICATES" in sql.upper():  # REMOVE DUPLICATES may name a temp table
            self._catalog = load_catalog(cur, self._catalog.version + 1)
            self._catalog_stale = False
        duck = to_duckdb(sql, with_params=bool(st.params), catalog=self._catalog)
        if st.stop:
            raise _Stopped
        try:
            cur.execute(duck, st.params or None)
        finally:
            if _changes_catalog(sql):
                self._catalog_stale = True
        if cur.description and _returns_rows(duck):
            st.columns = _columns(sql, cur.description, self._catalog)
            rows = KeptRows()  # packed as fetched: the result's size is the bytes it holds
            limit, offset = _outer_limit(duck)
            while chunk := cur.fetchmany(FETCH_ROWS):
                if st.stop:
                    raise _Stopped
                rows.extend(_padded(st.columns, chunk))
                if limit is not None and len(rows) >= limit + offset:
                    break  # enough for the statement's LIMIT, applied or not (below)
                if len(rows) > MAX_RESULT_ROWS:
                    raise SqlError(f"result larger than {MAX_RESULT_ROWS} rows; add a LIMIT or UNLOAD")
                if rows.nbytes > max_bytes:
                    raise SqlError(f"result larger than {max_bytes // 2**20} MB; add a LIMIT or UNLOAD")
            rows.seal()
            if limit is not None and len(rows) > limit:  # DuckDB dropped the LIMIT (and its OFFSET)
                rows = KeptRows(rows[offset : offset + limit])
            st.rows, st.result_rows, st.result_size = rows, len(rows), rows.nbytes
        else:
            changed = cur.fetchone() if cur.description else None
            st.columns, st.rows, st.result_size = [], [], -1
            st.result_rows = int(changed[0]) if changed and isinstance(changed[0], int) else 0

    def _s3(self) -> Any:
        """The S3 client, made once (a boto3 client costs tens of milliseconds to make)."""
        with self._lock:
            if self._s3_client is None:
                self._s3_client = self._s3_factory()
            return self._s3_client

    def _copy(self, st: Statement, copy: CopyFromS3, cur: duckdb.DuckDBPyConnection) -> int:
        try:
            return copy_into(cur, self._s3(), copy, stopped=lambda: st.stop is not None)
        except CopyError as err:
            raise SqlError(str(err)) from None
        except CopyStopped:
            raise _Stopped from None

    def _keep(self, st: Statement) -> None:
        """Keep results up to `kept_result_mb` in all, counted by the bytes they hold; the
        oldest expire first."""
        size = sum(_held(rows) for _, rows in st.sub_results) if st.is_batch else _held(st.rows)
        with self._lock:
            self._kept.append((st, size))
            self._kept_bytes += size
            while self._kept_bytes > self.settings.kept_result_mb * 2**20 and len(self._kept) > 1:
                old, old_size = self._kept.popleft()
                old.rows = []
                old.sub_results = [(columns, []) for columns, _ in old.sub_results]
                self._kept_bytes -= old_size

    def _forget_oldest(self) -> None:
        """Drop the oldest ended statements past `kept_statements` or older than a day (the
        Data API lists a day's statements): the endpoint's memory does not grow with every
        statement it ever ran. A statement still queued or running is never dropped. Called
        under the lock."""
        day_ago = datetime.now(UTC) - timedelta(days=1)
        while self._order:
            old = self._statements[self._order[0]]
            if old.status in ("SUBMITTED", "STARTED"):
                return
            if len(self._order) <= self.settings.kept_statements and old.created_at > day_ago:
                return
            self._order.popleft()
            del self._statements[old.id]

    def _end(self, st: Statement, status: str, error: str | None = None) -> None:
        st.status, st.error = status, error
        st.updated_at = datetime.now(UTC)
        st.duration_ns = int((time.perf_counter() - st.started) * 1e9) if st.started else -1


# A statement's own LIMIT (and OFFSET), at its end and outside any parentheses.
_OUTER_LIMIT = re.compile(r"\bLIMIT\s+(\d+)(?:\s+OFFSET\s+(\d+))?\s*;?\s*$", re.I)


def _outer_limit(duck: str) -> tuple[int | None, int]:
    """The LIMIT and OFFSET that end a statement. DuckDB 2.0.1 drops the whole LIMIT operator
    from some plans, a LEFT JOIN whose other side is an empty table with a constant condition
    among them (`LEFT JOIN entity_crosswalk AS x ON x.kind = 'venue' AND ...` before the first
    entity pass: "top 1 venue by seats" listed every venue), so the engine applies it when more
    rows than the LIMIT come back (tests/unit/test_dataapi_kept.py)."""
    m = _OUTER_LIMIT.search(duck)
    if m is None or duck.count("(") != duck.count(")"):
        return None, 0
    return int(m[1]), int(m[2] or 0)


def _held(rows: object) -> int:
    """The bytes a kept result holds (a result is kept as `KeptRows`; anything else: none)."""
    return rows.nbytes if isinstance(rows, KeptRows) else 0


def _end_session(cur: duckdb.DuckDBPyConnection) -> None:
    """Drop the temp tables a statement left: on Redshift each Data API call is its own session
    and its temp tables end with it, so a caller may create the same ones the next time."""
    with contextlib.suppress(duckdb.Error):
        for (name,) in cur.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
            quoted = name.replace('"', '""')
            cur.execute(f'DROP TABLE IF EXISTS temp.main."{quoted}"')


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        cur.execute("ROLLBACK")


def _rss_mb() -> float:
    """The process's resident memory now (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except OSError:
        return 0.0


def _columns(sql: str, description: Any, catalog: Catalog) -> list[dict[str, Any]]:
    """Column metadata with Redshift's names, source tables and declared character types."""
    columns = [to_column(d) for d in description]
    named = result_columns(sql)
    star = star_table(sql) if named is None else None
    if star is not None and len(catalog.tables.get(star, {})) == len(columns):
        named = tuple(Source(c, DEFAULT_SCHEMA, star) for c in catalog.tables[star])
    if named is None or len(named) != len(columns):
        return columns
    for column, source in zip(columns, named, strict=True):
        column.update(name=source.name, label=source.name, schemaName=source.schema, tableName=source.table)
        declared = catalog.declared.get((source.table, source.name))
        if declared is not None:
            column.update(typeName=declared[0], precision=declared[1])
    return columns


def _padded(columns: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """CHAR(n) values blank-padded to n, as Redshift stores and returns them."""
    widths = {
        i: c["precision"] for i, c in enumerate(columns) if c["typeName"] == "bpchar" and c["precision"]
    }
    if not widths:
        return rows
    return [
        tuple(v.ljust(widths[i]) if i in widths and isinstance(v, str) else v for i, v in enumerate(row))
        for row in rows
    ]


def _changes_catalog(sql: str) -> bool:
    """True for statements that may add, drop or change a shared table or column. A temp table
    (every load cycle's staging) ends with its call and leaves the catalog and the translation
    cache as they were."""
    words = sql.lstrip().split(None, 2)
    if not words or words[0].upper() not in ("CREATE", "ALTER", "DROP"):
        return False
    return not (words[0].upper() == "CREATE" and len(words) > 1 and words[1].upper() in ("TEMP", "TEMPORARY"))


_QUERIES = {"SELECT", "WITH", "VALUES", "FROM", "TABLE", "SHOW", "DESCRIBE", "EXPLAIN", "("}


def _returns_rows(sql: str) -> bool:
    """A query has a result set; DML reports the rows it changed, DDL nothing (as on Redshift)."""
    first = sql.lstrip().split(None, 1)[0].upper()
    return first in _QUERIES or first.startswith("(")


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:1_000] or type(err).__name__
