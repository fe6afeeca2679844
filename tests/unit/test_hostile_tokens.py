"""Hostile input to the dashboard's tokens and both authorizers: every bad token or event is
refused (InvalidToken from `verify`, Deny from the authorizers), never an exception and never
an Allow; a WebSocket ticket opens one connection, also when replayed after it expired; and
the good paths still Allow."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from functions.dashboard import auth as auth_module
from functions.dashboard import tokens, wiring
from functions.dashboard.signing_key import SigningKey
from tests.fakes.secrets import MemorySecrets
from tests.fakes.tickets import MemoryTicketLedger

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aws"
KEY = b"k" * 64
OTHER = {"api": "ws", "ws": "api"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _seg(obj: object) -> str:
    return _b64(json.dumps(obj).encode())


def _claims(scope: str, **changes: object) -> dict[str, object]:
    """Claims as `mint` writes them, with `changes` (None removes a claim)."""
    now = int(time.time())
    claims: dict[str, object] = {"iss": "concert-dashboard", "aud": f"concert-dashboard:{scope}",
              "sub": "mallory", "iat": now, "nbf": now, "exp": now + 60, "jti": uuid.uuid4().hex}  # fmt: skip
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _jwt(claims: object, header: object = None, key: bytes = KEY, digest: Any = hashlib.sha256) -> str:
    """A token signed by hand: any header, any claims, any HMAC."""
    signing_input = f"{_seg(header or {'alg': 'HS256', 'typ': 'JWT'})}.{_seg(claims)}"
    return f"{signing_input}.{_b64(hmac.new(key, signing_input.encode(), digest).digest())}"


def _good(scope: str, subject: str = "ana") -> str:
    return tokens.mint(KEY, subject=subject, scope=scope, ttl_s=60, now=time.time())


def _flip(text: str, i: int) -> str:
    return text[:i] + ("B" if text[i] != "B" else "C") + text[i + 1 :]


def _legacy(scope: str) -> str:  # the hand-rolled HMAC format these tokens replaced
    body = _seg({"sub": "ana", "scope": scope, "exp": int(time.time()) + 60})
    return f"{body}.{_b64(hmac.new(KEY, body.encode(), hashlib.sha256).digest())}"


Case = Callable[[str], object]  # builds a hostile token for the scope it is shown to
_NOW = int(time.time())
TOKEN_CASES: dict[str, Case] = {
    # -- non-ASCII anywhere
    "nonascii-sig-last-char": lambda s: _good(s)[:-1] + "é",
    "nonascii-sig-middle": lambda s: _good(s)[:-20] + "ü" + _good(s)[-19:],
    "nonascii-header": lambda s: "Ā" + _good(s)[1:],
    "nonascii-payload": lambda s: _good(s).replace(".", ".ß", 1),
    "nonascii-fullwidth-dots": lambda s: _good(s).replace(".", "\uff0e"),
    "nonascii-emoji-suffix": lambda s: _good(s) + "🎟",
    "nonascii-lone-surrogate": lambda s: _good(s)[:-1] + "\ud800",
    "nonascii-nul-byte": lambda s: _good(s)[:-1] + "\x00",
    "nonascii-rtl-override": lambda s: "\u202e" + _good(s),
    "nonascii-zero-width-space": lambda s: _good(s)[:10] + "\u200b" + _good(s)[10:],
    # -- algorithms other than HS256
    "alg-none-empty-sig": lambda s: _jwt(_claims(s), {"alg": "none"}).rsplit(".", 1)[0] + ".",
    "alg-None-empty-sig": lambda s: _jwt(_claims(s), {"alg": "None"}).rsplit(".", 1)[0] + ".",
    "alg-none-with-sig": lambda s: _jwt(_claims(s), {"alg": "none", "typ": "JWT"}),
    "alg-HS512": lambda s: _jwt(_claims(s), {"alg": "HS512"}, digest=hashlib.sha512),
    "alg-HS384": lambda s: _jwt(_claims(s), {"alg": "HS384"}, digest=hashlib.sha384),
    "alg-RS256-key-confusion": lambda s: _jwt(_claims(s), {"alg": "RS256", "typ": "JWT"}),
    "alg-missing": lambda s: _jwt(_claims(s), {"typ": "JWT"}),
    "alg-list": lambda s: _jwt(_claims(s), {"alg": ["HS256"]}),
    "alg-number": lambda s: _jwt(_claims(s), {"alg": 256}),
    # -- time
    "time-expired-an-hour-ago": lambda s: _jwt(_claims(s, iat=_NOW - 7200, nbf=_NOW - 7200, exp=_NOW - 3600)),
    "time-expired-past-leeway": lambda s: _jwt(
        _claims(s, iat=_NOW - 100, nbf=_NOW - 100, exp=int(time.time()) - tokens.LEEWAY_S - 2)
    ),
    "time-nbf-in-an-hour": lambda s: _jwt(_claims(s, nbf=_NOW + 3600, exp=_NOW + 3660)),
    "time-iat-in-an-hour": lambda s: _jwt(_claims(s, iat=_NOW + 3600, exp=_NOW + 3660)),
    "time-exp-missing": lambda s: _jwt(_claims(s, exp=None)),
    "time-nbf-missing": lambda s: _jwt(_claims(s, nbf=None)),
    "time-iat-missing": lambda s: _jwt(_claims(s, iat=None)),
    "time-exp-string": lambda s: _jwt(_claims(s, exp=str(_NOW + 60))),
    "time-exp-infinity": lambda s: _jwt(_claims(s, exp=float("inf"))),
    "time-exp-bool": lambda s: _jwt(_claims(s, exp=True)),
    "time-exp-float": lambda s: _jwt(_claims(s, exp=_NOW + 60.5)),
    "time-lifetime-beyond-max": lambda s: _jwt(_claims(s, exp=_NOW + tokens.MAX_TTL_S + 3600)),
    # -- audience, issuer, format
    "aud-other-scope": lambda s: _good(OTHER[s]),
    "aud-missing": lambda s: _jwt(_claims(s, aud=None)),
    "aud-list": lambda s: _jwt(_claims(s, aud=[f"concert-dashboard:{s}"])),
    "aud-other-service": lambda s: _jwt(_claims(s, aud="someone-else")),
    "aud-suffix": lambda s: _jwt(_claims(s, aud=f"concert-dashboard:{s}x")),
    "aud-bare-scope": lambda s: _jwt(_claims(s, aud=s)),
    "iss-wrong": lambda s: _jwt(_claims(s, iss="evil")),
    "iss-missing": lambda s: _jwt(_claims(s, iss=None)),
    "legacy-hmac-format": _legacy,
    # -- tampered
    "tamper-payload-swapped": lambda s: ".".join(
        [_good(s).split(".")[0], _seg(_claims(s, sub="admin")), _good(s).split(".")[2]]
    ),
    "tamper-sig-char-flipped": lambda s: _flip(_good(s), -5),
    "tamper-sig-case-swapped": lambda s: (
        _good(s).rsplit(".", 1)[0] + "." + _good(s).rsplit(".", 1)[1].swapcase()
    ),
    "tamper-other-key": lambda s: _jwt(_claims(s), key=b"x" * 64),
    "tamper-header-swapped": lambda s: _seg({"alg": "HS256", "typ": "JWS"}) + "." + _good(s).split(".", 1)[1],
    "tamper-sig-spliced": lambda s: _jwt(_claims(s)).rsplit(".", 1)[0] + "." + _good(s).rsplit(".", 1)[1],
    "tamper-sub-number": lambda s: _jwt(_claims(s, sub=123)),
    "tamper-jti-missing": lambda s: _jwt(_claims(s, jti=None)),
    "tamper-jti-number": lambda s: _jwt(_claims(s, jti=7)),
    "tamper-jti-empty": lambda s: _jwt(_claims(s, jti="")),
    "tamper-payload-not-object": lambda s: _jwt([1, 2]),
    "tamper-header-not-object": lambda s: _jwt(_claims(s), header=["HS256"]),
    # -- truncated
    "trunc-no-sig": lambda s: _good(s).rsplit(".", 1)[0] + ".",
    "trunc-two-segments": lambda s: _good(s).rsplit(".", 1)[0],
    "trunc-one-segment": lambda s: _good(s).split(".")[0],
    "trunc-sig-minus-one": lambda s: _good(s)[:-1],
    "trunc-half": lambda s: _good(s)[: len(_good(s)) // 2],
    "trunc-four-segments": lambda s: _good(s) + ".x",
    "trunc-sig-only": lambda s: ".." + _good(s).rsplit(".", 1)[1],
    "trunc-bad-base64-padding": lambda s: _good(s).replace(".", "===.", 1),
    # -- huge
    "huge-just-over-cap": lambda s: "a" * (tokens.MAX_TOKEN_CHARS + 1),
    "huge-one-megabyte": lambda s: _good(s) + "A" * 1_000_000,
    "huge-deep-json-header": lambda s: _b64(b"[" * 1000 + b"]" * 1000) + ".e30." + "A" * 43,
    "huge-many-dots": lambda s: "." * 4000,
    "huge-subject-signed": lambda s: _jwt(_claims(s, sub="x" * 100_000)),
    # -- empty
    "empty-string": lambda s: "",
    "empty-space": lambda s: " ",
    "empty-whitespace": lambda s: "\t\r\n",
    "empty-dot": lambda s: ".",
    "empty-two-dots": lambda s: "..",
    "empty-null-word": lambda s: "null",
    "empty-undefined-word": lambda s: "undefined",
    "empty-json-object": lambda s: "{}",
    # -- not a string
    "type-none": lambda s: None,
    "type-zero": lambda s: 0,
    "type-int": lambda s: 12345,
    "type-float": lambda s: 1.5,
    "type-bool": lambda s: True,
    "type-list-of-good": lambda s: [_good(s)],
    "type-dict": lambda s: {"token": _good(s)},
    "type-bytes-of-good": lambda s: _good(s).encode(),
    "type-tuple-of-good": lambda s: (_good(s),),
    "type-object": lambda s: object(),
}

WS_EVENT_CASES: dict[str, Callable[[dict[str, Any]], object]] = {
    "ws-event-none": lambda e: None,
    "ws-event-list": lambda e: [e],
    "ws-event-string": lambda e: json.dumps(e),
    "ws-event-int": lambda e: 42,
    "ws-event-empty": lambda e: {},
    "ws-event-no-query": lambda e: {k: v for k, v in e.items() if k != "queryStringParameters"},
    "ws-query-none": lambda e: e | {"queryStringParameters": None},
    "ws-query-list": lambda e: e | {"queryStringParameters": [["ticket", _good("ws")]]},
    "ws-query-string": lambda e: e | {"queryStringParameters": f"ticket={_good('ws')}"},
    "ws-ticket-none": lambda e: e | {"queryStringParameters": {"ticket": None}},
    "ws-ticket-in-list": lambda e: e | {"queryStringParameters": {"ticket": [_good("ws")]}},
    "ws-ticket-other-case": lambda e: e | {"queryStringParameters": {"Ticket": _good("ws")}},
    "ws-ticket-only-multivalue": lambda e: (
        {k: v for k, v in e.items() if k != "queryStringParameters"}
        | {"multiValueQueryStringParameters": {"ticket": [_good("ws")]}}
    ),
    "ws-ticket-in-header": lambda e: (
        e
        | {
            "queryStringParameters": {},
            "headers": {"ticket": _good("ws"), "Authorization": f"Bearer {_good('ws')}"},
        }
    ),
    "ws-method-arn-missing": lambda e: (
        {k: v for k, v in e.items() if k != "methodArn"} | {"queryStringParameters": {"ticket": _good("ws")}}
    ),
    "ws-method-arn-number": lambda e: (
        e | {"methodArn": 123, "queryStringParameters": {"ticket": _good("ws")}}
    ),
    "ws-method-arn-empty": lambda e: e | {"methodArn": "", "queryStringParameters": {"ticket": _good("ws")}},
    "ws-method-arn-list": lambda e: (
        e | {"methodArn": ["*"], "queryStringParameters": {"ticket": _good("ws")}}
    ),
}

HTTP_EVENT_CASES: dict[str, Callable[[dict[str, Any]], object]] = {
    "http-event-none": lambda e: None,
    "http-event-list": lambda e: [e],
    "http-event-string": lambda e: f"Bearer {_good('api')}",
    "http-event-int": lambda e: 42,
    "http-event-empty": lambda e: {},
    "http-headers-none": lambda e: e | {"headers": None},
    "http-headers-list": lambda e: e | {"headers": [["authorization", f"Bearer {_good('api')}"]]},
    "http-headers-string": lambda e: e | {"headers": f"authorization: Bearer {_good('api')}"},
    "http-header-name-not-string": lambda e: e | {"headers": {1: f"Bearer {_good('api')}"}},
    "http-header-value-list": lambda e: e | {"headers": {"authorization": [f"Bearer {_good('api')}"]}},
    "http-header-value-none": lambda e: e | {"headers": {"authorization": None}},
    "http-header-value-bytes": lambda e: (
        e | {"headers": {"authorization": f"Bearer {_good('api')}".encode()}}
    ),
    "http-header-twice": lambda e: (
        e
        | {"headers": {"authorization": f"Bearer {_good('api')}", "Authorization": f"Bearer {_good('api')}"}}
    ),
    "http-header-missing": lambda e: e | {"headers": {"host": "x"}},
    "http-scheme-basic": lambda e: e | {"headers": {"authorization": f"Basic {_good('api')}"}},
    "http-scheme-missing": lambda e: e | {"headers": {"authorization": _good("api")}},
    "http-scheme-only": lambda e: e | {"headers": {"authorization": "Bearer"}},
    "http-scheme-tab": lambda e: e | {"headers": {"authorization": f"Bearer\t{_good('api')}"}},
    "http-scheme-cyrillic-e": lambda e: e | {"headers": {"authorization": f"B\u0435arer {_good('api')}"}},
    "http-two-tokens-joined": lambda e: (
        e | {"headers": {"authorization": f"Bearer {_good('api')}, Bearer {_good('api')}"}}
    ),
    "http-token-only-in-query": lambda e: (
        e
        | {"headers": {}, "queryStringParameters": {"token": _good("api")}, "identitySource": [_good("api")]}
    ),
}


@dataclass
class Authorizers:
    """The authorizers over an in-memory key (`secrets`) and ticket ledger (`tickets`)."""

    secrets: MemorySecrets
    tickets: MemoryTicketLedger

    @staticmethod
    def ws_authorizer(event: object, context: object) -> dict[str, Any]:
        return auth_module.ws_authorizer(event, context)

    @staticmethod
    def http_authorizer(event: object, context: object) -> dict[str, Any]:
        return auth_module.http_authorizer(event, context)


@pytest.fixture
def auth(monkeypatch: pytest.MonkeyPatch) -> Authorizers:
    """The authorizers with an in-memory key and ticket ledger in place of their parts."""
    wired = Authorizers(MemorySecrets(KEY), MemoryTicketLedger())
    parts = wiring.AuthParts(
        SigningKey(wired.secrets, "arn:aws:secretsmanager:us-east-1:1:secret:k"), wired.tickets
    )
    monkeypatch.setattr(wiring, "auth_parts", lambda: parts)
    return wired


def _ws_event(ticket: object) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FIXTURES / "websocket_connect_authorizer.json").read_text())
    event["queryStringParameters"] = {"ticket": ticket}
    return event


def _http_event(authorization: object) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FIXTURES / "http_api_v2_authorizer.json").read_text())
    event["headers"]["authorization"] = authorization
    return event


def _effect(answer: dict[str, Any]) -> str:
    statement = answer["policyDocument"]["Statement"]
    assert len(statement) == 1 and isinstance(statement[0]["Resource"], str)
    return str(statement[0]["Effect"])


def _denied(answer: dict[str, Any]) -> bool:
    return _effect(answer) == "Deny" and answer["principalId"] == "anonymous"


@pytest.mark.parametrize("case", list(TOKEN_CASES), ids=list(TOKEN_CASES))
@pytest.mark.parametrize("scope", ["api", "ws"])
def test_verify_refuses_a_hostile_token_cleanly(case: str, scope: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(KEY, TOKEN_CASES[case](scope), scope=scope)


@pytest.mark.parametrize("case", list(TOKEN_CASES), ids=list(TOKEN_CASES))
def test_the_connect_authorizer_denies_a_hostile_ticket(auth: Any, case: str) -> None:
    assert _denied(auth.ws_authorizer(_ws_event(TOKEN_CASES[case]("ws")), None))
    assert auth.tickets.spent == {}  # a refused ticket is never recorded: no table flooding


@pytest.mark.parametrize("case", list(TOKEN_CASES), ids=list(TOKEN_CASES))
def test_the_api_authorizer_refuses_a_hostile_bearer(auth: Any, case: str) -> None:
    token = TOKEN_CASES[case]("api")
    header = f"Bearer {token}" if isinstance(token, str) else token
    assert auth.http_authorizer(_http_event(header), None) == {"isAuthorized": False}


@pytest.mark.parametrize("case", list(WS_EVENT_CASES), ids=list(WS_EVENT_CASES))
def test_the_connect_authorizer_denies_a_malformed_event(auth: Any, case: str) -> None:
    assert _denied(auth.ws_authorizer(WS_EVENT_CASES[case](_ws_event("x")), None))


@pytest.mark.parametrize("case", list(HTTP_EVENT_CASES), ids=list(HTTP_EVENT_CASES))
def test_the_api_authorizer_refuses_a_malformed_event(auth: Any, case: str) -> None:
    assert auth.http_authorizer(HTTP_EVENT_CASES[case](_http_event("x")), None) == {"isAuthorized": False}


# -- tickets are single-use ---------------------------------------------------------------------


def test_a_ticket_opens_one_connection(auth: Any) -> None:
    ticket = _good("ws")
    assert _effect(auth.ws_authorizer(_ws_event(ticket), None)) == "Allow"
    for _ in range(5):
        assert _denied(auth.ws_authorizer(_ws_event(ticket), None))
    assert _effect(auth.ws_authorizer(_ws_event(_good("ws")), None)) == "Allow"  # a new one opens


def test_a_ticket_replayed_after_it_expired_is_denied(auth: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    offset = [0.0]

    class MovedDatetime(datetime):  # PyJWT's clock, moved forward by the test
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.fromtimestamp(time.time() + offset[0], tz or UTC)

    monkeypatch.setattr(jwt.api_jwt, "datetime", MovedDatetime)
    ticket = _good("ws")
    assert _effect(auth.ws_authorizer(_ws_event(ticket), None)) == "Allow"
    (_ticket_id, remembered_until), *_ = auth.tickets.spent.items()
    assert remembered_until >= tokens.verify(KEY, ticket, scope="ws").expires_at + tokens.LEEWAY_S
    for offset[0] in (1.0, 30.0, 60.0 + tokens.LEEWAY_S - 2):
        assert _denied(auth.ws_authorizer(_ws_event(ticket), None))  # spent
    offset[0] = 3600.0
    auth.tickets.spent.clear()  # the table's TTL has deleted the spent ticket by now
    assert _denied(auth.ws_authorizer(_ws_event(ticket), None))  # expired
    assert auth.tickets.spent == {}


def test_an_unspent_ticket_is_denied_once_expired(auth: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = tokens.mint(KEY, subject="ana", scope="ws", ttl_s=60, now=time.time() - 60 - tokens.LEEWAY_S - 1)
    assert _denied(auth.ws_authorizer(_ws_event(ticket), None))


def test_the_ledger_unreachable_denies_and_keeps_the_ticket(auth: Any) -> None:
    ticket = _good("ws")
    auth.tickets.fail = True
    assert _denied(auth.ws_authorizer(_ws_event(ticket), None))
    auth.tickets.fail = False
    assert _effect(auth.ws_authorizer(_ws_event(ticket), None)) == "Allow"


def test_the_key_unreachable_denies_both_doors(auth: Any) -> None:
    auth.secrets.fail = True
    assert _denied(auth.ws_authorizer(_ws_event(_good("ws")), None))
    assert auth.http_authorizer(_http_event(f"Bearer {_good('api')}"), None) == {"isAuthorized": False}


# -- the good paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("subject", ["ana", "Zoë ✓", "cli", "a" * 200])
def test_good_tokens_still_open_their_doors(auth: Any, subject: str) -> None:
    answer = auth.ws_authorizer(_ws_event(_good("ws", subject)), None)
    assert _effect(answer) == "Allow" and answer["principalId"] == subject
    assert answer["policyDocument"]["Statement"][0]["Resource"] == _ws_event("")["methodArn"]
    session = _good("api", subject)
    for header in (f"Bearer {session}", f"bearer {session}", f"Bearer  {session} "):
        answer = auth.http_authorizer(_http_event(header), None)
        assert answer == {"isAuthorized": True, "context": {"subject": subject}}
    event = _http_event(f"Bearer {session}")
    event["headers"] = {"Authorization": event["headers"].pop("authorization"), **event["headers"]}
    assert auth.http_authorizer(copy.deepcopy(event), None)["isAuthorized"] is True


def test_a_token_minted_on_a_clock_a_little_ahead_still_opens(auth: Any) -> None:
    ahead = tokens.mint(KEY, subject="ana", scope="api", ttl_s=60, now=time.time() + tokens.LEEWAY_S - 2)
    assert auth.http_authorizer(_http_event(f"Bearer {ahead}"), None)["isAuthorized"] is True


def test_at_least_forty_hostile_inputs() -> None:
    assert len(TOKEN_CASES) + len(WS_EVENT_CASES) + len(HTTP_EVENT_CASES) >= 40
