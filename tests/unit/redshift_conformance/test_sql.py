"""The local Data API endpoint against Redshift's documented answers (`cases.CASES`): values,
column names, Data API type names, and error texts, on AWS's TICKIT tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cloud.dataapi.engine import Engine
from cloud.dataapi.server import dispatch
from tests.unit.local_warehouse import run
from tests.unit.redshift_conformance.cases import CASES, TICKIT_DDL, TICKIT_ROWS, Case


@pytest.fixture(scope="module")
def tickit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = Engine(str(tmp_path_factory.mktemp("tickit") / "w.duckdb"), lambda: None)
    for sql in [*TICKIT_DDL, *TICKIT_ROWS]:
        described = run(engine, sql)
        assert described["Status"] == "FINISHED", (sql, described.get("Error"))
    yield engine
    engine.close()


def values(page: dict[str, Any]) -> list[list[Any]]:
    """Records as Python values: longValue, doubleValue, stringValue, booleanValue, or None."""
    return [[None if "isNull" in f else next(iter(f.values())) for f in rec] for rec in page["Records"]]


def answer(engine: Engine, case: Case) -> None:
    for sql in case.setup:
        done = run(engine, sql)
        assert done["Status"] == "FINISHED", (sql, done.get("Error"))
    described = run(engine, case.sql)
    if case.error is not None:
        assert described["Status"] == "FAILED", f"expected {case.error!r}, got {described['Status']}"
        assert str(described["Error"]).startswith(case.error), described["Error"]
        return
    assert described["Status"] == "FINISHED", described.get("Error")
    if case.rows == []:  # a statement without a result set (DDL)
        assert described["HasResultSet"] is False
        return
    page = dispatch(engine, "GetStatementResult", {"Id": described["Id"]})
    if case.rows is not None:
        got = values(page)
        assert len(got) == len(case.rows), got
        for row, want in zip(got, case.rows, strict=True):
            assert row == [pytest.approx(v) if isinstance(v, float) else v for v in want], got
    if case.names is not None:
        assert [c["name"] for c in page["ColumnMetadata"]] == case.names
    if case.types is not None:
        assert [c["typeName"] for c in page["ColumnMetadata"]] == case.types


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(reason=case.gap, strict=True)] if case.gap else []
    return pytest.param(case, id=f"{case.category}/{case.id}", marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_answers_as_redshift_does(tickit: Engine, case: Case) -> None:
    answer(tickit, case)


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
