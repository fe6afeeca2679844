"""A shard's resumable state, saved with each landed batch: its held events and last batch.

Kept as one S3 object per shard (a PutObject is atomic). With the checkpoint, it lets a
restarted worker resume exactly: records up to the checkpoint are done, and events held
for a missing catalog entry are given back to the core.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from consumers.core import Held
from consumers.records import StreamRecord
from schemas import parse_event

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class ShardStateStore:
    """Saves and loads `state/<application>/<shard>.json` in the lake bucket."""

    def __init__(self, s3: S3Client, bucket: str, application: str) -> None:
        self.s3, self.bucket, self.application = s3, bucket, application

    def _key(self, shard_id: str) -> str:
        return f"state/{self.application}/{shard_id}.json"

    def save(self, shard_id: str, held: list[Held], last_batch: str) -> None:
        """Replace the shard's state."""
        doc = {
            "last_batch": last_batch,
            "held": [
                {
                    "data": base64.b64encode(h.record.data).decode(),
                    "partition_key": h.record.partition_key,
                    "sequence_number": h.record.sequence_number,
                    "sub_sequence_number": h.record.sub_sequence_number,
                    "stream": h.record.stream,
                    "waiting_for": h.waiting_for,
                    "batches": h.batches,
                }
                for h in held
            ],
        }
        self.s3.put_object(Bucket=self.bucket, Key=self._key(shard_id), Body=json.dumps(doc).encode())

    def load(self, shard_id: str) -> tuple[list[Held], str | None]:
        """The shard's held events and last committed batch (none when it never committed)."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self._key(shard_id))["Body"].read()
        except ClientError:
            return [], None
        doc = json.loads(body)
        held = []
        for h in doc["held"]:
            rec = StreamRecord(
                base64.b64decode(h["data"]),
                h["partition_key"],
                h["sequence_number"],
                shard_id,
                h["stream"],
                h["sub_sequence_number"],
            )
            held.append(Held(rec, parse_event(rec.data), h["waiting_for"], h["batches"]))
        return held, doc.get("last_batch")
