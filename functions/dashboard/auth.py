"""Lambda authorizers of the dashboard APIs: the WebSocket `$connect` authorizer (a
60-second `ws` ticket in the `ticket` query parameter; IAM policy answer) and the HTTP API
authorizer (an `api` session token as `Authorization: Bearer ...`; simple answer)."""

from __future__ import annotations

import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from functions.dashboard.settings import DashboardSettings
from functions.dashboard.signing_key import SigningKey
from functions.dashboard.tokens import InvalidToken, verify

settings = DashboardSettings()
logger = Logger(service="dashboard-auth")
key = SigningKey(boto3.client("secretsmanager"), settings.signing_secret)


def _policy(effect: str, resource: str, subject: str) -> dict[str, Any]:
    return {
        "principalId": subject,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": {"subject": subject},
    }


def ws_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Allow the WebSocket connect when its ticket is valid; deny it otherwise."""
    ticket = (event.get("queryStringParameters") or {}).get("ticket", "")
    try:
        claims = verify(key.get(), ticket, scope="ws", now=time.time())
    except InvalidToken as exc:
        logger.info("websocket connect refused", extra={"reason": str(exc)})
        return _policy("Deny", event.get("methodArn", "*"), "anonymous")
    return _policy("Allow", event.get("methodArn", "*"), claims.subject)


def http_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """HTTP API simple response: authorized when the bearer token is a valid `api` token."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    scheme, _, token = headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise InvalidToken("expected 'Authorization: Bearer <token>'")
        claims = verify(key.get(), token, scope="api", now=time.time())
    except InvalidToken as exc:
        logger.info("api request refused", extra={"reason": str(exc)})
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"subject": claims.subject}}
