"""Lambda authorizers of the dashboard APIs: the WebSocket `$connect` authorizer (a
60-second `ws` ticket in the `ticket` query parameter, spent on use; IAM policy answer) and
the HTTP API authorizer (an `api` session token as `Authorization: Bearer ...`; simple answer).

Both answer every event, whatever its shape, with Allow or Deny and never raise: a bad
input is refused, and so is anything that fails on the way (the key or the ticket table
unreachable): they fail closed."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from functions.dashboard import wiring
from functions.dashboard.tokens import LEEWAY_S, InvalidToken, verify

logger = Logger(service="dashboard-auth")


def _field(obj: object, name: str) -> object:
    return obj.get(name) if isinstance(obj, dict) else None


def _policy(effect: str, resource: str, subject: str) -> dict[str, Any]:
    return {
        "principalId": subject,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": {"subject": subject},
    }


def _connect_subject(event: object) -> str:
    """The subject of the event's valid, unspent ticket, which it spends; InvalidToken otherwise."""
    arn = _field(event, "methodArn")
    if not isinstance(arn, str) or not arn:
        raise InvalidToken("no method ARN")
    parts = wiring.auth_parts()
    claims = verify(parts.key.get(), _field(_field(event, "queryStringParameters"), "ticket"), scope="ws")
    if not parts.tickets.spend(claims.token_id, expires_at=claims.expires_at + LEEWAY_S):
        raise InvalidToken("ticket already used")
    return claims.subject


def ws_authorizer(event: object, context: object) -> dict[str, Any]:
    """Allow the WebSocket connect when its ticket is valid and unspent; deny anything else."""
    subject: str | None = None
    try:
        subject = _connect_subject(event)
    except InvalidToken as exc:
        logger.info("websocket connect refused", extra={"reason": str(exc)})
    except Exception:  # a fault refuses too (fail closed): an authorizer never raises
        logger.exception("websocket authorizer failed: connect refused")
    arn = _field(event, "methodArn")
    resource = arn if isinstance(arn, str) else "*"
    if subject is None:
        return _policy("Deny", resource, "anonymous")
    return _policy("Allow", resource, subject)


def _bearer(event: object) -> object:
    """The token of the event's one `Authorization: Bearer <token>` header."""
    headers = _field(event, "headers")
    if not isinstance(headers, dict):
        raise InvalidToken("no headers")
    values = [v for k, v in headers.items() if isinstance(k, str) and k.lower() == "authorization"]
    if len(values) != 1 or not isinstance(values[0], str):
        raise InvalidToken("expected one Authorization header")
    scheme, _, token = values[0].partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    return token.strip()


def http_authorizer(event: object, context: object) -> dict[str, Any]:
    """HTTP API simple response: authorized when the bearer token is a valid `api` token."""
    try:
        claims = verify(wiring.auth_parts().key.get(), _bearer(event), scope="api")
    except InvalidToken as exc:
        logger.info("api request refused", extra={"reason": str(exc)})
        return {"isAuthorized": False}
    except Exception:  # a fault refuses too (fail closed): an authorizer never raises
        logger.exception("api authorizer failed: request refused")
        return {"isAuthorized": False}
    return {"isAuthorized": True, "context": {"subject": claims.subject}}
