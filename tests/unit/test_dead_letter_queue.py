"""The DLQ adapter: every letter sent, batches within SQS limits, big raw bytes spilled to S3."""

from __future__ import annotations

import base64
import json
from typing import Any

from consumers.dead_letter import DeadLetter
from consumers.dead_letter_queue import MAX_BATCH_BYTES, MAX_INLINE_B64, DeadLetterQueue
from consumers.records import StreamRecord
from tests.fakes.clients import s3_client, sqs_client
from tests.fakes.s3 import MemoryS3

SQS_BATCH_LIMIT = 256 * 1024


class FakeSqs:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        bodies = [e["MessageBody"] for e in Entries]
        assert len(bodies) <= 10 and sum(len(b.encode()) for b in bodies) <= SQS_BATCH_LIMIT
        self.batches.append(bodies)
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def _letter(i: int, size: int) -> DeadLetter:
    record = StreamRecord(bytes([i % 256]) * size, "k", str(1000 + i), "shardId-000000000000", "s")
    return DeadLetter.of(record, "oversize")


def test_letters_of_every_size_are_sent_whole_within_sqs_limits() -> None:
    sqs, s3 = FakeSqs(), MemoryS3()
    sizes = [10, 90_000, 70_000, 1_000_000, 60_000, 5, 75_000, 74_000, 73_000] + [100] * 15
    letters = [_letter(i, n) for i, n in enumerate(sizes)]
    DeadLetterQueue(sqs_client(sqs), "url", s3_client(s3), "quarantine").send(letters)
    bodies = [json.loads(b) for batch in sqs.batches for b in batch]
    assert len(bodies) == len(letters) and MAX_BATCH_BYTES < SQS_BATCH_LIMIT
    for letter, body in zip(letters, bodies, strict=True):
        spilled = body.get("raw_s3_uri")
        raw = s3.objects[tuple(spilled[5:].split("/", 1))] if spilled else base64.b64decode(body["raw_b64"])
        assert raw == base64.b64decode(letter.raw_b64) and body["sequence_number"] == letter.sequence_number
    assert len(s3.objects) == sum(1 for n in sizes if 4 * -(-n // 3) > MAX_INLINE_B64) == 2
