"""A Data API statement, its DescribeStatement/ListStatements answers and its typed records."""

from __future__ import annotations

import base64
import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

_NONFINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
PAGE_ROWS = 1_000
MAX_RESULT_ROWS = 1_000_000
_TYPE_NAMES = {
    "BIGINT": "int8",
    "INTEGER": "int4",
    "SMALLINT": "int2",
    "TINYINT": "int2",
    "HUGEINT": "int8",  # SUM of integers: BIGINT on Redshift
    "UBIGINT": "int8",  # DuckDB's unsigned counts (JSON_ARRAY_LENGTH): Redshift has no unsigned types
    "UINTEGER": "int8",
    "USMALLINT": "int4",
    "UTINYINT": "int2",
    '"NULL"': "unknown",
    "DOUBLE": "float8",
    "FLOAT": "float4",
    "BOOLEAN": "bool",
    "VARCHAR": "varchar",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "BLOB": "bytea",
}


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
    rows: Sequence[tuple[Any, ...]] = field(default_factory=list)  # KeptRows once finished
    result_rows: int = -1
    result_size: int = -1
    sub_status: list[dict[str, Any]] = field(default_factory=list)
    # A batch's results, one (columns, rows) per sub-statement (GetStatementResult of `<id>:<n>`).
    sub_results: list[tuple[list[dict[str, Any]], Sequence[tuple[Any, ...]]]] = field(default_factory=list)
    db_user: str | None = None
    policy: str = "operator"
    result_format: str = "JSON"  # or CSV: fetched with GetStatementResultV2
    stop: str | None = None  # why it is being stopped: "cancel", "timeout" or "memory"

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
            "ResultFormat": self.result_format,
        }
        if self.workgroup:
            d["WorkgroupName"] = self.workgroup
        if self.error:
            d["Error"] = self.error
        if self.is_batch:
            d["SubStatements"] = self.sub_status
        return d

    def describe_sub(self, n: int) -> dict[str, Any]:
        """DescribeStatement of sub-statement `n` (from 1) of a batch: that statement alone."""
        sub = self.sub_status[n - 1]
        d: dict[str, Any] = {
            "Id": sub["Id"],
            "Status": sub["Status"],
            "QueryString": sub["QueryString"],
            "Database": self.database,
            "CreatedAt": self.created_at.timestamp(),
            "UpdatedAt": self.updated_at.timestamp(),
            "Duration": sub.get("Duration", -1),
            "HasResultSet": sub.get("HasResultSet", False),
            "ResultRows": sub.get("ResultRows", -1),
            "ResultSize": -1,
            "RedshiftPid": 1,
            "RedshiftQueryId": 0,
        }
        if self.workgroup:
            d["WorkgroupName"] = self.workgroup
        if sub.get("Error"):
            d["Error"] = sub["Error"]
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


def to_field(value: Any) -> dict[str, Any]:
    """One value as a Data API Field."""
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):  # NaN and infinities have no JSON number: sent as their names
        return {"doubleValue": value} if math.isfinite(value) else {"stringValue": _NONFINITE[str(value)]}
    if isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
        return {"stringValue": text + ("+00" if value.tzinfo else "")}
    if isinstance(value, date | Decimal):
        return {"stringValue": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blobValue": base64.b64encode(bytes(value)).decode()}
    return {"stringValue": str(value)}


def to_csv(columns: list[dict[str, Any]], rows: Sequence[tuple[Any, ...]]) -> str:
    """Rows as GetStatementResultV2's CSV records: a header, then one line a row (NULL empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(c["name"] for c in columns)
    for row in rows:
        writer.writerow("" if v is None else next(iter(to_field(v).values())) for v in row)
    return out.getvalue()


_PRECISION = {"int2": 5, "int4": 10, "int8": 19, "float4": 8, "float8": 17, "bool": 1, "date": 13}
_PRECISION |= {"timestamp": 29, "timestamptz": 35}


def to_column(desc: tuple[Any, ...]) -> dict[str, Any]:
    """A DB-API column description as Data API ColumnMetadata."""
    type_text = str(desc[1]).upper()
    base = type_text.split("(")[0]
    name = "numeric" if base == "DECIMAL" else _TYPE_NAMES.get(type_text, _TYPE_NAMES.get(base, base.lower()))
    precision, scale = (
        (int(x) for x in type_text[len(base) + 1 : -1].split(","))
        if "(" in type_text
        else (_PRECISION.get(name, 0), 0)
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
