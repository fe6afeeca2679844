"""The names and sources of a query's result columns, as Redshift reports them.

Pure. DuckDB names an unaliased expression after its text (`count_star()`, `sum(venueseats)`,
a whole window); Redshift, like PostgreSQL, after the column (`venueseats`), the function as
written (`count`, `sum`, `first_value`), `case` for CASE, and `?column?` for anything else. A
column read straight from a table also reports that table (and its schema).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import Token, TokenType, exp

from cloud.dataapi.functions import LocalRedshift

ANONYMOUS = "?column?"
DEFAULT_SCHEMA = "public"
_END = {
    "FROM",
    "INTO",
    "WHERE",
    "GROUP",
    "HAVING",
    "ORDER",
    "LIMIT",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "WINDOW",
    "QUALIFY",
}
_MODIFIERS = {"DISTINCT", "ALL"}
_TYPE_NAMES = {"int": "int4", "integer": "int4", "bigint": "int8", "smallint": "int2", "decimal": "numeric"}
_TYPE_NAMES |= {"double precision": "float8", "float": "float8", "real": "float4", "boolean": "bool"}


@dataclass(frozen=True)
class Source:
    """One result column: its name, and the table (schema, table) it was read from, if any."""

    name: str
    schema: str = ""
    table: str = ""


@lru_cache(maxsize=4096)
def result_columns(sql: str) -> tuple[Source, ...] | None:
    """Each result column of a SELECT, or None when they cannot be told from the text (a `*`,
    a statement that is not a query, one that does not parse)."""
    try:
        tree = sqlglot.parse_one(sql, read=LocalRedshift)
        tokens = LocalRedshift().tokenize(sql)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    select = (
        tree
        if isinstance(tree, exp.Select)
        else tree.find(exp.Select)
        if isinstance(tree, exp.SetOperation)
        else None
    )
    if select is None or any(isinstance(p, exp.Star) or p.is_star for p in select.expressions):
        return None
    firsts = _first_words(tokens)
    if firsts is None or len(firsts) != len(select.expressions):
        return None
    tables = _tables(select, {cte.alias_or_name for cte in tree.find_all(exp.CTE)})
    return tuple(_source(p, first, tables) for p, first in zip(select.expressions, firsts, strict=True))


@lru_cache(maxsize=1024)
def star_table(sql: str) -> str | None:
    """The table of `SELECT * FROM table ...` (one table, no join), whose columns the result
    has in the table's order; None for any other statement."""
    try:
        tree = sqlglot.parse_one(sql, read=LocalRedshift)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError):
        return None
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1 or not tree.expressions[0].is_star:
        return None
    source = tree.args.get("from_") or tree.args.get("from")
    if source is None or tree.args.get("joins") or not isinstance(source.this, exp.Table):
        return None
    return str(source.this.name)


def _source(node: exp.Expr, first: str, tables: dict[str, tuple[str, str]]) -> Source:
    if isinstance(node, exp.Alias):
        return Source(node.alias)
    if isinstance(node, exp.Column):
        schema, table = tables.get(node.table, ("", "")) if node.table else tables.get("", ("", ""))
        return Source(node.name, schema, table)
    return Source(name_of(node, first))


def name_of(node: exp.Expr, first: str | None = None) -> str:
    """PostgreSQL's name for an unaliased expression (`first`: its first word as written, ""
    when that is a literal, None when not known)."""
    if first is not None and first.lower() == "date_part":
        return "pgdate_part"  # Redshift's DATE_PART is its own function, named so
    if isinstance(node, exp.Column):
        return node.name
    if isinstance(node, exp.Cast):
        inner = name_of(node.this)
        if inner != ANONYMOUS:
            return inner
        written = node.to.sql("redshift").split("(")[0].lower()
        return _TYPE_NAMES.get(written, written)
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Extract):
        return "date_part"
    if (
        isinstance(node, exp.Subquery)
        and isinstance(node.this, exp.Select)
        and len(node.this.expressions) == 1
    ):
        inner = node.this.expressions[0]
        return inner.alias if isinstance(inner, exp.Alias) else name_of(inner)
    if isinstance(node, exp.Window | exp.Func | exp.WithinGroup) and first is not None:
        return first.lower() if first[:1].isalpha() or first[:1] == "_" else ANONYMOUS
    if isinstance(node, exp.Func):  # inside a scalar subquery: its canonical name
        return node.sql_name().lower()
    return ANONYMOUS


def _first_words(tokens: list[Token]) -> list[str] | None:
    """The first word of each projection of the outermost SELECT."""
    depth, start = 0, None
    for i, tok in enumerate(tokens):
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
        if depth == 0 and tok.token_type == TokenType.SELECT:
            start = i + 1
            break
    if start is None:
        return None
    while start < len(tokens) and tokens[start].text.upper() in _MODIFIERS:
        start += 1
    if start + 1 < len(tokens) and tokens[start].text.upper() == "TOP":
        start += 2
    words, depth, expect = [], 0, True
    for tok in tokens[start:]:
        if depth == 0 and tok.text.upper() in _END:
            break
        if expect:
            words.append(tok.text if tok.token_type not in (TokenType.STRING, TokenType.NUMBER) else "")
            expect = False
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tok.token_type, 0)
        if depth == 0 and tok.token_type == TokenType.COMMA:
            expect = True
    return words


def _tables(select: exp.Select, ctes: set[str]) -> dict[str, tuple[str, str]]:
    """Alias (and name) -> (schema, table) for the tables the SELECT reads; "" -> the only one."""
    found: dict[str, tuple[str, str]] = {}
    sources = [select.args.get("from_") or select.args.get("from")]
    sources += list(select.args.get("joins") or [])
    tables = [
        t
        for s in sources
        if s is not None
        for t in [s.this]
        if isinstance(t, exp.Table) and t.name not in ctes
    ]
    for table in tables:
        entry = (table.db or DEFAULT_SCHEMA, table.name)
        found[table.name] = entry
        if table.alias:
            found[table.alias] = entry
    if len(tables) == 1 and len(sources) == 1:
        found[""] = (tables[0].db or DEFAULT_SCHEMA, tables[0].name)
    return found
