"""Every statement on the local warehouse engine is bounded: time, memory, value and result size.

The runaways are hours of work or gigabytes by construction, so each must end through its
bound; waits are on conditions, each with a generous cap, never on the clock.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloud.dataapi.engine import CANCEL_ERROR, TIMEOUT_ERROR, Engine
from cloud.dataapi.server import dispatch
from cloud.dataapi.settings import CHAT_READER, MB, ChatPolicy, EndpointSettings, OperatorPolicy, Policy
from cloud.dataapi.statement import Statement

P = TypeVar("P", bound=Policy)
DONE = ("FINISHED", "FAILED", "ABORTED")
CROSS = "SELECT SUM(hash(a.range + b.range)) FROM range(1000000) a CROSS JOIN range(1000000) b"
RUNAWAY = "timeout|memory"
TOO_LONG = "value too long for type character varying(65535)"
# name: (statement, the reason it must fail with: "timeout|memory" or a part of the error)
HOSTILE: dict[str, tuple[str, str]] = {
    "cross_join": (CROSS, RUNAWAY),
    "count_1e12": ("SELECT count(*) FROM range(1000000000000)", RUNAWAY),
    "recursive_counter": (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        RUNAWAY,
    ),
    "recursive_doubling": (
        "WITH RECURSIVE r(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM r WHERE length(s) < 2000000000) "
        "SELECT max(length(s)) FROM r",
        RUNAWAY,
    ),
    "recursive_fanout": (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM r CROSS JOIN range(10) WHERE r.n < 100) "
        "SELECT count(*) FROM r",
        RUNAWAY,
    ),
    "string_agg_repeat": ("SELECT length(string_agg(repeat('x', 1000), ',')) FROM range(100000000)", RUNAWAY),
    "listagg": ("SELECT length(listagg(range::varchar, ',')) FROM range(1000000000)", RUNAWAY),
    "list_aggregate": ("SELECT len(list(range)) FROM range(1000000000)", RUNAWAY),
    "window_row_number": (
        "SELECT max(x) FROM (SELECT row_number() OVER (ORDER BY hash(range)) AS x FROM range(1000000000))",
        RUNAWAY,
    ),
    "window_running_sum": (
        "SELECT max(x) FROM (SELECT sum(range) OVER (ORDER BY hash(range) ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS x FROM range(1000000000))",
        RUNAWAY,
    ),
    "window_lag_partitions": (
        "SELECT count(x) FROM (SELECT lag(range) OVER (PARTITION BY range % 1000000 ORDER BY hash(range)) AS x "
        "FROM range(1000000000))",
        RUNAWAY,
    ),
    "huge_sort": ("SELECT count(*) FROM (SELECT * FROM range(1000000000) ORDER BY hash(range))", RUNAWAY),
    "huge_sort_strings": (
        "SELECT count(*) FROM (SELECT md5(range::varchar) AS m FROM range(1000000000) ORDER BY m)",
        RUNAWAY,
    ),
    "count_distinct": ("SELECT count(DISTINCT md5(range::varchar)) FROM range(1000000000)", RUNAWAY),
    "group_by_every_key": (
        "SELECT count(*) FROM (SELECT range, count(*) FROM range(1000000000) GROUP BY range)",
        RUNAWAY,
    ),
    "generate_series_cross": (
        "SELECT count(*) FROM generate_series(1, 1000000) a, generate_series(1, 1000000) b",
        RUNAWAY,
    ),
    "generate_series_1e12": ("SELECT count(*) FROM generate_series(1, 1000000000000) g", RUNAWAY),
    "generate_series_seconds": (
        "SELECT count(*) FROM generate_series('2000-01-01'::timestamp, '3000-01-01'::timestamp, "
        "interval '1 second') g",
        RUNAWAY,
    ),
    "join_explosion": (
        "SELECT count(*) FROM range(1000000) a JOIN range(1000000) b ON a.range % 10 = b.range % 10",
        RUNAWAY,
    ),
    "inequality_join": (
        "SELECT count(*) FROM range(1000000) a JOIN range(1000000) b ON a.range < b.range",
        RUNAWAY,
    ),
    "cte_self_cross": (
        "WITH a AS (SELECT * FROM range(100000)) SELECT count(*) FROM a, a AS b, a AS c",
        RUNAWAY,
    ),
    "median_1e10": ("SELECT median(hash(range)) FROM range(10000000000)", RUNAWAY),
    "wide_result": ("SELECT repeat('x', 60000) FROM range(1000000)", "result larger than"),
    "long_result": ("SELECT range FROM range(100000000)", "result larger than"),
    "scalar_repeat": ("SELECT length(repeat('x', 2000000000))", TOO_LONG),
    "scalar_lpad": ("SELECT length(lpad('x', 2000000000, 'y'))", TOO_LONG),
    "scalar_space": ("SELECT length(space(2000000000))", TOO_LONG),
    "nested_repeat": ("SELECT length(repeat(repeat('x', 60000), 60000))", TOO_LONG),
    "replace_blowup": ("SELECT length(replace(repeat('x', 65535), 'x', repeat('y', 65535)))", TOO_LONG),
    "regexp_blowup": ("SELECT length(regexp_replace(repeat('x', 65535), '', repeat('y', 65535)))", TOO_LONG),
    "repeat_per_row": ("SELECT max(length(repeat('x', range * 1000000))) FROM range(3000)", TOO_LONG),
    "scalar_range": ("SELECT len(range(2000000000))", "function range does not exist"),
    "scalar_generate_series": ("SELECT generate_series(1, 100000000000)", "more than 10000000 rows"),
    "unnest_range": (
        "SELECT count(*) FROM (SELECT unnest(range(3000000000)))",
        "function range does not exist",
    ),
    "printf_width": ("SELECT length(printf('%2000000000d', 1))", "function printf does not exist"),
    "list_resize": ("SELECT len(list_resize([1], 2000000000))", "function list_resize does not exist"),
    "builders_nested_deep": (
        "SELECT replace(replace(replace(replace(replace('x', 'x', 'xx'), 'x', 'xx'), 'x', 'xx'), 'x', 'xx'), 'x', 'xx')",
        "too many string builders",
    ),
}


def _policy(kind: type[P], timeout_s: float, *, workers: int, may_write: bool) -> P:
    return kind(
        statement_timeout_s=timeout_s,
        operator_memory="128MB",
        workers=workers,
        max_result_bytes=16 * MB,
        may_write=may_write,
    )


def _engine(
    tmp: Path,
    *,
    operator_s: float,
    chat_s: float,
    s3: Callable[[], Any] | None = None,
    abandon_after_s: float = 10.0,
) -> Engine:
    settings = EndpointSettings(
        memory_limit="512MB",
        temp_directory=str(tmp / "spill"),
        max_temp_directory_size="256MB",
        operator=_policy(OperatorPolicy, operator_s, workers=2, may_write=True),
        chat=_policy(ChatPolicy, chat_s, workers=1, may_write=False),
        watch_interval_s=0.02,
        abandon_after_s=abandon_after_s,
    )
    return Engine(str(tmp / "warehouse.duckdb"), s3 or (lambda: None), settings)


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Statements time out after 1 s (the chat's after 0.5 s)."""
    engine = _engine(tmp_path_factory.mktemp("quick"), operator_s=1.0, chat_s=0.5)
    yield engine
    engine.close()


class _Lake:
    """The two S3 calls COPY makes, over one Parquet object."""

    def __init__(self, table: pa.Table) -> None:
        buf = io.BytesIO()
        pq.write_table(table, buf)
        self.body = buf.getvalue()

    def get_paginator(self, _: str) -> _Lake:
        return self

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return [{"Contents": [{"Key": "curated/t/part-0.parquet"}]}]

    def get_object(self, **_: Any) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.body)}


@pytest.fixture(scope="module")
def patient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Statements may run 10 minutes: a bound other than time must be what stops them (on a
    loaded machine a 1 s timeout could fire first)."""
    engine = _engine(tmp_path_factory.mktemp("patient"), operator_s=600.0, chat_s=600.0)
    yield engine
    engine.close()


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Engine]:
    """Operator statements may run 10 minutes, far past any test; the chat's 0.5 s."""
    lake = _Lake(pa.table({"id": list(range(1000)), "name": [f"n{i}" for i in range(1000)]}))
    engine = _engine(tmp_path, operator_s=600.0, chat_s=0.5, s3=lambda: lake)
    yield engine
    for st in list(engine.list("STARTED", None, 100, None)["Statements"]):
        engine.cancel(st["Id"])
    engine.close()


def _submit(
    engine: Engine, sqls: list[str] | str, *, user: str | None = None, batch: bool = False
) -> Statement:
    sqls = [sqls] if isinstance(sqls, str) else sqls
    return engine.submit(
        sqls, params={}, database="concert", workgroup=None, name=None, is_batch=batch, db_user=user
    )


def _until(condition: Callable[[], bool], bound_s: float = 120.0) -> None:
    deadline = time.monotonic() + bound_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met within its bound"
        time.sleep(0.01)


def _ended(st: Statement, bound_s: float = 120.0) -> Statement:
    _until(lambda: st.status in DONE, bound_s)
    return st


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_runaway_statement_fails_through_its_bound(quick: Engine, patient: Engine, name: str) -> None:
    sql, reason = HOSTILE[name]
    engine = quick if reason == RUNAWAY else patient  # a result's size or a value's length: not time
    st = _ended(_submit(engine, sql))
    assert st.status == "FAILED", (name, st.status)
    error = st.error or ""
    if reason == RUNAWAY:
        assert error == TIMEOUT_ERROR or error.startswith("ERROR: out of memory"), (name, error)
    else:
        assert reason in error, (name, error)
    assert _ended(_submit(engine, "SELECT 1 AS ok")).rows == [(1,)], "the engine serves on"


def test_bounded_builders_still_build_what_fits(quick: Engine) -> None:
    st = _ended(
        _submit(
            quick,
            "SELECT repeat('ab', 3) AS r, lpad('7', 3, '0') AS l, replace('axbx', 'x', 'yy') AS p, "
            "regexp_replace('a1b', '[0-9]', '') AS g, length(repeat('x', 65535)) AS n",
        )
    )
    assert st.status == "FINISHED" and st.rows == [("ababab", "007", "ayybyy", "ab", 65535)]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("regexp_replace('a-b-c', '-', '+')", "a+b+c"),  # every match, not the first
        ("regexp_replace('A-a-A', 'a', 'x', 1, 'i')", "x-x-x"),  # flags fifth: case-insensitive
        ("regexp_replace('a-b-c', '-')", "abc"),  # the replacement defaults to ''
        ("regexp_replace('a-b-c', '-', '+', 3)", "a-b+c"),  # from the third character on
        ("regexp_replace('x1y22', '[0-9]+', '#', 1, 'p')", "x#y#"),
    ],
)
def test_regexp_replace_means_what_redshift_means(quick: Engine, call: str, expected: str) -> None:
    st = _ended(_submit(quick, f"SELECT {call} AS r"))
    assert st.status == "FINISHED" and st.rows == [(expected,)], (call, st.error, st.rows)


def test_the_chat_is_bounded_tighter_and_may_only_read(slow: Engine) -> None:
    operator, chat = _submit(slow, CROSS), _submit(slow, CROSS, user=CHAT_READER)
    assert chat.policy == "chat" and operator.policy == "operator"
    assert _ended(chat).error == TIMEOUT_ERROR
    assert operator.status == "STARTED", "the operator's 10 minutes are not up"
    write = _ended(_submit(slow, "CREATE TABLE chat_made (x INT)", user=CHAT_READER))
    assert write.status == "FAILED" and "permission denied" in (write.error or "")


def test_cancel_interrupts_a_running_statement_and_drops_a_queued_one(slow: Engine) -> None:
    running = [_submit(slow, CROSS) for _ in range(2)]  # both operator workers busy
    queued = _submit(slow, CROSS)
    _until(lambda: all(st.status == "STARTED" for st in running))
    assert queued.status == "SUBMITTED"
    assert slow.cancel(queued.id) and queued.status == "ABORTED"
    assert slow.cancel(running[0].id)
    assert _ended(running[0]).status == "ABORTED" and running[0].error == CANCEL_ERROR
    assert not slow.cancel(running[0].id), "an ended statement cannot be cancelled"
    assert running[1].status == "STARTED", "the cancel interrupts only its own statement"


def test_loads_complete_while_runaway_queries_run(slow: Engine) -> None:
    runaways = [_submit(slow, CROSS), _submit(slow, CROSS, user=CHAT_READER)]
    _until(lambda: all(st.status == "STARTED" for st in runaways))
    load = _ended(
        _submit(
            slow,
            [
                "CREATE TABLE IF NOT EXISTS t (id BIGINT, name VARCHAR(20))",
                "COPY t FROM 's3://lake/curated/t/' IAM_ROLE 'arn:aws:iam::0:role/r' FORMAT AS PARQUET",
                "INSERT INTO t SELECT i, 'g' FROM generate_series(1000, 1999) AS g(i)",
            ],
            batch=True,
        )
    )
    assert load.status == "FINISHED", load.error
    check = _ended(_submit(slow, "SELECT count(*) FROM t"))  # the ETL's own query, beside the runaway
    assert check.rows == [(2000,)]
    assert runaways[0].status == "STARTED", "the load did not wait for the runaway to end"


def test_a_timeout_in_a_batch_fails_it_and_rolls_it_back(quick: Engine) -> None:
    st = _ended(
        _submit(quick, ["CREATE TABLE rolled (x INT)", "INSERT INTO rolled VALUES (1)", CROSS], batch=True)
    )
    assert st.status == "FAILED" and st.error == TIMEOUT_ERROR
    assert [s["Status"] for s in st.sub_status] == ["FINISHED", "FINISHED", "FAILED"]
    assert "does not exist" in (_ended(_submit(quick, "SELECT * FROM rolled")).error or "")


def test_no_statement_can_lift_the_limits(quick: Engine) -> None:
    for sql in ("SET memory_limit = '100GB'", "SET operator_memory_limit = '100GB'", "RESET threads"):
        st = _ended(_submit(quick, sql))
        assert st.status == "FAILED" and "Cannot change" in (st.error or ""), (sql, st.error)


def test_the_endpoint_tells_the_chat_by_its_database_user(quick: Engine) -> None:
    body = {"Sql": "SELECT 1", "Database": "concert", "WorkgroupName": "concert", "DbUser": CHAT_READER}
    out = dispatch(quick, "ExecuteStatement", body)
    assert out["DbUser"] == CHAT_READER and quick.get(out["Id"]).policy == "chat"
    assert (
        quick.get(dispatch(quick, "ExecuteStatement", body | {"DbUser": "admin"})["Id"]).policy == "operator"
    )


def test_a_query_deaf_to_its_interrupts_ends_at_its_bound_and_its_lane_serves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some DuckDB phases do not check interrupts; such a query is ended (its lane gets a fresh
    cursor), while a write, which may still commit, is never reported ended before it is."""
    release = threading.Event()
    execute = Engine._one

    def deaf(self: Engine, st: Statement, sql: str, cur: Any, max_bytes: int) -> None:
        if "deaf" in sql:
            release.wait(120)  # hears no interrupt until the test lets it go
        execute(self, st, sql, cur, max_bytes)

    monkeypatch.setattr(Engine, "_one", deaf)
    engine = _engine(tmp_path, operator_s=0.2, chat_s=0.2, abandon_after_s=0.3)
    try:
        write = _submit(engine, "CREATE TABLE deaf_made AS SELECT 1 AS x")
        query = _submit(engine, "SELECT 'deaf' AS x", user=CHAT_READER)
        assert _ended(query).status == "FAILED" and query.error == TIMEOUT_ERROR
        served = _ended(_submit(engine, "SELECT 1 AS ok", user=CHAT_READER))
        assert served.rows == [(1,)], "the chat's one lane serves on with a fresh cursor"
        stopped = [s for s in engine._slots if s.current is write]
        _until(lambda: time.perf_counter() - (stopped[0].stopped_at or time.perf_counter()) > 1.0)
        assert write.status == "STARTED", "a write is not reported ended while it may still commit"
        release.set()
        assert _ended(write).status == "FAILED" and write.error == TIMEOUT_ERROR
        _until(lambda: not engine._abandoned)
        assert query.status == "FAILED" and query.error == TIMEOUT_ERROR, "the late outcome is dropped"
        assert _ended(_submit(engine, "SELECT 'deaf' AS x", user=CHAT_READER)).rows == [("deaf",)]
    finally:
        release.set()
        engine.close()


def test_limits_come_from_the_environment_with_safe_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = EndpointSettings()
    assert defaults.chat.statement_timeout_s < defaults.operator.statement_timeout_s
    assert not defaults.chat.may_write and defaults.chat.max_result_bytes < defaults.operator.max_result_bytes
    monkeypatch.setenv("CONCERT_DATAAPI_CHAT__STATEMENT_TIMEOUT_S", "5")
    monkeypatch.setenv("CONCERT_DATAAPI_MEMORY_LIMIT", "1GB")
    settings = EndpointSettings()
    assert settings.chat.statement_timeout_s == 5 and settings.memory_limit == "1GB"
    assert settings.chat.operator_memory == defaults.chat.operator_memory, "the rest of the policy stays"
