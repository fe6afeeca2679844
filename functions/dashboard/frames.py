"""What travels on the dashboard's WebSocket, both ways. Pure: no AWS.

Client → server: `{"action": "subscribe"}` (the live channel) and `{"action": "ping"}`;
anything else gets an error frame, and the connection stays open.

Server → client: a `snapshot` (the current state, sent on subscribe) and `delta` frames
(the aggregates that changed), both lists of items `{"k": "<pk>|<sk>", "c": {counter: n}}`.
Counters only grow (sales and refunds are counted apart), so a client merges an item by
taking the larger value of each counter: frames may arrive in any order, twice, or overlap
the snapshot, and the state still converges on the table's. `ALL|TOTAL` also carries
`newest_arrival_ms` (when the newest counted event arrived in the stream): the larger is the
newer, so it merges the same way and the page shows how far behind the live numbers are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ACTIONS = ("subscribe", "ping")
CHANNELS = ("live",)
MAX_MESSAGE_BYTES = 4096
# Attributes of an aggregate item that are not counters.
_NOT_COUNTERS = {
    "pk",
    "sk",
    "updated_at",
    "ranked",
    "expires_at",
    "venue_id",
    "capacity",
    "cancelled",
    "as_of",
}


class BadMessage(ValueError):
    """A client message the server cannot act on (the reason goes back in an error frame)."""


@dataclass(frozen=True, slots=True)
class ClientMessage:
    """A valid client message."""

    action: str
    channel: str = "live"


def parse_client_message(text: str | None) -> ClientMessage:
    """The client's message, or BadMessage with a one-line reason."""
    if not text:
        raise BadMessage("empty message")
    if len(text.encode()) > MAX_MESSAGE_BYTES:
        raise BadMessage(f"message over {MAX_MESSAGE_BYTES} bytes")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadMessage(f"not JSON: {exc.msg}") from exc
    if not isinstance(body, dict):
        raise BadMessage("expected a JSON object")
    action = body.get("action")
    if action not in ACTIONS:
        raise BadMessage(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    channel = body.get("channel", "live")
    if channel not in CHANNELS:
        raise BadMessage(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
    return ClientMessage(str(action), str(channel))


def error_frame(reason: str) -> dict[str, Any]:
    """What the client gets for a message the server refused."""
    return {"type": "error", "reason": reason}


def item_of(image: Mapping[str, Any]) -> dict[str, Any] | None:
    """A live item from a DynamoDB image (attribute-value JSON); None for markers and profiles."""
    pk = image.get("pk", {}).get("S", "")
    sk = image.get("sk", {}).get("S", "")
    if not (sk == "TOTAL" or sk.startswith("MINUTE#")):
        return None
    counters = {
        name: int(value["N"])
        for name, value in image.items()
        if name not in _NOT_COUNTERS and isinstance(value, Mapping) and "N" in value
    }
    return {"k": f"{pk}|{sk}", "c": counters}


def merge(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One item per key, each counter at its largest value (stream order does not matter)."""
    merged: dict[str, dict[str, int]] = {}
    for item in items:
        into = merged.setdefault(item["k"], {})
        for name, value in item["c"].items():
            into[name] = max(into.get(name, value), value)
    return [{"k": k, "c": c} for k, c in merged.items()]


def delta_frame(images: Iterable[Mapping[str, Any]], *, sent_ms: int) -> dict[str, Any] | None:
    """The delta for a batch of new images (None when none of them is a live item)."""
    items = merge(i for image in images if (i := item_of(image)) is not None)
    return {"type": "delta", "items": items, "sent_ms": sent_ms} if items else None


def snapshot_frame(images: Iterable[Mapping[str, Any]], *, sent_ms: int) -> dict[str, Any]:
    """The current state for a client that just subscribed."""
    items = merge(i for image in images if (i := item_of(image)) is not None)
    return {"type": "snapshot", "items": items, "sent_ms": sent_ms}
