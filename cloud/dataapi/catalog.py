"""The local warehouse's catalog as the translation needs it: tables, column types, and the
declared type of every character column (kept in the CHECK that enforces its length)."""

from __future__ import annotations

import duckdb

from cloud.dataapi.ddl import DECLARED
from cloud.dataapi.translate import Catalog

_TYPE_NAMES = {"character varying": "varchar", "character": "bpchar"}


def load_catalog(cur: duckdb.DuckDBPyConnection, version: int) -> Catalog:
    """The catalog now, as seen by `cur` (inside its transaction, if any)."""
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind in cur.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal"
    ).fetchall():
        tables.setdefault(table, {})[column] = kind
    declared: dict[tuple[str, str], tuple[str, int]] = {}
    for table, text, columns in cur.execute(
        "SELECT table_name, constraint_text, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'CHECK'"
    ).fetchall():
        found = DECLARED.search(text or "")
        if found and columns:
            declared[(table, columns[0])] = (_TYPE_NAMES[found.group(1)], int(found.group(2)))
    for (table, column), (name, length) in declared.items():
        if column in tables.get(table, {}):
            tables[table][column] = f"{'CHAR' if name == 'bpchar' else 'VARCHAR'}({length})"
    return Catalog(version, tables, declared)
