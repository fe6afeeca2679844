"""Short-lived dashboard tokens: HMAC-SHA256 over a small JSON claim set. Pure: no AWS.

`concert dashboard` mints a session token (scope `api`, hours) from the signing key in
Secrets Manager; the web app trades it at the HTTP API for a WebSocket ticket (scope `ws`,
60 seconds) that the `$connect` authorizer checks. Neither scope opens the other door.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

SCOPES = ("api", "ws")
WS_TICKET_TTL_S = 60
MAX_TTL_S = 7 * 24 * 3600


class InvalidToken(ValueError):
    """The token is malformed, forged, expired or for another scope (the reason says which)."""


@dataclass(frozen=True, slots=True)
class Claims:
    """Who the token is for, what it opens and until when (epoch seconds)."""

    subject: str
    scope: str
    expires_at: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(key: bytes, *, subject: str, scope: str, ttl_s: int, now: float) -> str:
    """A token for `subject` opening `scope` for `ttl_s` seconds from `now`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r} (one of {', '.join(SCOPES)})")
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl must be between 1 s and {MAX_TTL_S} s, not {ttl_s}")
    body = _b64(json.dumps({"sub": subject, "scope": scope, "exp": int(now) + ttl_s}).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def verify(key: bytes, token: str, *, scope: str, now: float) -> Claims:
    """The claims of a valid, unexpired token for `scope`; InvalidToken otherwise."""
    body, _, signature = (token or "").strip().partition(".")
    if not body or not signature:
        raise InvalidToken("malformed token")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_unb64(body))
        parsed = Claims(str(claims["sub"]), str(claims["scope"]), int(claims["exp"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidToken("malformed claims") from exc
    if parsed.scope != scope:
        raise InvalidToken(f"token is for {parsed.scope!r}, not {scope!r}")
    if parsed.expires_at <= now:
        raise InvalidToken("token expired")
    return parsed
