"""Read a stream end to end to count its records and events (KPL aggregates counted by user record).

Kinesis has no record-count API; this walks every shard from TRIM_HORIZON until it reaches
the tip (MillisBehindLatest 0 with no records), bounded by `timeout_s`.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_kinesis_agg.deaggregator import iter_deaggregate_records

from consumers.records import KPL_MAGIC

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_kinesis.type_defs import ShardTypeDef


@dataclass
class StreamCount:
    """Records (as put) and events (after deaggregation), by shard; `complete` False if timed out."""

    stream: str
    records: int = 0
    events: int = 0
    by_shard: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    payloads: list[bytes] = field(default_factory=list)


def read_stream(
    kinesis: KinesisClient, stream: str, *, timeout_s: float = 60.0, keep_payloads: bool = False
) -> StreamCount:
    """Count (and optionally keep) every user record in `stream`."""
    out = StreamCount(stream)
    deadline = time.monotonic() + timeout_s
    shards: list[ShardTypeDef] = []
    kwargs: dict[str, Any] = {"StreamName": stream}
    while True:
        page = kinesis.list_shards(**kwargs)
        shards.extend(page["Shards"])
        if not page.get("NextToken"):
            break
        kwargs = {"NextToken": page["NextToken"]}
    for shard in shards:
        sid = shard["ShardId"]
        it = kinesis.get_shard_iterator(StreamName=stream, ShardId=sid, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
        n = 0
        while it:
            if time.monotonic() > deadline:
                out.complete = False
                break
            resp = kinesis.get_records(ShardIterator=it, Limit=10_000)
            recs = resp["Records"]
            out.records += len(recs)
            for r in recs:
                if r["Data"][:4] == KPL_MAGIC:
                    users = list(iter_deaggregate_records([r], data_format="Boto3"))
                    n += len(users)
                    if keep_payloads:
                        out.payloads.extend(_agg_data(u) for u in users)
                else:
                    n += 1
                    if keep_payloads:
                        out.payloads.append(r["Data"])
            it = resp.get("NextShardIterator")
            if not recs and resp.get("MillisBehindLatest", 0) == 0:
                break
        out.by_shard[sid] = n
        out.events += n
    return out


def _agg_data(user: dict[str, Any]) -> bytes:
    """The payload of a deaggregated user record (the library returns it base64-encoded)."""
    data = user["kinesis"]["data"]
    return base64.b64decode(data)
