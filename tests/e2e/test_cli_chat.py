"""`concert ask` end to end: every question of tests/chat_questions answered through the chat
API and workflow on the embedded default, checked against answers computed independently
(bench/chat.py's oracle), each execution's history showing its tool call. Runs after
test_cli.py on the same platform (its data and models); alone, it produces and trains first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bench.chat import Oracle, load_questions
from cloud.clients import client
from concert.api_client import call
from consumers import pipeline_health
from consumers.warehouse.client import DataApiWarehouse
from functions.ops.workflows import history
from infra import names
from tests.e2e.conftest import Cli, activated

QUESTION_SET = load_questions()
QUESTIONS = QUESTION_SET["questions"]


@pytest.fixture(scope="module")
def oracle(cli: Cli) -> Iterator[Oracle]:
    """The platform with sales and promoted models, and the oracle reading it."""
    if not cli.cloud.healthy() or not cli.json("status", "--no-count")["health"]["warehouse"].get("events"):
        cli.json("up", "--events", "2000", "--rate", "20000", "--exit-when-done")
    if not all(cli.json("status", "--no-count").get("models", {}).values()):
        cli.json("train", timeout=1200)
    with activated(cli) as rt:
        outputs = rt.outputs()
        warehouse = DataApiWarehouse(client("redshift-data"))

        def health() -> dict[str, Any]:
            return pipeline_health.report(
                client("sqs"),
                client("stepfunctions"),
                client("cloudwatch"),
                warehouse,
                outputs,
                names.DEAD_LETTER_QUEUES,
            )

        found = Oracle(
            warehouse.query, lambda path, params: call(outputs["PredictionsApiUrl"], path, params), health
        )
        found.prepare(QUESTION_SET)
        yield found


def test_the_question_set_covers_every_tool_and_refusals() -> None:
    tools = {q.get("tool") for q in QUESTIONS}
    assert len(QUESTIONS) >= 40
    assert {"query_warehouse", "predict_sales", "recommend_concerts", "rank_venues", "pipeline_status",
            "explain_schema"} <= tools  # fmt: skip
    assert {q["expect"] for q in QUESTIONS} >= {"refused", "cannot"}
    assert any(q.get("session") for q in QUESTIONS), "follow-ups are part of the set"


@pytest.mark.parametrize("q", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_ask_answers_correctly(cli: Cli, oracle: Oracle, q: dict[str, Any]) -> None:
    args = ["ask", oracle.text(q)] + (["--session", f"e2e-{q['session']}"] if q.get("session") else [])
    proc = cli.run(*args, "--json", timeout=120)
    answered = q["expect"] not in ("refused", "cannot")
    assert proc.returncode == (0 if answered else 3), proc.stderr
    answer = json.loads(proc.stdout)
    assert oracle.check(q, answer) is None, oracle.check(q, answer)
    if q.get("tool"):
        with activated(cli):
            events = history(client("stepfunctions"), answer["execution"])
        function = f"concert-chat-{q['tool'].replace('_', '-')}"
        scheduled = [e.get("resource", "") for e in events if e["type"] == "TaskScheduled"]
        assert any(r.endswith(f":function:{function}") for r in scheduled), scheduled
        assert events[-1]["type"] == "ExecutionSucceeded"


def test_chat_executions_show_in_concert_workflows(cli: Cli, oracle: Oracle) -> None:
    answer = cli.json("ask", "How many tickets were sold in Ohio in 2025?")
    listed = cli.json("workflows", "executions", "--state-machine", "concert-chat")["executions"]
    assert answer["execution"] in [e["arn"] for e in listed]
    events = cli.json("workflows", "history", answer["execution"], "--state-machine", "concert-chat")[
        "events"
    ]
    entered = [e.get("state") for e in events]
    assert entered.index("Plan") < entered.index("CallTools") < entered.index("Answer")
    assert any(e.get("resource", "").endswith(":function:concert-chat-query-warehouse") for e in events)


def test_conversation_is_remembered_per_session_and_bounded(cli: Cli, oracle: Oracle) -> None:
    for state in ("Texas", "Ohio"):
        cli.json("ask", f"How many tickets were sold in {state} in 2025?", "--session", "memory-check")
    follow = cli.json("ask", "and in Utah?", "--session", "memory-check")
    assert "Utah" in follow["answer"] and "2025" in follow["answer"]
    alone = cli.run("ask", "and in Utah?", "--session", "another-session", "--json")
    assert alone.returncode == 3, "a follow-up without a conversation is not guessed"
    with activated(cli) as rt:
        from chat.memory import MAX_TURNS
        from chat.session_table import SessionTable

        table = SessionTable(client("dynamodb"), rt.outputs()["ChatSessionsTableName"])
        for i in range(MAX_TURNS + 2):
            cli.json("ask", f"How many tickets were sold in {2014 + i}?", "--session", "bounded")
        turns = table.load("bounded").turns
    assert len(turns) == MAX_TURNS and turns[-1]["question"].endswith(f"{2014 + MAX_TURNS + 1}?")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "  "], "the question is empty"),
        (["ask", "hello", "--session", "bad session!"], "--session"),
    ],
)
def test_bad_ask_arguments_are_one_line_errors(cli: Cli, args: list[str], message: str) -> None:
    proc = cli.run(*args)
    assert proc.returncode == 2 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
