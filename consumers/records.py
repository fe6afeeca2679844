"""Kinesis records as the consumers see them, and decoding of KPL-aggregated ones.

Pure: no AWS client. `decode` turns one Kinesis record into its user records: itself when
plain, its sub-records when KPL-aggregated (they share the sequence number and are told apart
by sub-sequence number). A corrupt aggregate (bad digest or protobuf) is returned as a single
plain record so that validation sends it to the DLQ with its raw bytes, never drops it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace

from aws_kinesis_agg.deaggregator import iter_deaggregate_records

KPL_MAGIC = b"\xf3\x89\x9a\xc2"


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """One user record with where it came from (enough to find it again in the stream)."""

    data: bytes
    partition_key: str
    sequence_number: str
    shard_id: str
    stream: str
    sub_sequence_number: int = 0
    arrival_ms: int | None = None

    @property
    def position(self) -> tuple[int, int]:
        """Order of the record within its shard."""
        return int(self.sequence_number), self.sub_sequence_number


def decode(record: StreamRecord) -> list[StreamRecord]:
    """The user records inside one Kinesis record (KPL aggregates expanded, in order)."""
    if not record.data.startswith(KPL_MAGIC):
        return [record]
    boto = {
        "Data": record.data,
        "PartitionKey": record.partition_key,
        "SequenceNumber": record.sequence_number,
        "ApproximateArrivalTimestamp": record.arrival_ms,
    }
    try:
        users = list(iter_deaggregate_records([boto], data_format="Boto3"))
    except Exception:
        return [record]
    if len(users) == 1 and users[0]["kinesis"].get("aggregated") is not True:
        return [record]  # magic bytes but not a valid aggregate: the library returned it unchanged
    out = []
    for i, user in enumerate(users):
        k = user["kinesis"]
        out.append(
            replace(
                record,
                data=base64.b64decode(k["data"]),
                partition_key=str(k["partitionKey"]),
                sub_sequence_number=int(k.get("subSequenceNumber", i)),
            )
        )
    return out
