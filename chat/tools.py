"""The six tools a plan may call: their arguments (validated; the same JSON schemas are the
Bedrock tool specs) and what each does over the adapters it is given. An outcome is always
returned, never raised: `ok`, the `result`, or the `error` in one line (a refused SQL, an
unknown concert, a model not trained yet), so one failed call never sinks the answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat import schema_doc
from consumers.warehouse.client import WarehouseError
from consumers.warehouse.guard import CHAT, Refused, guard
from consumers.warehouse.ports import Queries

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime.type_defs import ToolTypeDef

MAX_ROWS = 200


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueryArgs(_Args):
    """A read-only SQL query over the star schema (Redshift SQL, one SELECT)."""

    sql: str = Field(min_length=1, max_length=8000, description="One SELECT over the star schema")


class PredictArgs(_Args):
    """Predict tickets and revenue of one concert."""

    concert_id: int = Field(ge=1, description="dim_concert.concert_id")


class RecommendArgs(_Args):
    """Recommend upcoming concerts to one customer."""

    customer_id: int = Field(ge=1, description="fact_ticket_sales.customer_id")
    k: int = Field(default=10, ge=1, le=50, description="how many concerts")


class RankArgs(_Args):
    """Rank venues by predicted demand over the next 90 days."""

    top: int = Field(default=10, ge=1, le=100, description="how many venues")
    state: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", description="two-letter state code")
    city: str | None = Field(default=None, max_length=200, description="city name")


class StatusArgs(_Args):
    """The pipeline's health: dead letters, failed workflows, warehouse freshness, alarms."""


class SchemaArgs(_Args):
    """The star schema: every table, or one table's columns."""

    table: str | None = Field(default=None, max_length=64, description="a table name, or none for all")


ARGS: dict[str, type[_Args]] = {
    "query_warehouse": QueryArgs,
    "predict_sales": PredictArgs,
    "recommend_concerts": RecommendArgs,
    "rank_venues": RankArgs,
    "pipeline_status": StatusArgs,
    "explain_schema": SchemaArgs,
}
ToolName = Literal[
    "query_warehouse",
    "predict_sales",
    "recommend_concerts",
    "rank_venues",
    "pipeline_status",
    "explain_schema",
]


def specs() -> list[ToolTypeDef]:
    """The tools as Bedrock Converse `toolSpec`s."""
    return [
        {
            "toolSpec": {
                "name": name,
                "description": (model.__doc__ or name).strip(),
                "inputSchema": {"json": model.model_json_schema()},
            }
        }
        for name, model in ARGS.items()
    ]


def parse(tool: str, args: dict[str, Any] | None) -> _Args:
    """The validated arguments of a call (ValueError with the reason otherwise)."""
    if tool not in ARGS:
        raise ValueError(f"unknown tool {tool!r}")
    try:
        return ARGS[tool].model_validate(args or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise ValueError(f"{tool}: {where}: {first['msg']}") from None


def jsonable(value: Any) -> Any:
    """Warehouse values as JSON (times as ISO text, decimals as numbers)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def ok(tool: str, result: dict[str, Any]) -> dict[str, Any]:
    """A successful outcome."""
    return {"tool": tool, "ok": True, "result": jsonable(result), "error": None}


def failed(tool: str, error: str) -> dict[str, Any]:
    """A failed outcome with its one-line reason."""
    return {
        "tool": tool,
        "ok": False,
        "result": None,
        "error": error.splitlines()[0][:500] if error else "failed",
    }


def query_warehouse(args: QueryArgs, warehouse: Queries) -> dict[str, Any]:
    """Guard the SQL (read-only, star schema, LIMIT forced), run it, return its rows."""
    try:
        sql = guard(args.sql, CHAT)
    except Refused as exc:
        return failed("query_warehouse", f"refused: {exc}")
    try:
        rows = warehouse.query(sql)
    except WarehouseError as exc:  # the statement failed (a bad column, its time or memory bound)
        return failed("query_warehouse", f"the warehouse refused the statement: {exc}")
    return ok("query_warehouse", {"sql": sql, "rows": rows[:MAX_ROWS], "row_count": len(rows)})


def explain_schema(args: SchemaArgs) -> dict[str, Any]:
    """The tables, or one table's columns."""
    try:
        return ok("explain_schema", schema_doc.explain(args.table))
    except ValueError as exc:
        return failed("explain_schema", str(exc))


def filter_ranking(ranking: dict[str, Any], args: RankArgs) -> dict[str, Any]:
    """A venue ranking narrowed to a state or city and cut to `top`."""
    venues = [
        v
        for v in ranking["venues"]
        if (args.state is None or v.get("state") == args.state)
        and (args.city is None or str(v.get("city", "")).lower() == args.city.lower())
    ]
    return {**ranking, "venues": venues[: args.top], "state": args.state, "city": args.city}
