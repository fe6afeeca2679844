"""Plan step: the question (with the conversation so far) -> intent, slots and tool calls."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import BotoCoreError, ClientError

from chat import tools
from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.memory import BadSession, Conversation
from chat.plan import Plan, Planner, cannot
from chat.session_table import SessionTable
from chat.vocabulary import Vocabulary
from consumers.warehouse.client import DataApiWarehouse
from functions.chat.settings import PlanSettings

settings = PlanSettings()
logger = Logger(service="chat")
tracer = Tracer(service="chat")
warehouse = DataApiWarehouse(boto3.client("redshift-data"))
sessions = SessionTable(boto3.client("dynamodb"), settings.sessions_table)
_vocabulary: tuple[float, Vocabulary] | None = None


def vocabulary() -> Vocabulary:
    """The names the warehouse knows, read again after `vocabulary_refresh_s`."""
    global _vocabulary
    if _vocabulary is None or time.monotonic() - _vocabulary[0] > settings.vocabulary_refresh_s:
        _vocabulary = (time.monotonic(), Vocabulary.read(warehouse.query))
    return _vocabulary[1]


def planner() -> Planner:
    """The configured planner."""
    if settings.planner == "bedrock":
        from chat.bedrock_planner import BedrockPlanner

        return BedrockPlanner(boto3.client("bedrock-runtime"), str(settings.bedrock_model_id), vocabulary())
    return DeterministicPlanner(vocabulary())


def checked(plan: Plan) -> Plan:
    """The plan, or a plain refusal when a call's arguments are invalid."""
    for call in plan.calls:
        try:
            tools.parse(call.tool, call.args)
        except ValueError as exc:
            return cannot(f"I can't make that call: {exc}", planner=plan.planner)
    return plan


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """{question, session} -> {plan, clock}."""
    question = str(event.get("question") or "")[:2000]
    session = event.get("session")
    try:
        memory = sessions.load(str(session)) if session else None
    except BadSession as exc:
        return {"plan": cannot(str(exc)).to_dict(), "clock": None}
    clock: datetime | None = warehouse.query("SELECT MAX(sold_at) AS at FROM fact_ticket_sales")[0]["at"]
    conversation = memory or Conversation("-")
    try:
        plan = planner().plan(question, clock, conversation)
    except (BotoCoreError, ClientError) as exc:  # Bedrock unavailable: the rules still answer
        logger.warning("bedrock planner failed, using the deterministic one", extra={"error": str(exc)})
        plan = DeterministicPlanner(vocabulary()).plan(question, clock, conversation)
    plan = checked(covered(question, plan))  # never an answer to a narrower question
    logger.info("planned", extra={"intent": plan.intent, "calls": [c.tool for c in plan.calls]})
    return {"plan": plan.to_dict(), "clock": clock.isoformat() if clock else None}
