"""The Bedrock planner through the semantic layer: the model names a measure, breakdown, filters
and period (`analytics_query`), our code resolves the names and the period and writes the SQL,
and the plan gets the same coverage check and guard as the rules' plans (a recorded Converse
response shape, a fake client)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chat.bedrock_planner import BedrockPlanner
from chat.coverage import covered
from chat.semantic_tool import NAME, spec
from chat.vocabulary import Vocabulary
from consumers.warehouse.guard import CHAT, guard
from tests.unit.test_chat_planner import ARTISTS, VENUES

CLOCK = datetime(2026, 5, 6, 9, 32, tzinfo=UTC)


class Bedrock:
    """Answers every Converse call with one toolUse block of `analytics_query`."""

    def __init__(self, tool_input: dict[str, Any]) -> None:
        self.tool_input = tool_input
        self.requests: list[dict[str, Any]] = []

    def converse(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        block = {"toolUse": {"toolUseId": "t1", "name": NAME, "input": self.tool_input}}
        return {"output": {"message": {"role": "assistant", "content": [block]}}, "stopReason": "tool_use"}


def _plan(tool_input: dict[str, Any], question: str = "q") -> Any:
    planner = BedrockPlanner(Bedrock(tool_input), "anthropic.claude-3-haiku", Vocabulary.of(VENUES, ARTISTS))
    return covered(question, planner.plan(question, CLOCK))


def test_the_model_is_offered_the_semantic_layer_first() -> None:
    fake = Bedrock({"measure": "tickets"})
    BedrockPlanner(fake, "m", Vocabulary.of(VENUES, ARTISTS)).plan("how many tickets?", CLOCK)
    offered = [t["toolSpec"]["name"] for t in fake.requests[0]["toolConfig"]["tools"]]
    assert offered[0] == NAME and "query_warehouse" in offered
    schema = spec()["toolSpec"]["inputSchema"]["json"]
    assert "median_price" in str(schema["properties"]["measure"]) and schema["additionalProperties"] is False


def test_a_model_plan_is_compiled_by_our_code_with_names_and_period_resolved() -> None:
    plan = _plan(
        {"measure": "revenue", "group": "venue", "state": "Texas", "period": "last month", "top": 5},
        "top 5 venues by revenue in Texas last month",
    )
    assert plan.intent == "analytics" and plan.planner == "bedrock"
    assert (
        plan.slots["filters"] == {"state": "TX"}
        and plan.slots["period"]["label"] == "last month (April 2026)"
    )
    sql = plan.calls[0].args["sql"]
    guard(sql, CHAT)
    assert "f.state = 'TX'" in sql and "LIMIT 5" in sql


def test_artists_and_venues_are_resolved_to_their_ids() -> None:
    plan = _plan(
        {"measure": "tickets", "artist": "Foo Fighters", "venue": "Gillette Stadium"},
        "tickets for Foo Fighters at Gillette Stadium",
    )
    assert plan.slots["filters"] == {"artist": [12, "Foo Fighters"], "venue": [1, "Gillette Stadium"]}


def test_unknown_names_periods_and_measures_are_plain_refusals() -> None:
    for tool_input, said in (
        ({"measure": "tickets", "artist": "Nobody Known"}, "I don't know a artist called 'Nobody Known'"),
        ({"measure": "tickets", "period": "the long ago"}, "can't read the period"),
        ({"measure": "profit"}, "analytics_query"),
        ({"measure": "tickets", "sql": "DROP TABLE x"}, "analytics_query"),
    ):
        plan = _plan(tool_input)
        assert not plan.calls and said in (plan.reply or ""), (tool_input, plan.reply)


def test_a_model_plan_that_drops_part_of_the_question_is_not_answered() -> None:
    plan = _plan({"measure": "revenue"}, "revenue by venue in 2025")
    assert not plan.calls
    assert "a breakdown by venue" in (plan.reply or "") and "the period" in (plan.reply or "")


def test_a_model_can_ask_for_two_sides_of_one_measure() -> None:
    things = _plan(
        {"measure": "revenue", "artist": "Cher", "versus": "Foo Fighters", "period": "2025"},
        "Cher vs Foo Fighters revenue in 2025",
    )
    assert things.slots["compare"] == {"dim": "artist", "values": [[11, "Cher"], [12, "Foo Fighters"]]}
    assert "artist" not in things.slots["filters"] and things.calls
    years = _plan(
        {"measure": "tickets", "period": "2026", "versus_period": "2025"}, "tickets in 2026 vs 2025"
    )
    assert [p["label"] for p in years.slots["compare"]["periods"]] == ["2025", "2026"]
    refused = _plan({"measure": "tickets", "versus": "Cher"}, "tickets vs Cher")
    assert not refused.calls and "same kind" in (refused.reply or "")


def test_a_model_can_ask_for_what_had_none_and_gets_the_rules_sql() -> None:
    question = "which venues in Texas did not sell a single ticket in 2025?"
    plan = _plan(
        {"measure": "venues", "group": "venue", "state": "TX", "period": "2025", "without": "sales"}, question
    )
    sql = plan.calls[0].args["sql"]
    guard(sql, CHAT)
    assert "NOT EXISTS (SELECT 1 FROM fact_ticket_sales AS x" in sql and plan.slots["absent"] == "sales"
    mixed = _plan({"measure": "tickets", "without": "sales"}, "tickets sold")
    assert not mixed.calls and "had none" in str(mixed.reply)
