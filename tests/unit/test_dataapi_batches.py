"""BatchExecuteStatement on the local endpoint as the Data API answers it: each sub-statement
described and its result fetched by `<id>:<n>`, the batch's own id refused for results."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud.dataapi.engine import Engine
from cloud.dataapi.server import ApiError, dispatch

DONE = ("FINISHED", "FAILED", "ABORTED")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = Engine(str(tmp_path / "w.duckdb"), lambda: None)
    yield eng
    eng.close()


def _batch(engine: Engine, sqls: list[str]) -> str:
    sid = str(dispatch(engine, "BatchExecuteStatement", {"Sqls": sqls, "Database": "concert"})["Id"])
    deadline = time.monotonic() + 60
    while dispatch(engine, "DescribeStatement", {"Id": sid})["Status"] not in DONE:
        assert time.monotonic() < deadline, "the batch did not end within its bound"
        time.sleep(0.01)
    return sid


def _rows(page: dict[str, Any]) -> list[list[Any]]:
    return [[next(iter(f.values())) for f in rec] for rec in page["Records"]]


def test_each_sub_statement_has_its_own_result(engine: Engine) -> None:
    sid = _batch(
        engine,
        [
            "CREATE TABLE t (x INT, y VARCHAR(8))",
            "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
            "SELECT x, y FROM t ORDER BY x",
            "SELECT COUNT(*) AS n FROM t",
        ],
    )
    assert _rows(dispatch(engine, "GetStatementResult", {"Id": f"{sid}:3"})) == [[1, "a"], [2, "b"]]
    assert _rows(dispatch(engine, "GetStatementResult", {"Id": f"{sid}:4"})) == [[2]]
    with pytest.raises(ApiError, match="can only be retrieved with sub-statement id") as err:
        dispatch(engine, "GetStatementResult", {"Id": sid})
    assert err.value.kind == "ValidationException"
    with pytest.raises(ApiError, match="does not have result"):
        dispatch(engine, "GetStatementResult", {"Id": f"{sid}:1"})
    for missing in (f"{sid}:5", f"{sid}:0", f"{sid}:x"):
        with pytest.raises(ApiError) as err:
            dispatch(engine, "GetStatementResult", {"Id": missing})
        assert err.value.kind == "ResourceNotFoundException", missing


def test_a_sub_statement_is_described_alone(engine: Engine) -> None:
    sid = _batch(engine, ["CREATE TABLE u (x INT)", "INSERT INTO u VALUES (7)", "SELECT x FROM u"])
    parent = dispatch(engine, "DescribeStatement", {"Id": sid})
    assert [s["Id"] for s in parent["SubStatements"]] == [f"{sid}:{n}" for n in (1, 2, 3)]
    sub = dispatch(engine, "DescribeStatement", {"Id": f"{sid}:3"})
    assert sub["Id"] == f"{sid}:3" and sub["QueryString"] == "SELECT x FROM u"
    assert sub["Status"] == "FINISHED" and sub["HasResultSet"] and sub["ResultRows"] == 1
    assert sub["Duration"] >= 0 and "SubStatements" not in sub
    assert dispatch(engine, "DescribeStatement", {"Id": f"{sid}:1"})["HasResultSet"] is False


def test_a_failed_batch_says_which_statement_failed_and_which_never_ran(engine: Engine) -> None:
    sid = _batch(engine, ["SELECT 1 AS a", "SELECT * FROM no_such_table", "SELECT 2 AS b"])
    assert dispatch(engine, "DescribeStatement", {"Id": sid})["Status"] == "FAILED"
    failed = dispatch(engine, "DescribeStatement", {"Id": f"{sid}:2"})
    assert failed["Status"] == "FAILED" and "no_such_table" in failed["Error"]
    assert dispatch(engine, "DescribeStatement", {"Id": f"{sid}:3"})["Status"] == "ABORTED"
    with pytest.raises(ApiError, match="has not finished"):
        dispatch(engine, "GetStatementResult", {"Id": f"{sid}:1"})


def test_a_batch_of_more_than_40_statements_is_refused_as_aws_refuses_it(engine: Engine) -> None:
    with pytest.raises(ApiError, match="less than or equal to 40") as err:
        dispatch(engine, "BatchExecuteStatement", {"Sqls": ["SELECT 1"] * 41, "Database": "concert"})
    assert err.value.kind == "ValidationException"
    assert dispatch(engine, "DescribeStatement", {"Id": _batch(engine, ["SELECT 1"] * 40)})["Status"] == (
        "FINISHED"
    )


def test_temp_tables_end_with_their_call_as_a_session_does(engine: Engine) -> None:
    staging = ["CREATE TEMP TABLE stg AS SELECT 1 AS x", "SELECT COUNT(*) AS n FROM stg"]
    for _ in range(2):  # the second would fail if the first one's table were still there
        sid = _batch(engine, staging)
        assert _rows(dispatch(engine, "GetStatementResult", {"Id": f"{sid}:2"})) == [[1]]
    later = _batch(engine, ["SELECT COUNT(*) AS n FROM stg"])
    assert "stg" in dispatch(engine, "DescribeStatement", {"Id": later})["Error"]
