"""COPY from S3 into a table of the local warehouse: the objects listed (under a prefix or in a
manifest), read several at once, their rows inserted in one statement (`copy_forms` reads the
text, CSV and JSON forms; Parquet columns are matched by name)."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cloud.dataapi.copy_forms import CopyError, CopyFromS3, iso, json_rows, reader_for, text_rows

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


COPY_READERS = 8  # objects a COPY reads at once


class CopyStopped(Exception):
    """The statement was cancelled or timed out while its objects were read."""


def copy_into(
    cur: duckdb.DuckDBPyConnection, s3: S3Client, copy: CopyFromS3, *, stopped: Callable[[], bool]
) -> int:
    """Run a COPY: read its objects from S3 (several at once, as Redshift's slices do), insert
    their rows into the table in one statement; the number of rows loaded."""
    objects: list[tuple[str, str]] = []
    if copy.manifest:
        body = s3.get_object(Bucket=copy.bucket, Key=copy.prefix)["Body"].read()
        for entry in json.loads(body)["entries"]:
            m = re.fullmatch(r"s3://([^/]+)/(.+)", entry["url"])
            if not m:
                raise CopyError(f"ERROR: bad manifest entry url {entry['url']!r}")
            objects.append((m.group(1), m.group(2)))
    else:
        suffix = ".parquet" if reader_for(copy) == "parquet" else ""
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=copy.bucket, Prefix=copy.prefix):
            objects.extend(
                (copy.bucket, o["Key"])
                for o in page.get("Contents", [])
                if o["Key"].endswith(suffix) and not o["Key"].endswith("/")
            )
    if not objects:
        raise CopyError(f"The specified S3 prefix '{copy.prefix}' does not exist in bucket {copy.bucket}")
    table_columns = cur.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [copy.table],
    ).fetchall()
    if not table_columns:
        raise CopyError(f'ERROR: relation "{copy.table}" does not exist')
    types = dict(table_columns)
    columns = list(copy.columns) or [c for c, _ in table_columns]

    def read(obj: tuple[str, str]) -> pa.Table:
        data = s3.get_object(Bucket=obj[0], Key=obj[1])["Body"].read()
        if reader_for(copy) == "parquet":
            return pq.read_table(io.BytesIO(data))
        rows = (json_rows if reader_for(copy) == "json" else text_rows)(data, copy, columns, obj[1])
        values = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
        for c in columns:
            kind = types.get(c, "")
            if kind == "DATE" or kind.startswith("TIMESTAMP"):
                fmt = copy.date_format if kind == "DATE" else copy.time_format
                values[c] = [iso(v, fmt, with_time=kind != "DATE") for v in values[c]]
        return pa.table({c: pa.array(values[c], pa.string()) for c in columns})

    with ThreadPoolExecutor(max_workers=COPY_READERS) as pool:
        tables = list(pool.map(read, objects))
    data = pa.concat_tables(tables, promote_options="default")
    if stopped():
        raise CopyStopped
    view = f"copy_src_{uuid.uuid4().hex[:8]}"
    cur.register(view, data)
    try:
        if reader_for(copy) == "parquet":
            cur.execute(f'INSERT INTO "{copy.table}" BY NAME SELECT * FROM {view}')  # noqa: S608
        else:
            names = ", ".join(f'"{c}"' for c in columns)
            casts = ", ".join(f'CAST("{c}" AS {types.get(c, "VARCHAR")})' for c in columns)
            cur.execute(f'INSERT INTO "{copy.table}" ({names}) SELECT {casts} FROM {view}')  # noqa: S608
    finally:
        cur.unregister(view)
    return int(data.num_rows)
