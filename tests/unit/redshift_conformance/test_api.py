"""The Data API and COPY as Redshift documents them, on the local endpoint: result formats
(GetStatementResultV2's CSV), and COPY from S3 in the delimited-text, CSV, JSON and Parquet forms
with their options."""

from __future__ import annotations

import gzip
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloud.dataapi.engine import Engine
from cloud.dataapi.server import ApiError, dispatch, make_server
from tests.fakes.s3 import MemoryS3
from tests.unit.local_warehouse import run, settled
from tests.unit.redshift_conformance.test_sql import values

BUCKET = "loads"


@pytest.fixture
def s3() -> MemoryS3:
    return MemoryS3()


@pytest.fixture
def engine(tmp_path: Path, s3: MemoryS3) -> Iterator[Engine]:
    eng = Engine(str(tmp_path / "w.duckdb"), lambda: s3)
    yield eng
    eng.close()


def _ok(engine: Engine, sql: str) -> dict[str, Any]:
    described = run(engine, sql)
    assert described["Status"] == "FINISHED", described.get("Error")
    return described


def _rows(engine: Engine, sql: str) -> list[list[Any]]:
    return values(dispatch(engine, "GetStatementResult", {"Id": _ok(engine, sql)["Id"]}))


def _csv_statement(engine: Engine, sql: str) -> str:
    return str(run(engine, sql, ResultFormat="CSV")["Id"])


# -- result formats --------------------------------------------------------------------------


def test_csv_results_come_from_get_statement_result_v2(engine: Engine) -> None:
    sid = _csv_statement(
        engine, "select 1 as n, 'a,b' as s, null as z union all select 2, 'c', null order by n"
    )
    page = dispatch(engine, "GetStatementResultV2", {"Id": sid})
    assert page["ResultFormat"] == "CSV"
    assert page["TotalNumRows"] == 2
    assert page["Records"] == [{"CSVRecords": 'n,s,z\n1,"a,b",\n2,c,\n'}]
    assert [c["name"] for c in page["ColumnMetadata"]] == ["n", "s", "z"]
    assert dispatch(engine, "DescribeStatement", {"Id": sid})["ResultFormat"] == "CSV"


def test_each_result_format_has_its_own_call(engine: Engine) -> None:
    csv_id = _csv_statement(engine, "select 1")
    with pytest.raises(ApiError, match="GetStatementResultV2") as err:
        dispatch(engine, "GetStatementResult", {"Id": csv_id})
    assert err.value.kind == "ValidationException"
    json_id = _ok(engine, "select 1")["Id"]
    with pytest.raises(ApiError, match="use GetStatementResult "):
        dispatch(engine, "GetStatementResultV2", {"Id": json_id})
    with pytest.raises(ApiError, match="ResultFormat must be JSON or CSV"):
        dispatch(engine, "ExecuteStatement", {"Sql": "select 1", "Database": "dev", "ResultFormat": "XML"})


def test_non_finite_doubles_are_valid_json(engine: Engine) -> None:
    page = dispatch(
        engine, "GetStatementResult", {"Id": _ok(engine, "select 'NaN'::float, 'Infinity'::float")["Id"]}
    )
    assert page["Records"] == [[{"stringValue": "NaN"}, {"stringValue": "Infinity"}]]
    json.dumps(page, allow_nan=False)  # what a strict JSON reader accepts


def test_ddl_has_no_result_set(engine: Engine) -> None:
    described = _ok(engine, "create table t (a int) diststyle even")
    assert described["HasResultSet"] is False
    with pytest.raises(ApiError, match="does not have result"):
        dispatch(engine, "GetStatementResult", {"Id": described["Id"]})


def test_boto3_reads_v2_csv_and_redshift_errors_over_http(engine: Engine) -> None:
    server = make_server(engine, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = boto3.client(
            "redshift-data",
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # pragma: allowlist secret
        )
        sid = client.execute_statement(Sql="select 7/2 as half", Database="dev", ResultFormat="CSV")["Id"]
        settled(lambda: client.describe_statement(Id=sid), "select 7/2")
        page = client.get_statement_result_v2(Id=sid)
        assert page["Records"] == [{"CSVRecords": "half\n3\n"}]
        bad = client.execute_statement(Sql="select 1/0", Database="dev")["Id"]
        described = settled(lambda: client.describe_statement(Id=bad), "select 1/0")
        assert described["Error"] == "ERROR: division by zero"
    finally:
        server.shutdown()
        server.server_close()


# -- COPY ------------------------------------------------------------------------------------

VENUE = "create table venue (venueid smallint, venuename varchar(100), venuecity varchar(30), venuestate char(2), venueseats integer)"


def test_copy_delimited_text_with_header_nulls_and_gzip(engine: Engine, s3: MemoryS3) -> None:
    text = "venueid|venuename|venuecity|venuestate|venueseats\n1|Toyota Park|Bridgeview|IL|0\n2|Unknown|\\N|\\N|\\N\n"
    s3.put_object(Bucket=BUCKET, Key="venue/part-0.txt.gz", Body=gzip.compress(text.encode()))
    _ok(engine, VENUE)
    done = _ok(
        engine,
        f"copy venue from 's3://{BUCKET}/venue/' iam_role 'arn:aws:iam::123456789012:role/load' "
        "delimiter '|' ignoreheader 1 gzip region 'us-east-1'",
    )
    assert done["ResultRows"] == 2
    assert _rows(engine, "select * from venue order by venueid") == [
        [1, "Toyota Park", "Bridgeview", "IL", 0],
        [2, "Unknown", None, None, None],
    ]


def test_copy_csv_with_quotes_null_as_and_dateformat(engine: Engine, s3: MemoryS3) -> None:
    body = 'id,name,day,note\n1,"Smith, Jane",01/05/2008,NULL\n2,"Say ""hi""",12/31/2008,\n'
    s3.put_object(Bucket=BUCKET, Key="people.csv", Body=body.encode())
    _ok(engine, "create table people (id int, name varchar(20), day date, note varchar(10))")
    _ok(
        engine,
        f"copy people from 's3://{BUCKET}/people.csv' iam_role default format as csv "
        "ignoreheader 1 null as 'NULL' dateformat 'MM/DD/YYYY' emptyasnull",
    )
    assert _rows(engine, "select id, name, day, note from people order by id") == [
        [1, "Smith, Jane", "2008-01-05", None],
        [2, 'Say "hi"', "2008-12-31", None],
    ]


def test_copy_json_auto_matches_keys_to_columns(engine: Engine, s3: MemoryS3) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key="events/a.json",
        Body=b'{"eventid": 1, "eventname": "Gotye", "starttime": "2008-01-01 19:30:00"}\n'
        b'{"eventid": 2, "eventname": "Diana Krall"}{"eventid": 3, "EventName": "ignored", "extra": true}',
    )
    _ok(engine, "create table event (eventid int, eventname varchar(200), starttime timestamp)")
    _ok(engine, f"copy event from 's3://{BUCKET}/events/' iam_role default format as json 'auto'")
    assert _rows(engine, "select eventid, eventname, starttime from event order by eventid") == [
        [1, "Gotye", "2008-01-01 19:30:00"],
        [2, "Diana Krall", None],
        [3, None, None],
    ]


def test_copy_json_auto_ignorecase_and_a_column_list(engine: Engine, s3: MemoryS3) -> None:
    s3.put_object(
        Bucket=BUCKET,
        Key="cats.json",
        Body=b'{"CatID": 9, "CatName": "Pop"}\n{"catid": 10, "catname": "Jazz"}\n',
    )
    _ok(engine, "create table category (catid smallint, catgroup varchar(10), catname varchar(10))")
    _ok(engine, f"copy category (catid, catname) from 's3://{BUCKET}/cats.json' json 'auto ignorecase'")
    assert _rows(engine, "select * from category order by catid") == [[9, None, "Pop"], [10, None, "Jazz"]]


def test_copy_parquet_by_name(engine: Engine, s3: MemoryS3) -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"b": ["x", "y"], "a": [1, 2]}), buf)
    s3.put_object(Bucket=BUCKET, Key="p/part-0.parquet", Body=buf.getvalue())
    _ok(engine, "create table p (a int, b varchar(5))")
    _ok(engine, f"copy p from 's3://{BUCKET}/p/' iam_role default format as parquet")
    assert _rows(engine, "select a, b from p order by a") == [[1, "x"], [2, "y"]]


@pytest.mark.parametrize(
    ("body", "sql_tail", "error"),
    [
        (b"1|a|extra\n", "delimiter '|'", "ERROR: Load into table 't' failed. Line 1"),
        (b"x|a\n", "delimiter '|'", 'ERROR: invalid input syntax for integer: "x"'),
        (b"1|abcdef\n", "delimiter '|'", "ERROR: value too long for type character varying(3)"),
        (b"[1, 2]", "format as json 'auto'", "a JSON record must be an object"),
        (b"{", "format as json 'auto'", "Invalid JSON"),
        (b"", "format as avro 'auto'", "ERROR: COPY ... AVRO is not supported by the local endpoint"),
    ],
    ids=["field-count", "bad-integer", "too-long", "json-array", "json-broken", "avro"],
)
def test_copy_refuses_bad_files_with_redshift_errors(
    engine: Engine, s3: MemoryS3, body: bytes, sql_tail: str, error: str
) -> None:
    s3.put_object(Bucket=BUCKET, Key="bad/f", Body=body)
    _ok(engine, "create table t (a int, b varchar(3))")
    described = run(engine, f"copy t from 's3://{BUCKET}/bad/' iam_role default {sql_tail}")
    assert described["Status"] == "FAILED"
    assert error in described["Error"]
    assert _rows(engine, "select count(*) from t") == [[0]]  # nothing of a failed COPY stays
