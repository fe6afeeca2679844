"""Short-lived dashboard tokens: JWTs signed with HS256 by PyJWT. Pure: no AWS.

`concert dashboard` mints a session token (scope `api`, hours) from the signing key in
Secrets Manager; the web app trades it at the HTTP API for a WebSocket ticket (scope `ws`,
60 seconds) that the `$connect` authorizer checks and spends. The scope is the token's
audience (`concert-dashboard:api`, `concert-dashboard:ws`): neither opens the other door.
Every token carries a unique id (`jti`), which makes a ticket spendable once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import jwt

SCOPES = ("api", "ws")
WS_TICKET_TTL_S = 60
MAX_TTL_S = 7 * 24 * 3600
ISSUER = "concert-dashboard"
ALGORITHM = "HS256"  # the only one accepted: `none` and every other `alg` are refused
LEEWAY_S = 10  # clock skew allowed between the minting machine and the checking function
MAX_TOKEN_CHARS = 4096  # ours are ~300; anything longer is refused before it is parsed
_REQUIRED = ["iss", "aud", "sub", "iat", "nbf", "exp", "jti"]
_JWT = jwt.PyJWT({"enforce_minimum_key_length": True})


class InvalidToken(ValueError):
    """The token is malformed, forged, expired, not yet valid or for another scope."""


@dataclass(frozen=True, slots=True)
class Claims:
    """Who the token is for, what it opens, until when (epoch seconds), and its id."""

    subject: str
    scope: str
    expires_at: int
    token_id: str


def audience(scope: str) -> str:
    """The audience claim of tokens opening `scope`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r} (one of {', '.join(SCOPES)})")
    return f"{ISSUER}:{scope}"


def mint(key: bytes, *, subject: str, scope: str, ttl_s: int, now: float) -> str:
    """A token for `subject` opening `scope` for `ttl_s` seconds from `now`."""
    aud = audience(scope)
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl must be between 1 s and {MAX_TTL_S} s, not {ttl_s!r}")
    if not isinstance(subject, str):
        raise ValueError(f"subject must be a string, not {type(subject).__name__}")
    issued = int(now)
    claims = {"iss": ISSUER, "aud": aud, "sub": subject, "iat": issued, "nbf": issued,
              "exp": issued + ttl_s, "jti": secrets.token_urlsafe(16)}  # fmt: skip
    return _JWT.encode(claims, key, algorithm=ALGORITHM)


_REASONS: dict[type[jwt.PyJWTError], str] = {
    jwt.ExpiredSignatureError: "token expired",
    jwt.ImmatureSignatureError: "token not valid yet",
    jwt.InvalidAudienceError: "token is for another scope",
    jwt.InvalidIssuerError: "token from another issuer",
    jwt.InvalidSignatureError: "bad signature",
    jwt.InvalidAlgorithmError: "algorithm not allowed",
    jwt.MissingRequiredClaimError: "missing claim",
}


def verify(key: bytes, token: object, *, scope: str) -> Claims:
    """The claims of a valid token for `scope`, now; InvalidToken for anything else."""
    aud = audience(scope)
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidToken("malformed token")
    try:
        claims = _JWT.decode(
            token, key, algorithms=[ALGORITHM], audience=aud, issuer=ISSUER, leeway=LEEWAY_S,
            options={"require": _REQUIRED, "strict_aud": True},
        )  # fmt: skip
    except jwt.PyJWTError as exc:
        reason = next((r for t, r in _REASONS.items() if isinstance(exc, t)), "malformed token")
        raise InvalidToken(reason) from exc
    exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
    if type(exp) is not int or type(iat) is not int or not 0 < exp - iat <= MAX_TTL_S:
        raise InvalidToken("malformed claims")  # signed with our key, and still checked
    if not jti or len(jti) > 64:
        raise InvalidToken("malformed claims")
    return Claims(claims["sub"], scope, exp, jti)
