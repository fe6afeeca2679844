"""Throttling of the platform's APIs: the limits, their context overrides, and the client's backoff."""

from __future__ import annotations

import email.message
import io
import json
import urllib.error
import urllib.request
from typing import Any

import aws_cdk as cdk
import pytest

from concert import api_client
from concert.api_client import ApiError
from infra.stacks.api_limits import DEFAULTS, Limit, limit, parse_limit


def test_a_limit_is_read_as_rate_slash_burst() -> None:
    assert parse_limit("500/1000", "chat_api") == Limit(500, 1000)
    assert parse_limit(" 2.5 / 10 ", "chat_api") == Limit(2.5, 10)


@pytest.mark.parametrize("text", ["500", "0/10", "10/0", "-1/5", "fast/1000", "10/2.5"])
def test_a_malformed_limit_is_refused_with_the_context_key_named(text: str) -> None:
    with pytest.raises(ValueError, match="chat_api_throttle"):
        parse_limit(text, "chat_api")


def test_the_context_overrides_one_limit_and_leaves_the_others() -> None:
    stack = cdk.Stack(cdk.App(context={"chat_api_throttle": "100/200"}), "S")
    assert limit(stack, "chat_api") == Limit(100, 200)
    assert limit(stack, "dashboard_api") == DEFAULTS["dashboard_api"] == Limit(500, 1000)
    with pytest.raises(KeyError, match="known"):
        limit(stack, "nonsense_api")


class _Answers:
    """urlopen's stand-in: answers the scripted statuses in order (200 answers a JSON body)."""

    def __init__(self, *statuses: int, retry_after: str | None = None) -> None:
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.calls = 0

    def __call__(self, req: Any, timeout: float) -> Any:
        self.calls += 1
        status = self.statuses.pop(0)
        if status == 200:
            return _Body(json.dumps({"ok": True}).encode())
        headers = email.message.Message()
        if self.retry_after:
            headers["Retry-After"] = self.retry_after
        body = io.BytesIO(json.dumps({"message": "Too Many Requests"}).encode())
        raise urllib.error.HTTPError(req.full_url, status, "x", headers, body)


class _Body(io.BytesIO):
    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_a_throttled_call_is_sent_again_after_a_growing_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = _Answers(429, 429, 429, 200)
    monkeypatch.setattr(urllib.request, "urlopen", answers)
    waits: list[float] = []
    assert api_client.call("https://api.example", "/x", sleep=waits.append) == {"ok": True}
    assert answers.calls == 4 and len(waits) == 3
    assert all(0 <= w <= 8 for w in waits)


def test_a_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urllib.request, "urlopen", _Answers(429, 200, retry_after="3"))
    waits: list[float] = []
    api_client.call("https://api.example", "/x", sleep=waits.append)
    assert waits == [3.0]


def test_the_last_429_is_raised_after_every_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = _Answers(*[429] * 5)
    monkeypatch.setattr(urllib.request, "urlopen", answers)
    with pytest.raises(ApiError) as err:
        api_client.call("https://api.example", "/x", sleep=lambda _s: None, attempts=3)
    assert err.value.status == 429 and answers.calls == 3


def test_other_errors_are_not_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = _Answers(500, 200)
    monkeypatch.setattr(urllib.request, "urlopen", answers)
    with pytest.raises(ApiError) as err:
        api_client.call("https://api.example", "/x", sleep=lambda _s: None)
    assert err.value.status == 500 and answers.calls == 1
