"""Malformed events, as a careless or hostile producer would send them, for fault drills.

`malformed(n, seed)` makes n records that every consumer must reject, cycling through the
kinds of bad input the platform promises to survive; `send_unvalidated` puts them on the
stream past the publisher's validation (as a foreign producer would). Each kind is checked
against `parse_event` in the unit tests, so a record here is never accidentally valid.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemas import MAX_EVENT_BYTES

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef


KINDS = (
    "not_json",
    "truncated_json",
    "wrong_schema_version",
    "unknown_event_type",
    "out_of_range",
    "missing_field",
    "wrong_type",
    "oversize",
    "binary",
)


@dataclass(frozen=True, slots=True)
class Malformed:
    """One bad record: what is wrong with it, its partition key and its bytes."""

    kind: str
    partition_key: str
    data: bytes


def _sale(rng: random.Random) -> dict[str, Any]:
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_type": "TicketSold",
        "schema_version": 1,
        "occurred_at": "2026-11-22T10:00:00+00:00",
        "source": "malformed-drill",
        "data": {
            "sale_id": rng.randint(1, 10**9),
            "concert_id": rng.randint(1, 10**6),
            "customer_id": rng.randint(1, 10**6),
            "tier": "ga",
            "quantity": 2,
            "unit_price": {"amount": "45.00", "currency": "USD"},
        },
    }


def _bad(kind: str, rng: random.Random) -> bytes:
    sale = _sale(rng)
    if kind == "not_json":
        return b"this is not an event"
    if kind == "truncated_json":
        return json.dumps(sale).encode()[: rng.randint(10, 60)]
    if kind == "wrong_schema_version":
        sale["schema_version"] = 7
    elif kind == "unknown_event_type":
        sale["event_type"] = "TicketTeleported"
    elif kind == "out_of_range":
        sale["data"]["quantity"] = 9_999
    elif kind == "missing_field":
        del sale["data"]["concert_id"]
    elif kind == "wrong_type":
        sale["data"]["quantity"] = "two"
    elif kind == "oversize":
        sale["source"] = "x" * (MAX_EVENT_BYTES + 1)
    elif kind == "binary":
        return bytes(rng.getrandbits(8) for _ in range(64))
    return json.dumps(sale).encode()


def malformed(n: int, seed: int = 0) -> list[Malformed]:
    """n bad records, cycling through every kind, reproducible by seed."""
    rng = random.Random(seed)
    return [
        Malformed(KINDS[i % len(KINDS)], f"malformed-{i}", _bad(KINDS[i % len(KINDS)], rng)) for i in range(n)
    ]


def send_unvalidated(
    kinesis: KinesisClient, stream: str, records: list[Malformed], *, max_attempts: int = 6
) -> int:
    """PutRecords without validation; failed entries are resent (bounded). Returns records accepted."""
    accepted = 0
    for start in range(0, len(records), 100):
        pending: list[PutRecordsRequestEntryTypeDef] = [
            {"Data": r.data, "PartitionKey": r.partition_key} for r in records[start : start + 100]
        ]
        for attempt in range(max_attempts):
            resp = kinesis.put_records(StreamName=stream, Records=pending)
            results = resp["Records"]
            accepted += sum(1 for r in results if "ErrorCode" not in r)
            pending = [e for e, r in zip(pending, results, strict=True) if "ErrorCode" in r]
            if not pending:
                break
            time.sleep(min(2.0, 0.05 * 2**attempt))
        else:
            raise RuntimeError(f"{len(pending)} malformed records not accepted after {max_attempts} attempts")
    return accepted
