"""Chat routes: POST /ask {question, session?} starts the chat workflow and returns its
answer with the SQL and tool results behind it (or 504 with the execution to look up when it
takes longer than the API can wait); GET /sessions/{session} returns a conversation. The
chat API serves them at its root and the dashboard API under /chat."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from chat.memory import BadSession, check_session
from functions.chat import wiring

logger = Logger(service="chat")
router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]
MAX_QUESTION = 2000


def _body() -> dict[str, Any]:
    try:
        body = router.current_event.json_body
    except (ValueError, TypeError):
        raise BadRequestError('the body must be JSON: {"question": "...", "session": "..."}') from None
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    return body


@router.post("/ask")
def ask() -> Response[Any]:
    """Answer one question through the chat workflow."""
    body = _body()
    question = body.get("question")
    if not isinstance(question, str) or not question.strip():
        raise BadRequestError("question is required (a non-empty string)")
    if len(question) > MAX_QUESTION:
        raise BadRequestError(f"question is longer than {MAX_QUESTION} characters")
    session = body.get("session") or uuid.uuid4().hex
    try:
        check_session(str(session))
    except BadSession as exc:
        raise BadRequestError(str(exc)) from None
    parts = wiring.api_parts()
    started = time.monotonic()
    arn = parts.sfn.start_execution(
        stateMachineArn=parts.settings.state_machine_arn,
        name=f"ask-{uuid.uuid4().hex}",
        input=json.dumps({"question": question, "session": session}),
    )["executionArn"]
    delay = 0.05
    while True:
        desc = parts.sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            break
        if time.monotonic() - started > parts.settings.wait_s:
            return Response(
                504, "application/json", {"error": "the answer is still being prepared", "execution": arn}
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)
    if desc["status"] != "SUCCEEDED":
        cause = desc.get("cause") or desc.get("error") or desc["status"]
        return Response(
            502,
            "application/json",
            {"error": f"the chat workflow ended {desc['status']}: {cause}", "execution": arn},
        )
    answer = json.loads(desc.get("output") or "{}")
    answer["execution"] = arn
    answer["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    return Response(200, "application/json", answer)


@router.get("/sessions/<session>")
def conversation(session: str) -> dict[str, Any]:
    """The remembered turns of a session."""
    try:
        memory = wiring.api_parts().sessions.load(session)
    except BadSession as exc:
        raise BadRequestError(str(exc)) from None
    return {"session": session, "turns": memory.turns}
