"""Curated table schemas, derived from the warehouse DDL (`warehouse/schema.sql`), the one definition.

Pure: parses the Redshift DDL with sqlglot and maps each column to an Arrow type, so the
Parquet files of the lake's curated zone always match the tables they are COPYed into.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

SCHEMA_SQL = Path(__file__).parent / "warehouse" / "schema.sql"
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # DISTKEY/SORTKEY have no DuckDB equivalent

_SIMPLE: dict[Any, pa.DataType] = {
    exp.DataType.Type.BIGINT: pa.int64(),
    exp.DataType.Type.INT: pa.int32(),
    exp.DataType.Type.SMALLINT: pa.int16(),
    exp.DataType.Type.BOOLEAN: pa.bool_(),
    exp.DataType.Type.DATE: pa.date32(),
    exp.DataType.Type.DOUBLE: pa.float64(),
    exp.DataType.Type.VARCHAR: pa.string(),
    exp.DataType.Type.TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
}


def _arrow_type(dt: exp.DataType) -> pa.DataType:
    if dt.this == exp.DataType.Type.DECIMAL:
        precision, scale = (int(e.this.this) for e in dt.expressions)
        return pa.decimal128(precision, scale)
    try:
        return _SIMPLE[dt.this]
    except KeyError:
        raise ValueError(f"no Arrow type for warehouse column type {dt.sql('redshift')}") from None


@lru_cache(maxsize=1)
def ddl_statements() -> tuple[str, ...]:
    """The CREATE TABLE statements of the schema, in Redshift SQL."""
    return tuple(s.sql("redshift") for s in sqlglot.parse(SCHEMA_SQL.read_text(), read="redshift") if s)


@lru_cache(maxsize=1)
def table_schemas() -> dict[str, pa.Schema]:
    """Arrow schema of every warehouse table, columns in DDL order, NOT NULL kept."""
    out: dict[str, pa.Schema] = {}
    for stmt in sqlglot.parse(SCHEMA_SQL.read_text(), read="redshift"):
        if not isinstance(stmt, exp.Create) or stmt.args.get("kind") != "TABLE":
            continue
        table = stmt.this.this.name
        fields = []
        for col in stmt.this.expressions:
            if isinstance(col, exp.ColumnDef):
                not_null = any(isinstance(c.kind, exp.NotNullColumnConstraint) for c in col.constraints)
                fields.append(pa.field(col.name, _arrow_type(col.args["kind"]), nullable=not not_null))
        out[table] = pa.schema(fields)
    return out


@lru_cache(maxsize=1)
def _primary_keys() -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}
    for stmt in sqlglot.parse(SCHEMA_SQL.read_text(), read="redshift"):
        if isinstance(stmt, exp.Create) and stmt.args.get("kind") == "TABLE":
            for c in stmt.this.expressions:
                if isinstance(c, exp.PrimaryKey):
                    keys[stmt.this.this.name] = tuple(e.name for e in c.expressions)
    return keys


def key_columns(table: str) -> list[str]:
    """Primary-key columns of a table (its natural key, or event_id for facts)."""
    return list(_primary_keys()[table])


def to_arrow(table: str, rows: list[dict[str, object]]) -> pa.Table:
    """Rows of a curated table as an Arrow table with the warehouse's column types."""
    schema = table_schemas()[table]
    return pa.Table.from_pylist(rows, schema=schema)
