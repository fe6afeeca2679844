"""Calls the platform's HTTP APIs (predictions, chat) as any client would: the URL from the
stack outputs, each request signed with SigV4 (the APIs use IAM authorization). Locally the API's host name
(`<id>.execute-api.localhost`) is reached through the local cloud's address."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from concert.aws import session


class ApiError(RuntimeError):
    """A non-2xx answer: its status and the API's one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def call(
    api_url: str,
    path: str,
    params: dict[str, Any] | None = None,
    timeout_s: float = 60,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """GET `path` with query `params` (POST when there is a JSON `body`); the decoded JSON
    answer (ApiError when not 2xx)."""
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
        raise ApiError(exc.code, str(message)) from None
