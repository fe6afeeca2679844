"""Hostile SQL, second round. Every input ends in a refusal with a one-line reason, or in an
accepted statement that reads only allow-listed tables under a LIMIT no larger than the cap;
never in another exception. Accepted CTE tricks also run on DuckDB, whose tables outside the
allow-list hold a secret that must never come back."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import cast

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from consumers.warehouse.guard import (
    CHAT,
    MAX_CHARS,
    OPERATIONS,
    OPERATOR,
    STAR_SCHEMA,
    Policy,
    Refused,
    guard,
)

SECRET_TABLES = (*sorted(OPERATIONS), "secrets")  # "secrets": a table the guard never heard of
LENIENT = Policy(tables=STAR_SCHEMA | {"pg_user", "stl_query", "duckdb_tables", "sqlite_master"})


def verdict(sql: str, policy: Policy = CHAT) -> str:
    """'refused' (with a one-line reason) or 'accepted' (and proven safe); anything else fails."""
    try:
        out = guard(sql, policy)
    except Refused as refused:
        reason = str(refused)
        assert reason and "\n" not in reason and len(reason) < 600
        return "refused"
    assert_safe(out, policy)
    return "accepted"


def assert_safe(out: str, policy: Policy) -> None:
    """Read back independently: real tables allow-listed, no comments left, a plain LIMIT <= cap."""
    tree = sqlglot.parse_one(out, read="redshift")
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        assert table.name.lower() in policy.tables | ctes, out
    for scope in traverse_scope(tree):  # sqlglot's own scoping: its real tables are allowed
        real = [s for s in scope.sources.values() if isinstance(s, exp.Table)]
        assert all(table.name.lower() in policy.tables for table in real), out
    assert not any(token.comments for token in sqlglot.tokenize(out, read="redshift")), "no comments"
    if policy.limit is not None:
        limit = tree.args.get("limit")
        assert isinstance(limit, exp.Limit) and not limit.args.get("limit_options"), out
        assert limit.expression.is_int and int(limit.expression.this) <= policy.limit, out


@pytest.fixture(scope="module")
def engine() -> Iterator[duckdb.DuckDBPyConnection]:
    """DuckDB with the star schema holding 'public' rows and everything else a 'SECRET'."""
    db = duckdb.connect()
    for table in STAR_SCHEMA:
        db.execute(f"CREATE TABLE {table} AS SELECT 'public' AS v")
    for table in SECRET_TABLES:
        db.execute(f"CREATE TABLE {table} AS SELECT 'SECRET' AS v")
    yield db
    db.close()


def leaks(db: duckdb.DuckDBPyConnection, redshift_sql: str) -> bool:
    """Whether the statement, run on DuckDB, returns a secret (an error returns nothing)."""
    try:
        rows = db.execute(sqlglot.transpile(redshift_sql, read="redshift", write="duckdb")[0]).fetchall()
    except duckdb.Error:
        return False
    return any("SECRET" in str(row) for row in rows)


CTE_SCOPE = [
    "WITH etl_batches AS (SELECT 'public' AS v) SELECT * FROM etl_batches",
    "WITH event_log AS (SELECT 1 AS v) SELECT * FROM dim_venue",
    "SELECT * FROM (WITH secrets AS (SELECT 'public' AS v) SELECT * FROM secrets) AS a UNION ALL SELECT * FROM secrets",
    "SELECT * FROM (WITH etl_batches AS (SELECT 'x' AS v) SELECT * FROM etl_batches) AS a, etl_batches",
    "SELECT v FROM dim_venue WHERE v IN (WITH secrets AS (SELECT 'x' AS v) SELECT v FROM secrets) "
    "OR v IN (SELECT v FROM secrets)",
    "(WITH secrets AS (SELECT 'public' AS v) SELECT * FROM secrets) UNION ALL SELECT * FROM secrets",
    "SELECT * FROM dim_venue UNION ALL (WITH secrets AS (SELECT 'x' AS v) SELECT * FROM secrets) "
    "UNION ALL SELECT * FROM secrets",
    "WITH a AS (SELECT * FROM secrets), secrets AS (SELECT 'public' AS v) SELECT * FROM a",
    "WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets",
    "WITH RECURSIVE secrets AS (SELECT * FROM secrets) SELECT * FROM secrets",
    "WITH RECURSIVE secrets AS (SELECT * FROM secrets UNION SELECT 'public') SELECT * FROM secrets",
    "WITH RECURSIVE secrets AS ((SELECT * FROM secrets) UNION ALL SELECT 'public') SELECT * FROM secrets",
    "WITH RECURSIVE secrets AS (SELECT 'public' AS v UNION SELECT * FROM secrets UNION SELECT * FROM secrets) "
    "SELECT * FROM secrets",
    "WITH RECURSIVE secrets AS (SELECT 'public' AS v EXCEPT SELECT * FROM secrets) SELECT * FROM secrets",
    "WITH RECURSIVE a AS (SELECT * FROM secrets), secrets AS (SELECT 'public' AS v) SELECT * FROM a",
    "WITH \"SECRETS\" AS (SELECT 'public' AS v) SELECT * FROM secrets",
    "SELECT * FROM (WITH secrets AS (SELECT 'public' AS v) SELECT 1 AS one) AS a CROSS JOIN secrets",
    "SELECT (SELECT max(v) FROM secrets) FROM (WITH secrets AS (SELECT 1 AS v) SELECT * FROM secrets) AS s",
    "WITH x AS (SELECT * FROM (WITH secrets AS (SELECT 'x' AS v) SELECT * FROM secrets) AS i) "
    "SELECT * FROM x, secrets",
    "WITH pg_settings AS (SELECT 'public' AS v) SELECT * FROM pg_settings",
    "WITH duckdb_settings AS (SELECT 1 AS v) SELECT * FROM (SELECT * FROM duckdb_settings) AS s",
    "WITH secrets AS (SELECT 'public' AS v) SELECT * FROM secrets",  # a CTE hiding nothing: fine
]

SYSTEM = [
    # Redshift: pg_catalog, system tables and views, information_schema
    "SELECT * FROM pg_user", 'SELECT * FROM "PG_USER"', "SELECT * FROM Pg_Shadow",
    "SELECT * FROM pg_catalog.pg_user", 'SELECT * FROM "pg_catalog"."pg_class"',
    "SELECT * FROM stl_query", 'SELECT * FROM "Stl_Query"', "SELECT * FROM STV_SESSIONS",
    "SELECT * FROM svv_table_info", "SELECT * FROM svl_qlog", "SELECT * FROM sys_query_history",
    "SELECT * FROM svcs_query_summary", "SELECT * FROM information_schema.tables",
    'SELECT * FROM "information_schema"."columns"', 'SELECT * FROM "information_schema.tables"',
    "SELECT * FROM dim_venue WHERE venue_id IN (SELECT usesysid FROM pg_user)",
    # DuckDB: duckdb_* views and functions, sqlite_* and pragma_* views, pg_catalog views
    "SELECT * FROM duckdb_tables", 'SELECT * FROM "DUCKDB_SETTINGS"', "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_secrets()", "SELECT * FROM sqlite_master", 'SELECT * FROM "sqlite_schema"',
    "SELECT * FROM pragma_database_list", "SELECT * FROM pragma_table_info('dim_venue')",
    "SELECT * FROM pg_settings", "SELECT * FROM pg_class", "SELECT * FROM main.etl_batches",
    "SELECT * FROM memory.main.dim_venue", "SELECT * FROM system.main.duckdb_tables",
    "SELECT * FROM temp.information_schema.tables", "SELECT current_setting('s3_secret_access_key')",
    "SELECT (SELECT count(*) FROM duckdb_tables)", "SELECT version()", "SELECT current_user",
    "SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM dim_venue JOIN duckdb_views() AS d ON true",
]  # fmt: skip

PERCENT = [
    "SELECT * FROM dim_venue LIMIT 100 PERCENT", "SELECT * FROM dim_venue LIMIT 10%",
    "SELECT TOP 100 PERCENT * FROM dim_venue", "SELECT TOP 50 PERCENT v FROM dim_venue ORDER BY 1",
    "SELECT * FROM dim_venue FETCH FIRST 100 PERCENT ROWS ONLY",
    "SELECT * FROM dim_venue FETCH NEXT 5 ROWS WITH TIES", "SELECT * FROM dim_venue LIMIT 5 PERCENT WITH TIES",
    "SELECT v FROM dim_venue UNION SELECT v FROM dim_artist LIMIT 100 PERCENT",
    "WITH t AS (SELECT * FROM dim_venue) SELECT * FROM t UNION ALL SELECT * FROM t LIMIT 99 PERCENT",
    "SELECT * FROM dim_venue USING SAMPLE 100%", "SELECT * FROM dim_venue TABLESAMPLE BERNOULLI (100)",
    "SELECT * FROM dim_venue USING SAMPLE 100 PERCENT (bernoulli)", "SELECT * FROM dim_venue LIMIT ALL",
    "SELECT * FROM dim_venue LIMIT NULL", "SELECT * FROM dim_venue LIMIT -1", "SELECT * FROM dim_venue LIMIT 1e9",
    "SELECT * FROM dim_venue LIMIT '100000'", "SELECT * FROM dim_venue LIMIT (SELECT 100000)",
    "SELECT * FROM dim_venue LIMIT 1 BY v", "SELECT * FROM dim_venue LIMIT 199 + 100000",
    "SELECT * FROM dim_venue LIMIT 99999999999999999999999999", "SELECT * FROM dim_venue OFFSET 0",
]  # fmt: skip


def _nested(open_: str, middle: str, close: str, n: int) -> str:
    return open_ * n + middle + close * n


NESTING = [
    "SELECT " + _nested("(", "1", ")", 30),
    "SELECT " + _nested("(", "1", ")", 1_000),
    "SELECT " + _nested("(", "1", ")", 20_000),
    "SELECT * FROM " + _nested("(SELECT * FROM ", "dim_venue", ") AS q", 40),
    "SELECT * FROM " + _nested("(SELECT * FROM ", "dim_venue", ") AS q", 300),
    "SELECT 1 FROM dim_venue WHERE v IN " + _nested("(SELECT v FROM dim_venue WHERE v IN ", "('x')", ")", 60),
    "SELECT " + _nested("CASE WHEN true THEN ", "1", " END", 40) + " FROM dim_venue",
    "SELECT " + _nested("CASE WHEN true THEN ", "1", " END", 2_000) + " FROM dim_venue",
    "SELECT 1 FROM dim_venue WHERE " + "NOT " * 50 + "true",
    "SELECT 1 FROM dim_venue WHERE " + "NOT " * 5_000 + "true",
    "SELECT " + _nested("ARRAY[", "1", "]", 100),
    "SELECT " + _nested("(CASE WHEN true THEN ", "1", " END)", 15),
    "SELECT " + "- " * 3_000 + "1",
    "SELECT " + _nested("1 + (", "1", ")", 500),
    ")" * 500 + "SELECT " + _nested("(", "1", ")", 100),
    "SELECT 1 FROM dim_venue" + " JOIN dim_venue AS f" * 30,
    "SELECT 1 FROM dim_venue" + " LEFT JOIN dim_artist AS a" * 25 + " ON true",
    "SELECT " + _nested("COALESCE(", "1", ", 2)", 200),
]

HUGE = [
    "SELECT * FROM dim_venue WHERE " + " OR ".join(["(v = 'x' AND v = 'y')"] * 50_000),
    "SELECT * FROM dim_venue" + " " * 200_000,
    "SELECT * FROM dim_venue WHERE v = '" + "x" * MAX_CHARS + "'",
    "SELECT * FROM dim_venue WHERE v IN (" + ", ".join(["1"] * 20_000) + ")",
    " UNION ALL ".join(["SELECT v FROM dim_venue"] * 3_000),
    "SELECT " + ", ".join(f"v AS c{i}" for i in range(6_000)) + " FROM dim_venue",
    'SELECT * FROM "' + "a" * 60_000 + '"',
    "SELECT * FROM dim_venue WHERE v = '" + "x" * 90_000 + "'",  # long but legit: accepted
]

ODD = [
    "", " ", ";", ";;;", "SELECT", "SELECT FROM", "((", "'unterminated", '"unterminated', "/* unterminated",
    "$$ x", "SELECT $1 FROM dim_venue", "SELECT ? FROM dim_venue", "SELECT 1::", "SELECT * EXCLUDE (v) FROM dim_venue",
    "SELECT COLUMNS('.*') FROM dim_venue", "SELECT * FROM dim_venue, LATERAL (SELECT * FROM etl_batches) AS x",
    "VALUES (1)", "SELECT * FROM (VALUES (1)) AS t(x)", "SELECT * FROM UNNEST(ARRAY[1])", "SELECT {'a': 1}",
    "SELECT [1, 2][1]", "SELECT x -> x", "TABLE etl_batches", "FROM etl_batches", "FROM dim_venue SELECT *",
    "SHOW TABLES", "DESCRIBE dim_venue", "SUMMARIZE etl_batches", "EXPORT DATABASE '/tmp/x'", "CHECKPOINT",
    "SELECT * FROM dim_venue AS t(a, b, c, d)", "SELECT * FROM dim_venue PIVOT (count(*) FOR v IN ('a'))",
    "SELECT * FROM dim_venue AT (TIMESTAMP => 1)", "SELECT * FROM @stage", "SELECT * FROM `etl_batches`",
    "SELECT * FROM [etl_batches]", "SELECT * FROM dim_venue WHERE v = E'\\' OR 1=1 --'", "SELECT 1 FROM",
    "SELECT * FROM dim_venue a JOIN etl_batches b USING (v)", "SELECT * FROM dim_venue AS etl_batches",
    "SELECT etl_batches.* FROM dim_venue", "SELECT * FROM dim_venue WHERE (SELECT 1 FROM etl_batches) = 1",
]  # fmt: skip

MULTI = [
    "SELECT 1; SELECT 2", "SELECT * FROM dim_venue;;", "SELECT * FROM dim_venue; ",
    "SELECT 1\n;\nDELETE FROM dim_venue", "SELECT 1; -- x\n DROP TABLE dim_venue", "SELECT ';' FROM dim_venue; SELECT 1",
    "SELECT 1 /* ; */ ; SELECT * FROM etl_batches", "BEGIN; SELECT 1; COMMIT", "SELECT * FROM dim_venue\\g DROP TABLE x",
    "SELECT 1; ATTACH 'x.db'", "SELECT * FROM dim_venue; SET enable_external_access = true",
]  # fmt: skip

COMMENTS = [
    "SELECT * FROM dim_venue -- */ ; DELETE FROM dim_venue; /*", "SELECT /* */ * FROM /* etl_batches */ dim_venue",
    "SELECT * FROM dim_venue /* nested /* comment */ still */", "SELECT * FROM dim_venue --\nWHERE 1 = 1",
    "/*+ hint */ SELECT * FROM dim_venue", "SELECT * FROM dim_venue /* LIMIT 1000000 */",
    "SELECT * FROM /**/etl_batches", "SELECT * FROM dim_venue -- x\rDELETE FROM dim_venue",
    "SELECT * FROM dim_venue -- x\u2028DELETE FROM dim_venue", "SELECT * FROM dim_venue /* */ LIMIT /* 5 */ 10 PERCENT",
    "SELECT * FROM etl/**/_batches", "SELECT * FROM dim_venue -- ;\n; DELETE FROM dim_venue",
]  # fmt: skip

UNICODE = [
    "SELECT * FROM \uff45\uff54\uff4c_batches", "SELECT * FROM dim_v\u0435nue", "SELECT * FROM \"dim\u200bvenue\"",
    "SELECT * FROM \"ÉTL_batches\"", "SELECT * FROM \u0130nformation_schema.tables", "SELECT * FROM fact_tic\u212aet_sales",
    "SELECT\u00a0*\u00a0FROM\u00a0etl_batches", "\ufeffSELECT * FROM dim_venue", "SELECT * FROM dim_venue\x00; DROP",
    "SELECT * FROM dim_venue WHERE v = '\u202edrop table'", "SELECT v AS \"🎵\" FROM dim_venue",
    "SELECT * FROM dim_venue WHERE v = U&'\\0041'", "WITH \"\uff53ecrets\" AS (SELECT 1) SELECT * FROM secrets",
]  # fmt: skip

LEGIT = [
    "WITH tx AS (SELECT * FROM dim_venue WHERE v = 'TX') SELECT * FROM tx",
    "WITH a AS (SELECT v FROM dim_venue), b AS (SELECT v FROM a) SELECT * FROM b WHERE v IN (SELECT v FROM a)",
    "WITH dim_venue AS (SELECT * FROM dim_venue WHERE v = 'TX') SELECT * FROM dim_venue",
    "WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT * FROM n",
    "SELECT * FROM " + _nested("(SELECT * FROM ", "dim_venue", ") AS q", 8),
    "SELECT v, RANK() OVER (PARTITION BY v ORDER BY v), LAG(v) OVER (ORDER BY v) FROM dim_venue",
    "SELECT * FROM dim_venue WHERE v = 'Zürich — ☃'",
    "SELECT v FROM dim_venue UNION SELECT v FROM dim_artist LIMIT 5",
]
CLASSES = {
    "cte_scope": CTE_SCOPE, "system": SYSTEM, "percent": PERCENT, "nesting": NESTING, "huge": HUGE,
    "odd": ODD, "multi": MULTI, "comments": COMMENTS, "unicode": UNICODE,
}  # fmt: skip


def _cases(*names: str) -> list[str]:
    return [sql for name in names for sql in CLASSES[name]]


@pytest.mark.parametrize("sql", CTE_SCOPE)
def test_cte_scope_never_hides_a_table(sql: str, engine: duckdb.DuckDBPyConnection) -> None:
    if verdict(sql) == "accepted":
        assert not leaks(engine, guard(sql)), "DuckDB returned a secret"


def test_the_engine_oracle_sees_a_leak(engine: duckdb.DuckDBPyConnection) -> None:
    """The attacks are real: unguarded, DuckDB returns the secret."""
    assert leaks(engine, CTE_SCOPE[2]) and leaks(engine, CTE_SCOPE[10])


@pytest.mark.parametrize("sql", SYSTEM)
@pytest.mark.parametrize("policy", [CHAT, OPERATOR, LENIENT], ids=["chat", "operator", "lenient"])
def test_system_catalogs_are_refused_whatever_the_policy(sql: str, policy: Policy) -> None:
    assert verdict(sql, policy) == "refused"


@pytest.mark.parametrize("sql", PERCENT)
def test_percentages_and_odd_limits_are_forced_down(sql: str) -> None:
    if verdict(sql) == "accepted":
        assert "PERCENT" not in guard(sql).upper()


@pytest.mark.parametrize("sql", _cases("nesting", "huge", "odd", "multi", "comments", "unicode"))
def test_hostile_input_is_refused_or_accepted_safely(sql: str) -> None:
    verdict(sql)
    verdict(sql, OPERATOR)


@pytest.mark.parametrize("sql", LEGIT)
def test_legitimate_queries_still_pass(sql: str) -> None:
    assert verdict(sql) == "accepted"


def test_a_megabyte_is_refused_by_size() -> None:
    with pytest.raises(Refused, match="characters long"):
        guard("SELECT * FROM dim_venue WHERE " + " OR ".join(["v = 'x'"] * 100_000))


def test_non_text_is_refused() -> None:
    with pytest.raises(Refused, match="text"):
        guard(cast(str, b"SELECT 1"))


def test_random_token_soup_never_crashes() -> None:
    rng = random.Random(20)
    words = """SELECT FROM WHERE WITH RECURSIVE AS ( ) [ ] , ; UNION LIMIT TOP PERCENT FETCH CASE END NOT JOIN
        ON dim_venue etl_batches pg_user x * = :: ' " /* */ -- $$ 1 -1 TABLESAMPLE USING SAMPLE INTO LATERAL"""
    for _ in range(300):
        verdict(" ".join(rng.choice(words.split()) for _ in range(rng.randint(1, 40))))
