"""The warehouse bench's pure parts: its figures, and the SQL it sends (well formed, accepted by
the local endpoint's translation, and the shapes the workloads promise). No endpoint, no timing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from bench.warehouse import (
    FACT_COLUMNS,
    LOAD_ROWS,
    load_cycle,
    numbers,
    page_statements,
    percentile,
    ratios,
    schema_statements,
    seed_statements,
    summary,
)
from cloud.dataapi.translate import to_duckdb
from consumers.tables import table_schemas

SCHEMA = Path(__file__).resolve().parents[2] / "consumers" / "warehouse" / "schema.sql"


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(20, 0, -1)]  # 1..20, unordered
    assert (percentile(samples, 0.5), percentile(samples, 0.95), percentile(samples, 1.0)) == (10, 19, 20)
    assert percentile([3.0], 0.95) == 3.0
    assert summary([0.1234, 0.2, 5.0]) == {"n": 3, "p50_s": 0.2, "p95_s": 5.0, "max_s": 5.0}


def test_ratios_are_baseline_over_current_for_conditions_both_have() -> None:
    current = {
        "idle": {"p50_s": 0.5, "p95_s": 1.0, "max_s": 2.0},
        "only here": {"p50_s": 1, "p95_s": 1, "max_s": 1},
    }
    baseline = {"idle": {"p50_s": 1.0, "p95_s": 3.0, "max_s": 2.0}}
    assert ratios(baseline, current) == {"idle": {"p50_s": 2.0, "p95_s": 3.0, "max_s": 1.0}}


def test_schema_statements_are_the_ddl_without_comments() -> None:
    statements = schema_statements(SCHEMA.read_text())
    assert all(s.startswith("CREATE") and "--" not in s for s in statements)
    tables = [s for s in statements if s.startswith("CREATE TABLE")]
    assert len(tables) == len(table_schemas())
    views = [s for s in statements if s.startswith("CREATE OR REPLACE VIEW")]
    assert len(statements) - len(tables) == len(views) == SCHEMA.read_text().count("CREATE OR REPLACE VIEW")


def test_numbers_cover_a_million_per_statement() -> None:
    sql = numbers(2_500, offset=1_000_000)
    assert "1000000 + x.n * 1000 + y.n" in sql and "< 2500" in sql
    facts = [s for s in seed_statements(2_500_000) if s.startswith("INSERT INTO fact_ticket_sales")]
    assert [("SELECT 0 +" in s, "SELECT 1000000 +" in s, "SELECT 2000000 +" in s) for s in facts] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert facts[-1].count("< 500000") == 1


def _inserts(sqls: list[str]) -> list[exp.Insert]:
    return [t for t in (sqlglot.parse_one(s, read="redshift") for s in sqls) if isinstance(t, exp.Insert)]


@pytest.mark.parametrize(
    ("sqls", "expected"), [(seed_statements(1_200_000), 6), (load_cycle("c7"), 2)], ids=["seed", "load cycle"]
)
def test_every_insert_gives_each_column_a_value(sqls: list[str], expected: int) -> None:
    checked = 0
    for insert in _inserts(sqls):
        target, select = insert.this, insert.expression
        if not isinstance(select, exp.Select):
            continue  # VALUES of the digits
        if isinstance(target, exp.Schema):
            table, columns = target.this.name, [c.name for c in target.expressions]
        else:
            table, columns = target.name, table_schemas()[target.name].names
        assert len(select.expressions) == len(columns), table
        checked += table in table_schemas() or table.startswith("stg_")
    assert checked == expected
    assert list(FACT_COLUMNS) == table_schemas()["fact_ticket_sales"].names


@pytest.mark.parametrize(
    "sqls",
    [
        schema_statements(SCHEMA.read_text()),
        seed_statements(1_000_000),
        load_cycle("c1"),
        page_statements(date(2025, 12, 31)),
    ],
    ids=["schema", "seed", "load cycle", "page"],
)
def test_the_endpoint_translates_every_statement(sqls: list[str]) -> None:
    for sql in sqls:
        assert "generate_series" not in sql.lower()
        assert to_duckdb(sql)  # raises SqlError on what the endpoint refuses


def test_a_load_cycle_is_one_transaction_that_cleans_up() -> None:
    sqls = load_cycle("c3")
    assert len(sqls) <= 40  # the Data API's limit on a batch
    created = [s.split()[3] for s in sqls if s.startswith("CREATE TEMP TABLE")]
    assert created and all(name.endswith(("_c3", "_c3_latest")) for name in created)
    dropped = [s.removeprefix("DROP TABLE ") for s in sqls if s.startswith("DROP TABLE")]
    assert sorted(dropped) == sorted(created) and sqls[-len(dropped) :] == [
        f"DROP TABLE {t}" for t in dropped
    ]
    assert f"sale_id < {LOAD_ROWS}" in sqls[1]
    assert any(s.startswith("MERGE INTO fact_ticket_sales") for s in sqls)


def test_the_page_is_its_options_then_six_panels_on_its_default_90_days() -> None:
    sqls = page_statements(date(2025, 12, 31))
    assert len(sqls) == 9
    assert all("fact_ticket_sales" in s or "resolved_artist" in s for s in sqls[:3])
    for panel in sqls[3:]:
        assert "2025-10-02T00:00:00+00:00" in panel and "2026-01-01T00:00:00+00:00" in panel
