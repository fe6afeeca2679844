"""Answer step: the plan and the tool outcomes -> the answer, remembered in the session."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer

from chat.answers import compose
from chat.memory import BadSession
from chat.plan import Plan, cannot
from functions.chat import wiring

logger = Logger(service="chat")
tracer = Tracer(service="chat")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """{state: {question, session, planned?, outcomes?, error?}, execution} -> the answer."""
    state = event.get("state") or {}
    question = str(state.get("question") or "")
    planned = state.get("planned") or {}
    if "plan" in planned:
        plan = Plan.from_dict(planned["plan"])
    else:  # the plan step failed after its retries
        cause = (state.get("error") or {}).get("Cause") or "the planner failed"
        plan = cannot(f"I couldn't plan an answer: {str(cause)[:300]}")
    answer = compose(question, plan, list(state.get("outcomes") or []))
    session = state.get("session")
    if session:
        try:
            sessions = wiring.answer_parts().sessions
            memory = sessions.load(str(session))
            memory.add(
                question, plan.intent, plan.slots, answer["answer"], answer["answered"] and bool(plan.calls)
            )
            sessions.save(memory)
        except BadSession:
            pass  # refused by the plan step already; nothing to remember
    logger.info("answered", extra={"intent": plan.intent, "answered": answer["answered"]})
    return answer | {"session": session, "as_of": planned.get("clock"), "execution": event.get("execution")}
