"""The chat's Lambda handlers on real event shapes with fakes behind them: the chat API on an
HTTP API (payload 2.0) POST, the plan step (invalid calls refused, Bedrock falling back to the
rules), the answer step (a failed plan, the turn remembered)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chat.plan import Plan, ToolCall
from chat.session_table import SessionTable
from functions.chat import answer as answer_step
from functions.chat import api as chat_api
from functions.chat import plan as plan_step
from functions.chat import tool_steps, wiring
from functions.chat.settings import ApiSettings, PlanSettings
from tests.fakes.clients import dynamodb_client
from tests.fakes.lambda_context import LambdaContext
from tests.fakes.stepfunctions import MemoryStepFunctions
from tests.fakes.warehouse import ScriptedWarehouse
from tests.unit.test_chat_parts import Dynamo

EVENT = json.loads((Path(__file__).parent.parent / "fixtures" / "aws" / "http_api_v2_get.json").read_text())


def _api(monkeypatch: pytest.MonkeyPatch, sfn: MemoryStepFunctions, wait_s: float = 25.0) -> None:
    """The chat routes' parts: the workflow `sfn`, sessions in memory."""
    monkeypatch.setenv("SESSIONS_TABLE", "sessions")
    monkeypatch.setenv("CHAT_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:1:stateMachine:concert-chat")
    monkeypatch.setenv("CHAT_WAIT_SECONDS", str(wait_s))
    parts = wiring.ApiParts(ApiSettings(), sfn, SessionTable(dynamodb_client(Dynamo()), "sessions"))
    monkeypatch.setattr(wiring, "api_parts", lambda: parts)


def _post(body: str) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(EVENT)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/ask"
    event["requestContext"]["http"]["method"] = "POST"
    event["body"] = body
    out = chat_api.handler(event, LambdaContext("chat", 128, "req"))
    return out["statusCode"], json.loads(out["body"])


def test_chat_api_starts_the_workflow_and_returns_its_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"answer": "42 tickets.", "answered": True, "calls": []}
    sfn = MemoryStepFunctions(final={"status": "SUCCEEDED", "output": json.dumps(answer)})
    _api(monkeypatch, sfn)
    status, body = _post(json.dumps({"question": "How many tickets?", "session": "s-1"}))
    assert (
        status == 200
        and body["answer"] == "42 tickets."
        and ":execution:concert-chat:ask-" in body["execution"]
    )
    assert sfn.inputs == [{"question": "How many tickets?", "session": "s-1"}]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("not json", "the body must be JSON"),
        ("[1]", "a JSON object"),
        ("{}", "question is required"),
        (json.dumps({"question": "x" * 2001}), "longer than 2000"),
        (json.dumps({"question": "q", "session": "no spaces"}), "session must be"),
    ],
)
def test_chat_api_refuses_bad_requests(monkeypatch: pytest.MonkeyPatch, body: str, error: str) -> None:
    sfn = MemoryStepFunctions(final={"status": "SUCCEEDED", "output": "{}"})
    _api(monkeypatch, sfn)
    status, out = _post(body)
    assert status == 400 and error in out["message"] and sfn.inputs == []


def test_chat_api_reports_a_failed_or_slow_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    _api(monkeypatch, MemoryStepFunctions(final={"status": "FAILED", "cause": "States.Timeout"}))
    status, body = _post(json.dumps({"question": "q"}))
    assert status == 502 and "FAILED: States.Timeout" in body["error"]
    _api(monkeypatch, MemoryStepFunctions(final={}, running=10**9), wait_s=0.2)
    status, body = _post(json.dumps({"question": "q"}))
    assert status == 504 and ":execution:concert-chat:ask-" in body["execution"]


def _vocabulary_warehouse() -> ScriptedWarehouse:
    """The data clock, a venue known by another source's spelling, and one artist."""
    venue = {"venue_id": 1, "name": "Robertson Stadium", "city": "Houston", "state": "TX"}
    return ScriptedWarehouse(
        [
            ("MAX(sold_at)", [{"at": datetime(2026, 5, 6, tzinfo=UTC)}]),
            ("resolved_venue", [venue]),
            ("entity_alias", [{"kind": "venue", "entity_id": 1, "name": "Robertson Stad."}]),
        ],
        default=[{"artist_id": 2, "name": "Cher"}],
    )


@pytest.fixture
def plan_parts(monkeypatch: pytest.MonkeyPatch) -> wiring.PlanParts:
    monkeypatch.setenv("SESSIONS_TABLE", "sessions")
    sessions = SessionTable(dynamodb_client(Dynamo()), "sessions")
    parts = wiring.PlanParts(PlanSettings(), _vocabulary_warehouse(), sessions)
    monkeypatch.setattr(wiring, "plan_parts", lambda: parts)
    return parts


def test_plan_step_plans_with_the_warehouse_vocabulary(plan_parts: wiring.PlanParts) -> None:
    out = plan_step.handler(
        {"question": "tickets sold in Houston last month", "session": "s"}, LambdaContext("chat", 128, "req")
    )
    assert (
        out["plan"]["calls"][0]["tool"] == "query_warehouse"
        and "'Houston'" in out["plan"]["calls"][0]["args"]["sql"]
    )
    assert out["clock"] == "2026-05-06T00:00:00+00:00"
    # Another source's spelling of the venue finds the venue as one entity.
    alias = plan_step.handler(
        {"question": "tickets sold at Robertson Stad. last month"}, LambdaContext("chat", 128, "req")
    )
    assert "venue_id = 1" in alias["plan"]["calls"][0]["args"]["sql"]
    bad = plan_step.handler({"question": "q", "session": "bad session"}, LambdaContext("chat", 128, "req"))
    assert bad["plan"]["understood"] is False and "session must be" in bad["plan"]["reply"]


def test_plan_step_refuses_calls_with_invalid_arguments_and_falls_back_from_bedrock(
    plan_parts: wiring.PlanParts, monkeypatch: pytest.MonkeyPatch
) -> None:
    invalid = Plan("x", [ToolCall("recommend_concerts", {"customer_id": -1})])
    assert plan_step.checked(invalid).understood is False

    class Broken:
        name = "bedrock"

        def plan(self, *args: Any) -> Plan:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Converse")

    monkeypatch.setattr(plan_step, "planner", lambda parts: Broken())
    out = plan_step.handler(
        {"question": "tickets sold in Houston last month", "session": None}, LambdaContext("chat", 128, "req")
    )
    assert out["plan"]["planner"] == "deterministic" and out["plan"]["calls"]


def test_answer_step_says_a_failed_plan_and_remembers_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONS_TABLE", "sessions")
    sessions = SessionTable(dynamodb_client(Dynamo()), "sessions")
    monkeypatch.setattr(wiring, "answer_parts", lambda: wiring.AnswerParts(sessions))
    module = answer_step
    failed = {
        "state": {"question": "q", "session": "s", "error": {"Error": "Lambda.Unknown", "Cause": "boom"}}
    }
    out = module.handler(failed, LambdaContext("chat", 128, "req"))
    assert out["answered"] is False and "couldn't plan an answer: boom" in out["answer"]
    plan = Plan("pipeline_status", [ToolCall("pipeline_status")])
    report = {"dead_letters": {}, "workflows": {}, "alarms_firing": [], "warehouse": {"events": 1, "last_load": "t"},
              "healthy": True}  # fmt: skip
    state = {"question": "ok?", "session": "s", "planned": {"plan": plan.to_dict(), "clock": "c"},
             "outcomes": [{"tool": "pipeline_status", "ok": True, "result": report, "error": None}]}  # fmt: skip
    out = module.handler({"state": state, "execution": "arn:x"}, LambdaContext("chat", 128, "req"))
    assert out["answered"] and out["answer"].startswith("Healthy") and out["execution"] == "arn:x"
    turns = sessions.load("s").turns
    assert [t["question"] for t in turns] == ["q", "ok?"] and turns[-1]["understood"]


def test_the_venue_ranking_tool_ranks_from_the_warehouse_rows_it_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The tool step end to end below the models' registry: serving rows on a seeded warehouse."""
    from bench.warehouse import seed_statements
    from consumers.warehouse.client import DataApiWarehouse
    from ml import serving
    from ml.dataset import WAREHOUSE_QUERIES, SalesRows
    from ml.models import SPECS
    from ml.serving_queries import ServingRows
    from tests.unit.local_warehouse import LocalDataApi, run, star_schema

    module = tool_steps
    engine = star_schema(tmp_path / "w.duckdb")
    try:
        for sql in seed_statements(20_000):
            assert run(engine, sql)["Status"] == "FINISHED", sql[:80]
        rows = ServingRows(DataApiWarehouse(LocalDataApi(engine)))
        every = SalesRows.of({name: rows.query(sql) for name, sql in WAREHOUSE_QUERIES.items()})
        model, report = SPECS["venue_popularity"].train(every, {"seed": 3, "max_iter": 40, "peer": False})

        class Models:
            def get(self, name: str) -> serving.Loaded:
                assert name == "venue_popularity"
                return serving.Loaded(model, "v1", report)

        monkeypatch.setattr(wiring, "serving", lambda: (Models(), rows))
        out = module.rank_venues({"args": {"top": 5, "state": "TX"}}, LambdaContext("chat", 128, "req"))
        assert out["ok"], out
        ranked = out["result"]["venues"]
        assert len(ranked) == 5 and all(v["state"] == "TX" for v in ranked)
        assert [v["score"] for v in ranked] == sorted((v["score"] for v in ranked), reverse=True)
    finally:
        engine.close()
