"""WebSocket routes of the dashboard: `$connect` records the connection, `$disconnect`
forgets it, and every message (`subscribe`, `ping`, anything else) goes to `message`, which
answers the caller through `@connections`: the snapshot on subscribe, a pong, or an error
frame. A bad message never raises: the handler answers it and the connection stays open.
(Answers are posted rather than returned as route responses: the same code then works where
route responses are not supported, and a snapshot is delivered like every other frame.)"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer

from functions.dashboard import wiring
from functions.dashboard.connections_api import ConnectionsApi
from functions.dashboard.frames import BadMessage, error_frame, parse_client_message, snapshot_frame

logger = Logger(service="dashboard-ws")
tracer = Tracer(service="dashboard-ws")


@cache
def _api(callback_url: str) -> ConnectionsApi:
    return ConnectionsApi(callback_url, workers=1)


def post_to_caller(event: dict[str, Any], frame: dict[str, Any]) -> None:
    """Send a frame to the connection that sent the event (its stage's callback URL)."""
    ctx = event["requestContext"]
    _api(f"https://{ctx['domainName']}/{ctx['stage']}").post(ctx["connectionId"], frame)


def _reply(event: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    try:
        post_to_caller(event, frame)
    except Exception:  # the caller left already: nothing to answer
        logger.warning("reply not delivered", extra={"connection": event["requestContext"]["connectionId"]})
    return {"statusCode": 200}


def _subject(event: dict[str, Any]) -> str:
    authorizer = event["requestContext"].get("authorizer") or {}
    return str(authorizer.get("subject") or authorizer.get("principalId") or "anonymous")


@tracer.capture_lambda_handler(capture_response=False)
def connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record the new (authorized) connection."""
    wiring.ws_parts().connections.add(event["requestContext"]["connectionId"], _subject(event))
    return {"statusCode": 200}


@tracer.capture_lambda_handler(capture_response=False)
def disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Forget the connection."""
    wiring.ws_parts().connections.remove(event["requestContext"]["connectionId"])
    return {"statusCode": 200}


@tracer.capture_lambda_handler(capture_response=False)
def message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one client message on its socket."""
    connection_id = event["requestContext"]["connectionId"]
    try:
        msg = parse_client_message(event.get("body"))
    except BadMessage as exc:
        return _reply(event, error_frame(str(exc)))
    try:
        if msg.action == "ping":
            return _reply(event, {"type": "pong", "sent_ms": int(time.time() * 1000)})
        parts = wiring.ws_parts()
        parts.connections.subscribe(connection_id)
        images = parts.aggregates.current(
            minutes=parts.settings.snapshot_minutes, top=parts.settings.snapshot_top
        )
        frame = snapshot_frame(images, sent_ms=int(time.time() * 1000))
    except Exception as exc:  # the answer is an error frame, never a dead route
        logger.exception("message failed", extra={"connection": connection_id})
        frame = error_frame(f"server error: {type(exc).__name__}")
    return _reply(event, frame)
