"""Redshift SQL to DuckDB SQL, and recognition of `COPY ... FROM 's3://...' FORMAT AS PARQUET`.

Pure. Statements are transpiled with sqlglot (Redshift dialect in, DuckDB out); Redshift-only
table properties (DISTKEY, SORTKEY, DISTSTYLE) are dropped; value builders are bounded
(`bounds`). Data API `:name` parameters become
DuckDB `$name` parameters.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp

from concert.dataapi.bounds import Refused, bounded, is_read

logging.getLogger("sqlglot").setLevel(logging.ERROR)
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


class SqlError(ValueError):
    """SQL the endpoint cannot run; the message is what Redshift would say, in one line."""


@dataclass(frozen=True)
class CopyFromS3:
    """A Redshift COPY of Parquet objects under an S3 prefix into a table."""

    table: str
    bucket: str
    prefix: str
    manifest: bool = False


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (the Data API runs one per ExecuteStatement)."""
    try:
        return [s.sql("redshift") for s in sqlglot.parse(sql, read="redshift") if s is not None]
    except sqlglot.errors.ParseError as err:
        raise SqlError(f"syntax error: {str(err).splitlines()[0]}") from None


def parse_copy(sql: str) -> CopyFromS3 | None:
    """The COPY's target and S3 prefix, or None when `sql` is not a COPY."""
    if not sql.lstrip().upper().startswith("COPY"):
        return None
    try:
        stmt = sqlglot.parse_one(sql, read="redshift")
    except sqlglot.errors.ParseError as err:
        raise SqlError(f"syntax error in COPY: {str(err).splitlines()[0]}") from None
    if not isinstance(stmt, exp.Copy):
        return None
    params = {
        p.this.name.upper(): (p.expression.name.upper() if p.expression else "")
        for p in stmt.args.get("params", [])
    }
    if params.get("FORMAT") != "PARQUET":
        raise SqlError("only COPY ... FORMAT AS PARQUET is supported by the local endpoint")
    files = stmt.args.get("files") or []
    uri = files[0].name if files else ""
    m = re.fullmatch(r"s3://([^/]+)/?(.*)", uri)
    if not m:
        raise SqlError(f"COPY source must be an s3:// URI, got {uri!r}")
    return CopyFromS3(stmt.this.name, m.group(1), m.group(2), manifest="MANIFEST" in params)


@lru_cache(maxsize=4096)
def to_duckdb(sql: str, *, with_params: bool = False) -> str:
    """One Redshift statement in DuckDB's dialect, its value builders bounded; with parameters,
    `:name` becomes `$name`. Cached: a bulk load sends the same statements batch after batch.
    """
    tree = _every_match(_parse(sql))
    try:
        out = bounded(tree).sql(dialect="duckdb")
    except Refused as err:
        raise SqlError(str(err)) from None
    return _PARAM.sub(r"$\1", out) if with_params else out


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
        trees = [t for t in sqlglot.parse(sql, read="redshift") if t is not None]
    except sqlglot.errors.ParseError as err:
        raise SqlError(f"syntax error: {str(err).splitlines()[0]}") from None
    if len(trees) != 1:
        raise SqlError(f"expected one statement, found {len(trees)}")
    return trees[0]
