"""The chat HTTP API (IAM auth): the routes of `functions.chat.routes`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from functions.chat.routes import logger, router

tracer = Tracer(service="chat")
app = APIGatewayHttpResolver()
app.include_router(router)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entry point."""
    return app.resolve(event, context)
