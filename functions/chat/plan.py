"""Plan step: the question (with the conversation so far) -> intent, slots and tool calls."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import BotoCoreError, ClientError

from chat import tools, two_questions
from chat.deterministic_planner import DeterministicPlanner
from chat.memory import BadSession, Conversation
from chat.plan import Plan, Planner, cannot
from chat.vocabulary import Vocabulary
from functions.chat import wiring
from functions.chat.wiring import PlanParts

logger = Logger(service="chat")
tracer = Tracer(service="chat")


def vocabulary(parts: PlanParts) -> Vocabulary:
    """The names the warehouse knows, read again after `vocabulary_refresh_s`."""
    held = parts.vocabulary
    if held is None or time.monotonic() - held[0] > parts.settings.vocabulary_refresh_s:
        parts.vocabulary = held = (time.monotonic(), Vocabulary.read(parts.warehouse.query))
    return held[1]


def planner(parts: PlanParts) -> Planner:
    """The configured planner."""
    if parts.settings.planner == "bedrock":
        from chat.bedrock_planner import BedrockPlanner

        if parts.bedrock is None:  # plan_parts() makes the client whenever the planner is Bedrock
            raise RuntimeError("the Bedrock planner is configured without a bedrock-runtime client")
        return BedrockPlanner(parts.bedrock, str(parts.settings.bedrock_model_id), vocabulary(parts))
    return DeterministicPlanner(vocabulary(parts))


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
    parts = wiring.plan_parts()
    question = str(event.get("question") or "")[:2000]
    session = event.get("session")
    try:
        memory = parts.sessions.load(str(session)) if session else None
    except BadSession as exc:
        return {"plan": cannot(str(exc)).to_dict(), "clock": None}
    latest = parts.warehouse.query("SELECT MAX(sold_at) AS at FROM fact_ticket_sales")
    clock: datetime | None = latest[0]["at"]
    conversation = memory or Conversation("-")
    try:  # every part of the question used (or refused): never an answer to a narrower question
        plan = two_questions.planned(planner(parts), question, clock, conversation)
    except (BotoCoreError, ClientError) as exc:  # Bedrock unavailable: the rules still answer
        logger.warning("bedrock planner failed, using the deterministic one", extra={"error": str(exc)})
        plan = two_questions.planned(DeterministicPlanner(vocabulary(parts)), question, clock, conversation)
    plan = checked(plan)
    logger.info("planned", extra={"intent": plan.intent, "calls": [c.tool for c in plan.calls]})
    return {"plan": plan.to_dict(), "clock": clock.isoformat() if clock else None}
