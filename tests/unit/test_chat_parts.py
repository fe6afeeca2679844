"""The chat's parts without the cloud: tools (validation, guard, schema), answers, memory and
its DynamoDB table (a fake client), the Bedrock planner (a recorded Converse response) and
the chat workflow's definition."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from chat import tools
from chat.answers import compose
from chat.bedrock_planner import BedrockPlanner
from chat.memory import MAX_TURNS, BadSession, Conversation, check_session
from chat.plan import TOOLS, Plan, ToolCall, cannot
from chat.schema_doc import explain
from chat.session_table import SessionTable
from consumers.warehouse.guard import STAR_SCHEMA
from tests.fakes.clients import dynamodb_client
from tests.fakes.warehouse import ScriptedWarehouse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aws"
ROOT = Path(__file__).parent.parent.parent


@pytest.mark.parametrize(
    ("tool", "args", "error"),
    [
        ("query_warehouse", {}, "sql: Field required"),
        ("predict_sales", {"concert_id": 0}, "concert_id"),
        ("recommend_concerts", {"customer_id": 1, "k": 500}, "k"),
        ("rank_venues", {"state": "Texas"}, "state"),
        ("explain_schema", {"table": "x", "extra": 1}, "extra"),
        ("drop_everything", {}, "unknown tool"),
    ],
)
def test_tool_arguments_are_validated(tool: str, args: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        tools.parse(tool, args)


def test_refused_sql_never_reaches_the_warehouse() -> None:
    wh = ScriptedWarehouse()
    out = tools.query_warehouse(tools.QueryArgs(sql="DELETE FROM fact_ticket_sales"), wh)
    assert out == {"tool": "query_warehouse", "ok": False, "result": None,
                   "error": "refused: only a SELECT is allowed, not DELETE"}  # fmt: skip
    assert wh.statements == []


def test_allowed_sql_runs_with_its_limit_and_json_values() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    wh = ScriptedWarehouse(default=[{"label": datetime(2026, 1, 1, tzinfo=UTC), "value": Decimal("1.50")}])
    out = tools.query_warehouse(tools.QueryArgs(sql="SELECT state FROM dim_venue"), wh)
    assert wh.statements == ["SELECT state FROM dim_venue LIMIT 200"]
    assert out["ok"] and out["result"]["rows"] == [{"label": "2026-01-01T00:00:00+00:00", "value": 1.5}]
    json.dumps(out)


def test_a_statement_the_warehouse_fails_is_a_failed_call_not_an_error() -> None:
    from consumers.warehouse.client import WarehouseError

    failing = ScriptedWarehouse(
        [("", WarehouseError("FAILED: canceling statement due to statement timeout"))]
    )
    out = tools.query_warehouse(tools.QueryArgs(sql="SELECT state FROM dim_venue"), failing)
    assert out["ok"] is False and out["result"] is None
    assert "statement timeout" in out["error"]


def test_schema_explains_every_chat_table_from_the_ddl() -> None:
    assert {t["name"] for t in explain()["tables"]} == STAR_SCHEMA
    venue = explain("DIM_VENUE")
    assert [c["name"] for c in venue["columns"]][:3] == ["venue_id", "name", "city"]
    assert "event_log" not in {t["name"] for t in explain()["tables"]}
    assert not tools.explain_schema(tools.SchemaArgs(table="event_log"))["ok"]


def test_tool_specs_are_bedrock_tool_specs_for_the_six_tools() -> None:
    specs = tools.specs()
    assert [s["toolSpec"]["name"] for s in specs] == list(TOOLS)
    query = specs[0]["toolSpec"]["inputSchema"]["json"]
    assert query["required"] == ["sql"] and query["additionalProperties"] is False


def test_ranking_is_narrowed_to_a_state() -> None:
    ranking = {
        "venues": [{"venue_id": i, "state": s, "city": "x"} for i, s in enumerate(["TX", "CA", "TX", "TX"])]
    }
    out = tools.filter_ranking(ranking, tools.RankArgs(top=2, state="TX"))
    assert [v["venue_id"] for v in out["venues"]] == [0, 2]


def _analytics(group: str | None = None) -> Plan:
    slots = {"metric": "revenue", "group": group, "filters": {"state": "TX"}, "period": None, "top": 3}
    return Plan("analytics", [ToolCall("query_warehouse", {"sql": "SELECT 1"})], slots)


def test_answers_say_the_number_or_the_list_with_the_sql_behind_them() -> None:
    scalar = compose(
        "q",
        _analytics(),
        [tools.ok("query_warehouse", {"sql": "S", "rows": [{"value": 1234.5}], "row_count": 1})],
    )
    assert scalar["answer"] == "Revenue in Texas: $1,234.50." and scalar["result"] == {
        "kind": "scalar",
        "value": 1234.5,
        "sql": "S",
    }
    assert scalar["calls"] == [
        {"tool": "query_warehouse", "args": {"sql": "SELECT 1"}, "ok": True, "error": None, "sql": "S"}
    ]
    rows = [{"label": "A", "value": 2.0}, {"label": "B", "value": 1.0}]
    listed = compose(
        "q", _analytics("venue"), [tools.ok("query_warehouse", {"sql": "S", "rows": rows, "row_count": 2})]
    )
    assert listed["answer"] == "Top 3 venues by revenue in Texas: 1. A ($2.00); 2. B ($1.00)."
    empty = compose(
        "q", _analytics("venue"), [tools.ok("query_warehouse", {"sql": "S", "rows": [], "row_count": 0})]
    )
    assert empty["answered"] and empty["answer"].startswith("Nothing found")


def test_a_series_or_a_ranking_comes_with_the_chart_the_chat_page_draws() -> None:
    rows = [{"label": "A", "value": 60}, {"label": "B", "value": 40}]

    def chart(slots: dict[str, Any], rows: list[dict[str, Any]]) -> Any:
        plan = Plan("analytics", [ToolCall("query_warehouse", {"sql": "S"})], slots)
        out = compose("q", plan, [tools.ok("query_warehouse", {"sql": "S", "rows": rows, "row_count": 3})])
        return out["result"].get("chart")

    months = [
        {"label": f"2025-0{m}-01T00:00:00+00:00", "value": v} for m, v in ((1, 5), (2, "7.5"), (3, None))
    ]
    base: dict[str, Any] = {"metric": "tickets", "filters": {}, "period": None, "top": 10}
    timeline = chart(base | {"group": "month"}, months)
    assert timeline["kind"] == "timeline" and timeline["unit"] == "tickets"
    assert timeline["points"] == [["January 2025", 5.0], ["February 2025", 7.5]], "no value, no point"
    assert timeline["title"].startswith("Tickets")
    ranked = chart(base | {"group": "month", "rank": True}, months)
    assert ranked["kind"] == "bars", "the busiest months are a ranking, not a timeline"
    venues = chart(base | {"group": "venue", "metric": "revenue"}, [{"label": "A", "value": "2.50"}])
    assert venues == {
        "kind": "bars", "title": venues["title"], "unit": "revenue", "format": "money", "points": [["A", 2.5]]
    }  # fmt: skip
    assert timeline["format"] == "count" and chart(base | {"group": "venue", "share": True}, rows)[
        "format"
    ] == ("percent")
    sides = [{"label": "Texas", "value": 3}, {"label": "Ohio", "value": 4}]
    compared = chart(base | {"group": None, "compare": {"dim": "state", "values": ["TX", "OH"]}}, sides)
    assert compared["kind"] == "bars" and [p[0] for p in compared["points"]] == ["Texas", "Ohio"]
    assert chart(base | {"group": None}, [{"value": 9}]) is None, "one number needs no chart"


def test_answers_say_why_when_a_call_failed_or_nothing_was_planned() -> None:
    refused = compose(
        "q", _analytics(), [tools.failed("query_warehouse", "refused: only a SELECT is allowed")]
    )
    assert not refused["answered"] and "refused: only a SELECT" in refused["answer"]
    lost = compose("q", _analytics(), [])
    assert not lost["answered"]
    plain = compose("q", cannot("I don't know 'X'."), [])
    assert plain == {"question": "q", "intent": "unknown", "planner": "deterministic", "calls": [],
                     "answer": "I don't know 'X'.", "answered": False, "result": None}  # fmt: skip


def test_pipeline_answer_names_each_problem() -> None:
    report = {
        "dead_letters": {"concert-events-dlq": 3, "other": 0},
        "workflows": {"concert-etl": {"failed": 1, "running": 2}},
        "alarms_firing": [],
        "warehouse": {"events": 10, "last_load": "t"},
        "healthy": False,
    }
    out = compose(
        "q", Plan("pipeline_status", [ToolCall("pipeline_status")]), [tools.ok("pipeline_status", report)]
    )
    assert out["answer"] == (
        "Not healthy: 3 dead letters in concert-events-dlq, 1 failed executions of concert-etl; "
        "the warehouse has 10 events, last load t; 2 workflow executions running."
    )


def test_memory_keeps_the_last_turns_and_the_last_understood_question() -> None:
    memory = Conversation("s")
    assert memory.previous() is None and memory.missed() is None
    memory.add("q0", "analytics", {"metric": "revenue"}, "answer", True)
    memory.add("q1", "unknown", {}, "no", False)
    assert memory.previous() == {"metric": "revenue", "intent": "analytics"} and memory.missed() == "q1"
    memory.add("q2", "analytics", {"metric": "tickets"}, "answer", True)
    assert memory.previous() == {"metric": "tickets", "intent": "analytics"} and memory.missed() is None
    for i in range(MAX_TURNS + 5):
        memory.add(f"q{i}", "analytics", {}, "a\nsecond line", True)
    assert len(memory.turns) == MAX_TURNS and memory.turns[-1]["answer"] == "a"
    for bad in ("", "a b", "x" * 65, "semi;colon"):
        with pytest.raises(BadSession):
            check_session(bad)


class Dynamo:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def get_item(self, TableName: str, Key: dict[str, Any], ConsistentRead: bool) -> dict[str, Any]:
        item = self.items.get(Key["session"]["S"])
        return {"Item": item} if item else {}

    def put_item(self, TableName: str, Item: dict[str, Any]) -> None:
        self.items[Item["session"]["S"]] = Item


def test_session_table_round_trips_and_expires() -> None:
    db = Dynamo()
    table = SessionTable(dynamodb_client(db), "t", ttl_s=60)
    memory = table.load("s1")
    memory.add("q", "analytics", {"metric": "tickets"}, "a", True)
    table.save(memory)
    assert int(db.items["s1"]["expires_at"]["N"]) > time.time() + 50
    assert table.load("s1").turns == memory.turns
    db.items["s1"]["expires_at"] = {"N": str(int(time.time()) - 1)}  # past its TTL, not yet deleted
    assert table.load("s1").turns == []


class Bedrock:
    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.requests: list[dict[str, Any]] = []

    def converse(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return self.response


def test_bedrock_planner_turns_tool_use_into_calls() -> None:
    from datetime import UTC, datetime

    fake = Bedrock(json.loads((FIXTURES / "bedrock_converse_tool_use.json").read_text()))
    memory = Conversation("s")
    memory.add("How many tickets in Ohio?", "sql", {}, "1,234", True)
    plan = BedrockPlanner(fake, "anthropic.claude-3-haiku").plan(
        "and in Texas last month?", datetime(2026, 5, 6, tzinfo=UTC), memory
    )
    assert plan.planner == "bedrock" and plan.intent == "sql"
    assert [c.tool for c in plan.calls] == ["query_warehouse"] and "state = 'TX'" in plan.calls[0].args["sql"]
    request = fake.requests[0]
    assert [m["role"] for m in request["messages"]] == ["user", "assistant", "user"]
    assert (
        len(request["toolConfig"]["tools"]) == 7 and "2026-05-06" in request["system"][0]["text"]
    )  # analytics_query and the six tools


def test_bedrock_planner_without_a_tool_call_says_so() -> None:
    fake = Bedrock(
        {"output": {"message": {"role": "assistant", "content": [{"text": "I cannot help with weather."}]}}}
    )
    plan = BedrockPlanner(fake, "m").plan("weather?", None)
    assert not plan.calls and not plan.understood and plan.reply == "I cannot help with weather."


def test_chat_workflow_plans_maps_each_tool_with_retry_and_catch_then_answers() -> None:
    asl = json.loads((ROOT / "state_machines" / "chat.asl.json").read_text())
    assert asl["StartAt"] == "Plan" and asl["States"]["Plan"]["Next"] == "CallTools"
    assert asl["States"]["Plan"]["Catch"][0]["Next"] == "Answer"
    tools_map = asl["States"]["CallTools"]
    assert tools_map["Type"] == "Map" and tools_map["Next"] == "Answer"
    inner = tools_map["ItemProcessor"]["States"]
    chosen = {c["StringEquals"]: c["Next"] for c in inner["ChooseTool"]["Choices"]}
    assert set(chosen) == set(TOOLS)
    for state in chosen.values():
        task = inner[state]
        assert task["Type"] == "Task" and task["Resource"].startswith("${")
        assert task["Retry"] and task["Catch"][0]["Next"] == "ToolFailed"


def test_the_aws_read_only_role_grants_exactly_the_chat_tables() -> None:
    import re

    from consumers.warehouse.guard import CHAT

    sql = (ROOT / "consumers" / "warehouse" / "chat_reader.sql").read_text()
    granted = re.search(r"GRANT SELECT ON TABLE (.*?) TO ROLE chat_reader", sql, re.S)
    assert granted is not None
    assert {t.strip() for t in granted[1].split(",")} == set(CHAT.tables)
    assert not re.search(r"GRANT (INSERT|UPDATE|DELETE|ALL|CREATE)", sql, re.I)


def test_the_warehouse_client_names_its_database_user_only_when_set() -> None:
    from consumers.warehouse.client import DataApiWarehouse, WarehouseSettings
    from tests.fakes.data_api import ScriptedDataApi

    api = ScriptedDataApi()
    DataApiWarehouse(api, WarehouseSettings(db_user="chat_reader")).execute("SELECT 1")
    DataApiWarehouse(api, WarehouseSettings()).execute("SELECT 1")
    assert api.requests[0]["DbUser"] == "chat_reader" and "DbUser" not in api.requests[1]


def test_a_comparison_says_both_sides_and_the_difference() -> None:
    def answer(compare: dict[str, Any], rows: list[dict[str, Any]], metric: str = "tickets") -> str:
        slots = {"metric": metric, "group": None, "filters": {}, "period": None, "compare": compare}
        plan = Plan("analytics", [ToolCall("query_warehouse", {"sql": "S"})], slots)
        out = compose("q", plan, [tools.ok("query_warehouse", {"sql": "S", "rows": rows, "row_count": 2})])
        return str(out["answer"])

    things = {"dim": "artist", "values": [[1, "Cher"], [2, "Yes"]]}
    sides = [{"side": 1, "label": "Cher", "value": 80}, {"side": 2, "label": "Yes", "value": 100}]
    assert answer(things, sides) == (
        "Tickets sold: Cher against Yes. Cher: 80; Yes: 100. Yes is ahead of Cher by 20 (25.0% more)."
    )
    years = {"periods": [{"label": "2025"}, {"label": "2026"}]}
    rows = [{"side": 1, "label": "2025", "value": 200.0}, {"side": 2, "label": "2026", "value": 150.0}]
    assert answer(years, rows, "revenue").endswith("Change from 2025 to 2026: -$50.00 (-25.0%).")
    none = [{"side": 1, "label": "2025", "value": None}, {"side": 2, "label": "2026", "value": 3}]
    assert answer(years, none, "avg_price").endswith("2025: no sales; 2026: $3.00.")
