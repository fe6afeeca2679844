"""The SQL guard: every statement that does not come from our own code (a chat plan, an
operator's `concert query`) passes here before it reaches the warehouse. Pure.

It parses the text as Redshift SQL and accepts exactly one statement whose every node is part
of a read-only query: SELECT (with joins, CTEs, set operations, subqueries), over allow-listed
tables and views, calling allow-listed functions only. It refuses writes, DDL, COPY/UNLOAD,
ATTACH/INSTALL/LOAD/PRAGMA/SET and any other command, file and URL table functions, string
literals used as tables (DuckDB reads those as files), system catalogs, SELECT INTO, and
schema-qualified names. A LIMIT is forced (lowered to the cap when larger). The guard is one
of two locks: the warehouse itself refuses file and network access (the local engine's locked
configuration) and, on AWS, the chat's database user can only SELECT.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

STAR_SCHEMA = frozenset(
    {
        "dim_date",
        "dim_artist",
        "dim_venue",
        "dim_concert",
        "fact_ticket_sales",
        "fact_refunds",
        "agg_daily_sales",
        "agg_daily_venue_sales",
        "agg_daily_artist_sales",
        "agg_concert_sell_through",
    }
)
OPERATIONS = frozenset(
    {"event_log", "etl_batches", "etl_lease", "fact_ticket_sales_pending", "fact_refunds_pending"}
)
# Function calls by sqlglot's canonical name (the same whatever the spelling: DATEADD and
# DATE_ADD, NVL and COALESCE, GETDATE and CURRENT_TIMESTAMP). Unknown functions are refused.
FUNCTIONS = frozenset(
    {
        # aggregates
        "count", "sum", "avg", "min", "max", "stddev", "stddevsamp", "stddevpop", "variance", "median",
        "percentilecont", "percentiledisc", "approxdistinct", "groupconcat", "logicaland", "logicalor",
        "countif", "anyvalue",
        # conditionals and casts
        "coalesce", "nullif", "greatest", "least", "case", "if", "cast", "trycast", "decodecase",
        # numbers
        "abs", "round", "floor", "ceil", "trunc", "sqrt", "ln", "log", "exp", "sign",
        # text
        "lower", "upper", "length", "trim", "substring", "left", "right", "concat", "replace",
        "strposition", "splitpart", "initcap", "pad",
        # dates
        "datetrunc", "timestamptrunc", "extract", "tsordsadd", "tsordsdiff", "dateadd", "datediff",
        "datesub", "timetostr", "strtodate", "currentdate", "currenttimestamp", "date", "lastday",
        "monthsbetween", "converttimezone", "year", "month", "day", "quarter", "dayofweek", "week",
        # window functions
        "rownumber", "rank", "denserank", "ntile", "lag", "lead", "firstvalue", "lastvalue",
        "cumedist", "percentrank",
    }
)  # fmt: skip
DEFAULT_LIMIT = 200

# Nodes that never belong to a read-only query (sqlglot names, checked anywhere in the tree).
_FORBIDDEN = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Copy,
    exp.Command, exp.Set, exp.Pragma, exp.Transaction, exp.Commit, exp.Rollback, exp.Grant,
    exp.Use, exp.Into, exp.Describe, exp.LoadData, exp.Cache, exp.Uncache, exp.Refresh,
)  # fmt: skip
_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)
# sqlglot models some operators (AND, LIKE, IN, ...) as functions: they are not calls.
_OPERATORS = (exp.Connector, exp.Binary, exp.Predicate, exp.Unary)


class Refused(ValueError):
    """The statement is not allowed; the message says why, in one line."""


@dataclass(frozen=True)
class Policy:
    """What a caller may read: tables (and views), functions, and the row cap (None: no cap)."""

    tables: frozenset[str] = STAR_SCHEMA
    functions: frozenset[str] = FUNCTIONS
    limit: int | None = DEFAULT_LIMIT


CHAT = Policy()
OPERATOR = Policy(tables=STAR_SCHEMA | OPERATIONS, limit=None)


def guard(sql: str, policy: Policy = CHAT) -> str:
    """The statement, checked and with its LIMIT forced, as Redshift SQL; Refused otherwise."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="redshift") if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as err:
        raise Refused(f"cannot parse the query: {str(err).splitlines()[0][:200]}") from None
    if len(statements) != 1:
        raise Refused(f"exactly one statement is allowed, found {len(statements)}")
    root = statements[0]
    if not isinstance(root, _ROOTS):
        raise Refused(f"only a SELECT is allowed, not {root.key.upper()}")
    ctes = {c.alias_or_name.lower() for c in root.find_all(exp.CTE)}
    for node in root.walk():
        _check(node, policy, ctes)
    return _limited(root, policy.limit).sql("redshift")


def _check(node: exp.Expr, policy: Policy, ctes: set[str]) -> None:
    if isinstance(node, _FORBIDDEN):
        raise Refused(f"{node.key.upper()} is not allowed in a read-only query")
    if isinstance(node, exp.Table):
        _check_table(node, policy, ctes)
    elif isinstance(node, exp.Anonymous):
        raise Refused(f"function {str(node.name).lower()}() is not allowed")
    elif isinstance(node, exp.Func) and not isinstance(node, _OPERATORS) and node.key not in policy.functions:
        raise Refused(f"function {str(node.sql_name()).lower()}() is not allowed")


def _check_table(node: exp.Table, policy: Policy, ctes: set[str]) -> None:
    if not isinstance(node.this, exp.Identifier):
        # A function or a string literal in FROM: read_parquet(...), 'file.csv', glob(...).
        raise Refused(f"only tables can be read, not {node.this.sql('redshift')[:80]}")
    if node.args.get("db") or node.args.get("catalog"):
        raise Refused(f"schema-qualified names are not allowed: {node.sql('redshift')[:80]}")
    name = node.name.lower()
    if name in ctes:
        return
    if name not in policy.tables:
        raise Refused(f"table {name} is not allowed; allowed: {', '.join(sorted(policy.tables))}")


def _limited(root: exp.Expression, cap: int | None) -> exp.Expression:
    if cap is None:
        return root
    limit = root.args.get("limit")
    current = None
    if isinstance(limit, exp.Limit) and isinstance(limit.expression, exp.Literal) and limit.expression.is_int:
        current = int(limit.expression.this)
    if current is None or current > cap:
        if isinstance(root, exp.Select):
            return root.limit(cap)
        if isinstance(root, exp.Query):
            return exp.select("*").from_(root.subquery("q")).limit(cap)
        raise Refused("only a SELECT is allowed")
    return root
