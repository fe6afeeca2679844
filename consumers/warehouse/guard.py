"""The SQL guard: every statement that does not come from our own code (a chat plan, an
operator's `concert query`) passes here before it reaches the warehouse. Pure.

It parses the text as Redshift SQL and accepts exactly one statement whose every node is part
of a read-only query: SELECT (with joins, CTEs, set operations, subqueries), over allow-listed
tables and views, calling allow-listed functions only. Names are resolved by scope
(`guard_scope`): a CTE hides a table only where the engine would read the CTE; every other
reference is a real table and must be allow-listed. It refuses writes, DDL, COPY/UNLOAD,
ATTACH/INSTALL/LOAD/PRAGMA/SET and any other command, file and URL table functions, string
literals used as tables (DuckDB reads those as files), the catalogs and system tables of both
engines, sampling, SELECT INTO, schema-qualified and non-ASCII names. A LIMIT is forced (a
larger, percentage, WITH TIES or non-literal one is replaced by the cap).

Hostile input ends in a refusal, never in another exception: the size, the token count and the
nesting depth are bounded before sqlglot's recursive parser runs, and any failure of the check
itself is a refusal. The guarded statement must read back to itself (checked again).

The guard is one of two locks: the warehouse itself refuses file and network access (the local
engine's locked configuration) and, on AWS, the chat's database user can only SELECT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import Dialect, ParseError, Token, TokenError, TokenType, exp
from sqlglot.parsers.redshift import RedshiftParser

from consumers.warehouse.guard_scope import cte_name, cte_references, is_system

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
        "resolved_artist",
        "resolved_venue",
        "resolved_concert",
        "entity_alias",
        "entity_ids",
    }
)
OPERATIONS = frozenset(
    {
        "event_log", "etl_batches", "etl_lease", "fact_ticket_sales_pending", "fact_refunds_pending",
        "entity_crosswalk", "fact_concert_published",
    }
)  # fmt: skip
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
MAX_CHARS = 100_000  # a statement longer than this is refused unread
MAX_TOKENS = 5_000  # checking time grows with tokens: 5,000 take up to ~0.6 s
MAX_DEPTH = 24  # nesting of (...), [...], {...}, CASE ... END and NOT NOT ...
BACKTRACK_PER_TOKEN = 4  # tokens the parser may re-read per token (legit queries: < 1)

# Nodes that never belong to a read-only query (sqlglot names, checked anywhere in the tree).
_FORBIDDEN = (
    exp.DML, exp.DDL, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop,
    exp.Alter, exp.Copy, exp.Command, exp.Set, exp.Pragma, exp.Transaction, exp.Commit,
    exp.Rollback, exp.Grant, exp.Use, exp.Into, exp.Describe, exp.LoadData, exp.Cache,
    exp.Uncache, exp.Refresh, exp.Attach, exp.Detach, exp.Install, exp.Summarize, exp.Show,
    exp.Kill, exp.Declare, exp.Execute, exp.Export, exp.Analyze,
)  # fmt: skip
_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)
# sqlglot models some operators (AND, LIKE, IN, ...) as functions: they are not calls.
_OPERATORS = (exp.Connector, exp.Binary, exp.Predicate, exp.Unary)
_KNOWN_TABLES = STAR_SCHEMA | OPERATIONS
_REDSHIFT = Dialect.get_or_raise("redshift")
_OPEN = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE})
_CLOSE = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class Refused(ValueError):
    """The statement is not allowed; the message says why, in one line."""


class _BoundedParser(RedshiftParser):
    """Redshift's parser, bounded in backtracking: sqlglot re-reads the tokens of a failed
    alternative, which is exponential for some inputs (20 JOINs without ON took 44 s)."""

    budget = 0

    def _retreat(self, index: int) -> None:
        self.budget -= max(self._index - index, 0)
        if self.budget < 0:
            raise Refused("the query is too ambiguous to check (e.g. JOINs without ON)")
        super()._retreat(index)


@dataclass(frozen=True)
class Policy:
    """What a caller may read: tables (and views), functions, and the row cap (None: no cap)."""

    tables: frozenset[str] = STAR_SCHEMA
    functions: frozenset[str] = FUNCTIONS
    limit: int | None = DEFAULT_LIMIT


CHAT = Policy()
OPERATOR = Policy(tables=STAR_SCHEMA | OPERATIONS, limit=None)


def guard(sql: str, policy: Policy = CHAT) -> str:
    """The statement, checked and with its LIMIT forced, as Redshift SQL; Refused otherwise
    (and never another exception)."""
    try:
        out = _checked(_parsed(sql, bounded=True), policy)
        if _checked(_parsed(out, bounded=False), policy) != out:
            raise Refused("the query does not read back the same once checked; write it plainly")
        return out
    except Refused:
        raise
    except RecursionError:
        raise Refused(f"the query is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except Exception as err:  # the contract: a checked statement or Refused, whatever the input
        raise Refused(f"the query cannot be checked ({type(err).__name__})") from None


def _parsed(sql: str, *, bounded: bool) -> exp.Expr:
    """The one statement of `sql`, read within the size, token and depth bounds."""
    if not isinstance(sql, str):
        raise Refused("the query must be text")
    if bounded and len(sql) > MAX_CHARS:
        raise Refused(f"the query is {len(sql):,} characters long; at most {MAX_CHARS:,} are allowed")
    if control := _CONTROL.search(sql):
        raise Refused(f"control character U+{ord(control.group()):04X} is not allowed")
    try:
        tokens = _REDSHIFT.tokenize(sql)
        if bounded:
            _check_bounds(tokens)
        parser = _BoundedParser(dialect=_REDSHIFT)
        parser.budget = 1_000 + BACKTRACK_PER_TOKEN * len(tokens)
        statements = [s for s in parser.parse(tokens, sql) if s is not None]
    except (ParseError, TokenError) as err:
        raise Refused(f"cannot parse the query: {_line(str(err))}") from None
    if len(statements) != 1:
        raise Refused(f"exactly one statement is allowed, found {len(statements)}")
    return statements[0]


def _check_bounds(tokens: list[Token]) -> None:
    if len(tokens) > MAX_TOKENS:
        raise Refused(f"the query has {len(tokens):,} tokens; at most {MAX_TOKENS:,} are allowed")
    brackets = cases = nots = 0
    for token in tokens:
        kind = token.token_type
        brackets = brackets + 1 if kind in _OPEN else max(brackets - (kind in _CLOSE), 0)
        cases = cases + 1 if kind == TokenType.CASE else max(cases - (kind == TokenType.END), 0)
        nots = nots + 1 if kind == TokenType.NOT else 0
        if brackets + cases + nots > MAX_DEPTH:
            raise Refused(f"the query nests deeper than {MAX_DEPTH} levels")


def _checked(root: exp.Expr, policy: Policy) -> str:
    if not isinstance(root, _ROOTS):
        raise Refused(f"only a SELECT is allowed, not {root.key.upper()}")
    ctes = cte_references(root)
    for node in root.walk():
        _check(node, policy, ctes)
    return _limited(root, policy.limit).sql("redshift", comments=False)


def _check(node: exp.Expr, policy: Policy, ctes: set[int]) -> None:
    if isinstance(node, _FORBIDDEN):
        raise Refused(f"{node.key.upper()} is not allowed in a read-only query")
    if isinstance(node, exp.TableSample):
        raise Refused("sampling (TABLESAMPLE, USING SAMPLE) is not allowed")
    if isinstance(node, exp.Identifier) and not (isinstance(node.this, str) and node.this.isascii()):
        raise Refused(f"names must be plain ASCII, not {_line(str(node.this))[:80]!r}")
    if isinstance(node, exp.Table) and id(node) not in ctes:
        _check_table(node, policy)
    elif isinstance(node, exp.CTE):
        _check_cte(node, policy)
    elif isinstance(node, exp.Anonymous):
        raise Refused(f"function {_line(str(node.name)).lower()[:80]}() is not allowed")
    elif isinstance(node, exp.Func) and not isinstance(node, _OPERATORS) and node.key not in policy.functions:
        raise Refused(f"function {_line(str(node.sql_name())).lower()[:80]}() is not allowed")


def _check_table(node: exp.Table, policy: Policy) -> None:
    if not isinstance(node.this, exp.Identifier):
        # A function or a string literal in FROM: read_parquet(...), 'file.csv', glob(...).
        raise Refused(f"only tables can be read, not {_line(node.this.sql('redshift'))[:80]}")
    if node.args.get("db") or node.args.get("catalog"):
        raise Refused(f"schema-qualified names are not allowed: {_line(node.sql('redshift'))[:80]}")
    name = node.name.lower()
    if is_system(name):
        raise Refused(f"table {name[:80]} is not allowed: it is a system catalog")
    if name not in policy.tables:
        raise Refused(f"table {name[:80]} is not allowed; allowed: {', '.join(sorted(policy.tables))}")


def _check_cte(node: exp.CTE, policy: Policy) -> None:
    """A CTE may not take the name of a table the query may not read (belt and braces)."""
    name = (cte_name(node) or "").lower()
    if is_system(name) or (name in _KNOWN_TABLES and name not in policy.tables):
        raise Refused(f"a CTE may not be named {name}: it would hide a table that is not allowed")


def _limited(root: exp.Query, cap: int | None) -> exp.Query:
    """The query with its LIMIT (of the whole query, set operations included) at most `cap`."""
    rows = _row_count(root.args.get("limit"))
    if cap is None or (rows is not None and rows <= cap):
        return root
    return root.limit(cap, copy=False)


def _row_count(limit: object) -> int | None:
    """The rows a LIMIT / FETCH lets through, when it is a plain count (not a percentage, not
    WITH TIES, not LIMIT ... BY, not an expression); None otherwise."""
    if isinstance(limit, exp.Limit) and not limit.args.get("expressions"):
        count = limit.expression
    elif isinstance(limit, exp.Fetch):
        count = limit.args.get("count")
    else:
        return None
    options = limit.args.get("limit_options")
    if isinstance(options, exp.LimitOptions) and (
        options.args.get("percent") or options.args.get("with_ties")
    ):
        return None
    if isinstance(count, exp.Literal) and count.is_int:
        return int(count.this)
    return None


def _line(text: str) -> str:
    """The first line of a message."""
    return text.splitlines()[0] if text else ""
