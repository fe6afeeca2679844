"""Calls the platform's HTTP APIs (predictions, chat) as any client would: the URL from the
stack outputs, each request signed with SigV4 (the APIs use IAM authorization). Locally the API's host name
(`<id>.execute-api.localhost`) is reached through the local cloud's address."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from cloud.clients import session

THROTTLED = 429  # API Gateway's answer past a stage's or route's limit
ATTEMPTS = 5


class ApiError(RuntimeError):
    """A non-2xx answer: its status, the API's one-line message and any Retry-After (seconds)."""

    def __init__(self, status: int, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


def _throttled(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.status == THROTTLED


def _wait(state: RetryCallState) -> float:
    """Full-jitter exponential backoff (0.25 s doubling, at most 8 s), never under a Retry-After."""
    jitter = wait_random_exponential(multiplier=0.25, max=8)(state)
    exc = state.outcome.exception() if state.outcome else None
    after = exc.retry_after_s if isinstance(exc, ApiError) else None
    return max(jitter, min(after or 0.0, 30.0))


def call(
    api_url: str,
    path: str,
    params: dict[str, Any] | None = None,
    timeout_s: float = 60,
    body: dict[str, Any] | None = None,
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """GET `path` with query `params` (POST when there is a JSON `body`); the decoded JSON
    answer (ApiError when not 2xx). A throttled request (429) is sent again after a backoff,
    up to `attempts` times in all; the last 429 is raised."""
    retrying = Retrying(
        retry=retry_if_exception(_throttled), wait=_wait, stop=stop_after_attempt(attempts),
        sleep=sleep, reraise=True,
    )  # fmt: skip
    return retrying(_call_once, api_url, path, params, timeout_s, body)


def _call_once(
    api_url: str,
    path: str,
    params: dict[str, Any] | None,
    timeout_s: float,
    body: dict[str, Any] | None,
) -> dict[str, Any]:
    query = urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v is not None})
    url = f"{api_url.rstrip('/')}{path}" + (f"?{query}" if query else "")
    method = "GET" if body is None else "POST"
    data = None if body is None else json.dumps(body).encode()
    signed = AWSRequest(
        method=method, url=url, data=data, headers={"Content-Type": "application/json"} if data else None
    )
    creds = session().get_credentials()
    if creds is not None:
        SigV4Auth(creds.get_frozen_credentials(), "execute-api", session().region_name).add_auth(signed)
    headers = dict(signed.headers.items())
    target = urllib.parse.urlsplit(url)
    local = os.environ.get("AWS_ENDPOINT_URL")
    if local and ".execute-api.localhost" in (target.hostname or ""):
        base = urllib.parse.urlsplit(local)
        headers["Host"] = target.netloc
        url = urllib.parse.urlunsplit((base.scheme, base.netloc, target.path, target.query, ""))
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (http(s) only, from outputs)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310
            return json.loads(resp.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        raw: bytes = exc.read()
        try:
            message = json.loads(raw).get("error") or json.loads(raw).get("message") or raw.decode()
        except ValueError:
            message = raw.decode(errors="replace")[:300]
        raise ApiError(exc.code, str(message), _seconds(exc.headers.get("Retry-After"))) from None


def _seconds(value: str | None) -> float | None:
    """A Retry-After given in seconds (an HTTP date is ignored: the backoff applies)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
