"""Redshift SQL to DuckDB SQL, and recognition of `COPY ... FROM 's3://...'`.

Pure. Statements are transpiled with sqlglot (Redshift dialect in, DuckDB out); Redshift-only
table properties are dropped and character lengths enforced (`ddl`); functions DuckDB answers
differently are rewritten (`functions`); value builders are bounded (`bounds`). Data API
`:name` parameters become DuckDB `$name` parameters.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import sqlglot
from sqlglot import exp

from cloud.dataapi.bounds import Refused, bounded, is_read
from cloud.dataapi.ddl import enforce, is_table_ddl, strip_physical
from cloud.dataapi.functions import LocalRedshift, Schema, rewrite

logging.getLogger("sqlglot").setLevel(logging.ERROR)
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class SqlError(ValueError):
    """SQL the endpoint cannot run; the message is what Redshift would say, in one line."""


class Catalog:
    """The warehouse's tables and column types, for rewrites that depend on a type, and the
    character columns' declared types (`bpchar`/`varchar`, length); equal (and cached) by
    version, which the engine moves on after every DDL statement."""

    def __init__(
        self,
        version: int = 0,
        tables: Schema | None = None,
        declared: dict[tuple[str, str], tuple[str, int]] | None = None,
    ) -> None:
        self.version, self.tables, self.declared = version, tables or {}, declared or {}

    def __hash__(self) -> int:
        return self.version

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and other.version == self.version


def _syntax_error(err: sqlglot.errors.ParseError) -> SqlError:
    """Redshift's words for a statement that does not parse."""
    near = next((e.get("highlight") for e in err.errors if e.get("highlight")), "")
    return SqlError(
        f'ERROR: syntax error at or near "{near}"' if near else "ERROR: syntax error at end of input"
    )


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (the Data API runs one per ExecuteStatement)."""
    try:
        return [s.sql("redshift") for s in sqlglot.parse(sql, read="redshift") if s is not None]
    except sqlglot.errors.ParseError as err:
        raise _syntax_error(err) from None


@lru_cache(maxsize=4096)
def to_duckdb(sql: str, *, with_params: bool = False, catalog: Catalog | None = None) -> str:
    """One Redshift statement in DuckDB's dialect (DDL may be preceded by the statements it
    needs, `;`-separated), its value builders bounded; with parameters, `:name` becomes
    `$name`. Cached: a bulk load sends the same statements batch after batch.
    """
    if catalog is not None and _REMOVE_DUPLICATES.search(sql):
        sql = remove_duplicates(sql, catalog.tables)
    tree = _every_match(_parse(strip_physical(sql) if is_table_ddl(sql) else sql))
    try:
        tree = bounded(tree)  # the caller's SQL; the rewrites below build only bounded values
    except Refused as err:
        raise SqlError(str(err)) from None
    tree, before = enforce(rewrite(tree, catalog.tables if catalog else None))
    out = tree.sql(dialect="duckdb")
    out = "; ".join([*before, out])
    return _PARAM.sub(r"$\1", out) if with_params else out


_REMOVE_DUPLICATES = re.compile(r"\bREMOVE\s+DUPLICATES\s*;?\s*$", re.IGNORECASE)
_SIMPLE_MERGE = re.compile(
    r"^\s*MERGE\s+INTO\s+(?P<target>[\w.\"]+)(?:\s+(?:AS\s+)?(?!USING\b)(?P<talias>\w+))?"
    r"\s+USING\s+(?P<source>[\w.\"]+)(?:\s+(?:AS\s+)?(?!ON\b)(?P<salias>\w+))?"
    r"\s+ON\s+(?P<on>.+?)\s+REMOVE\s+DUPLICATES\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def remove_duplicates(sql: str, tables: Schema) -> str:
    """Redshift's simplified `MERGE INTO t USING s ON ... REMOVE DUPLICATES` as the full MERGE it
    means: matched target rows take the source's values, column by column in order, and
    unmatched source rows are inserted."""
    m = _SIMPLE_MERGE.match(sql)
    if not m:
        raise SqlError('ERROR: syntax error at or near "REMOVE"')
    target, source = (m.group(g).strip('"').split(".")[-1].lower() for g in ("target", "source"))
    target_cols, source_cols = list(tables.get(target, {})), list(tables.get(source, {}))
    if not target_cols or len(target_cols) != len(source_cols):
        raise SqlError("ERROR: Target table and source table attributes don't match.")
    src = m.group("salias") or m.group("source")
    sets = ", ".join(f'"{t}" = {src}."{c}"' for t, c in zip(target_cols, source_cols, strict=True))
    values = ", ".join(f'{src}."{c}"' for c in source_cols)
    head = sql[: m.start("on")] + m.group("on")
    return f"{head} WHEN MATCHED THEN UPDATE SET {sets} WHEN NOT MATCHED THEN INSERT VALUES ({values})"


@lru_cache(maxsize=4096)
def reads_only(sql: str) -> bool:
    """True when the statement is a query that changes nothing (False for what does not parse)."""
    if parse_copy_safe(sql):
        return False
    try:
        return is_read(_parse(sql))
    except SqlError:
        return False


def parse_copy_safe(sql: str) -> bool:
    """True when `sql` is a COPY (well-formed or not)."""
    return sql.lstrip().upper().startswith("COPY")


def _every_match(tree: exp.Expr) -> exp.Expr:
    """Redshift's REGEXP_REPLACE replaces every match and takes its flags (`c`, `i`, `p`) fifth;
    DuckDB's replaces the first unless told `g`, and sqlglot reads the flags as an occurrence."""
    for node in tree.find_all(exp.RegexpReplace):
        flags = node.args.get("modifiers") or node.args.get("occurrence")
        if flags is not None and not (isinstance(flags, exp.Literal) and flags.is_string):
            continue  # flags computed at run time: left as written
        letters = "".join(c for c in (flags.name if flags is not None else "") if c in "ci")
        node.set("occurrence", None)
        node.set("modifiers", exp.Literal.string("g" + letters))
    return tree


def _parse(sql: str) -> exp.Expr:
    try:
        trees = [t for t in sqlglot.parse(sql, read=LocalRedshift) if t is not None]
    except sqlglot.errors.ParseError as err:
        raise _syntax_error(err) from None
    if len(trees) != 1:
        raise SqlError(f"expected one statement, found {len(trees)}")
    return trees[0]
