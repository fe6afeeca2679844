"""Posts frames to WebSocket clients through API Gateway's `@connections` API.

Each post has its own short timeout and runs in a pool, so a slow client delays nobody
else; a connection API Gateway calls gone (410) is reported so the caller forgets it.
The local cloud serves the same API under its LocalStack-compatible path.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def management_endpoint(callback_url: str, local_endpoint: str | None) -> str:
    """The @connections endpoint: the stage's callback URL, or its path form in the local cloud."""
    if not local_endpoint:
        return callback_url
    parts = urllib.parse.urlsplit(callback_url)
    api_id = (parts.hostname or "").split(".", 1)[0]
    return f"{local_endpoint.rstrip('/')}/_aws/execute-api/{api_id}{parts.path}"


@dataclass
class Delivery:
    """What a broadcast did: frames delivered, connections gone, posts that failed otherwise."""

    sent: int = 0
    gone: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class Broadcaster(Protocol):
    """Sends a frame to many connections (ConnectionsApi on `@connections`)."""

    def broadcast(self, connection_ids: Iterable[str], frame: dict[str, Any]) -> Delivery:
        """Send the frame to every connection; report who is gone and what failed."""
        ...


class ConnectionsApi:
    """Posts to connections of one WebSocket stage."""

    def __init__(self, callback_url: str, *, workers: int = 32, timeout_s: float = 3.0) -> None:
        endpoint = management_endpoint(callback_url, os.environ.get("AWS_ENDPOINT_URL"))
        self._client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=endpoint,
            config=Config(
                connect_timeout=timeout_s,
                read_timeout=timeout_s,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=workers,
            ),
        )
        self._pool = ThreadPoolExecutor(max_workers=workers)

    def post(self, connection_id: str, frame: dict[str, Any]) -> None:
        """Send one frame to one connection (raises ClientError GoneException when it left)."""
        self._client.post_to_connection(ConnectionId=connection_id, Data=json.dumps(frame).encode())

    def broadcast(self, connection_ids: Iterable[str], frame: dict[str, Any]) -> Delivery:
        """Send the frame to every connection at once; report who is gone and what failed."""
        data = json.dumps(frame, separators=(",", ":")).encode()

        def one(cid: str) -> tuple[str, str | None]:
            try:
                self._client.post_to_connection(ConnectionId=cid, Data=data)
                return cid, None
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "")
                status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                return cid, "gone" if code == "GoneException" or status == 410 else f"{code}: {err}"
            except BotoCoreError as err:
                return cid, f"{type(err).__name__}: {err}"

        delivery = Delivery()
        for cid, problem in self._pool.map(one, list(connection_ids)):
            if problem is None:
                delivery.sent += 1
            elif problem == "gone":
                delivery.gone.append(cid)
            else:
                delivery.failed[cid] = problem
        return delivery
