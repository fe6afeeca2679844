"""The dead-letter queue (SQS): one message per rejected record, its raw bytes kept.

SQS messages (and batches of ten) are limited to 256 KiB; a record whose base64 form is over
100 KiB is stored in the quarantine bucket and the message points to it (`raw_s3_uri`), so
nothing is ever truncated. Batches are cut by count (10) and by total size.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from consumers.dead_letter import DeadLetter

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_INLINE_B64 = 100 * 1024
MAX_BATCH_BYTES = 250 * 1024  # SendMessageBatch: 256 KiB for the ten messages together


class DeadLetterQueue:
    """Sends dead letters to an SQS queue in batches of ten."""

    def __init__(self, sqs: SQSClient, queue_url: str, s3: S3Client, quarantine_bucket: str) -> None:
        self.sqs, self.queue_url, self.s3, self.bucket = sqs, queue_url, s3, quarantine_bucket

    def _body(self, dead: DeadLetter) -> str:
        body: dict[str, Any] = asdict(dead)
        if len(dead.raw_b64) > MAX_INLINE_B64:
            key = f"dlq/{dead.key}.bin"
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=dead.raw)
            body["raw_b64"] = ""
            body["raw_s3_uri"] = f"s3://{self.bucket}/{key}"
        return json.dumps(body)

    def send(self, letters: list[DeadLetter]) -> None:
        """Send every letter; raise if any could not be sent (the batch is then retried whole)."""
        batches: list[list[str]] = [[]]
        for body in (self._body(d) for d in letters):
            current = batches[-1]
            if len(current) == 10 or sum(map(len, current)) + len(body) > MAX_BATCH_BYTES:
                batches.append(current := [])
            current.append(body)
        for bodies in batches:
            if not bodies:
                continue
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(n), "MessageBody": b} for n, b in enumerate(bodies)
            ]
            resp = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if resp.get("Failed"):
                first = resp["Failed"][0]
                raise RuntimeError(
                    f"DLQ send failed for {len(resp['Failed'])} messages: {first.get('Message')}"
                )
