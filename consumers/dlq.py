"""The dead-letter queue (SQS): one message per rejected record, its raw bytes kept.

SQS messages are limited to 256 KiB; a record whose base64 form does not fit is stored in the
quarantine bucket and the message points to it (`raw_s3_uri`), so nothing is ever truncated.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from consumers.deadletter import DeadLetter

MAX_INLINE_B64 = 200 * 1024


class DeadLetterQueue:
    """Sends dead letters to an SQS queue in batches of ten."""

    def __init__(self, sqs: Any, queue_url: str, s3: Any, quarantine_bucket: str) -> None:
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
        for i in range(0, len(letters), 10):
            chunk = letters[i : i + 10]
            entries = [{"Id": str(n), "MessageBody": self._body(d)} for n, d in enumerate(chunk)]
            resp = self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if resp.get("Failed"):
                first = resp["Failed"][0]
                raise RuntimeError(
                    f"DLQ send failed for {len(resp['Failed'])} messages: {first.get('Message')}"
                )
