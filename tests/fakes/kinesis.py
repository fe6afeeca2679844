"""An in-memory Kinesis with scripted per-entry failures, for publisher unit tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

MAX_HASH = 2**128 - 1


class FakeKinesis:
    """Implements list_shards and put_records on shards split evenly over the hash range.

    `fail(entry, call_no)` decides per entry and call whether to answer an ErrorCode instead
    of storing it (return the code, or None to accept). `raise_on_call` maps a call number
    to an exception raised for the whole request.
    """

    def __init__(
        self, shards: int = 2, fail: Callable[[Mapping[str, Any], int], str | None] | None = None
    ) -> None:
        step = (MAX_HASH + 1) // shards
        self.shards: list[dict[str, Any]] = [
            {
                "ShardId": f"shardId-{i:012d}",
                "HashKeyRange": {
                    "StartingHashKey": str(i * step),
                    "EndingHashKey": str(MAX_HASH if i == shards - 1 else (i + 1) * step - 1),
                },
                "SequenceNumberRange": {"StartingSequenceNumber": "0"},
            }
            for i in range(shards)
        ]
        self.stored: dict[str, list[dict[str, Any]]] = {s["ShardId"]: [] for s in self.shards}
        self.calls: list[Sequence[Mapping[str, Any]]] = []
        self.fail = fail or (lambda _e, _n: None)
        self.raise_on_call: dict[int, Exception] = {}
        self._seq = 0

    def list_shards(self, **_: Any) -> dict[str, Any]:
        return {"Shards": self.shards}

    def _shard_for(self, entry: Mapping[str, Any]) -> str:
        h = (
            int(entry["ExplicitHashKey"])
            if entry.get("ExplicitHashKey")
            else int.from_bytes(hashlib.md5(entry["PartitionKey"].encode()).digest(), "big")
        )
        for s in self.shards:
            r = s["HashKeyRange"]
            if int(r["StartingHashKey"]) <= h <= int(r["EndingHashKey"]):
                return str(s["ShardId"])
        raise AssertionError("hash outside every shard")

    def put_records(self, StreamName: str, Records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        call_no = len(self.calls) + 1
        self.calls.append(Records)
        if call_no in self.raise_on_call:
            raise self.raise_on_call[call_no]
        assert len(Records) <= 500, "more than 500 records in one request"
        assert sum(len(r["Data"]) + len(r["PartitionKey"]) for r in Records) <= 5 * 1024 * 1024
        out, failed = [], 0
        for entry in Records:
            code = self.fail(entry, call_no)
            if code:
                failed += 1
                out.append({"ErrorCode": code, "ErrorMessage": "injected"})
                continue
            shard = self._shard_for(entry)
            self._seq += 1
            self.stored[shard].append({**entry, "SequenceNumber": str(self._seq)})
            out.append({"ShardId": shard, "SequenceNumber": str(self._seq)})
        return {"FailedRecordCount": failed, "Records": out}

    def all_data(self) -> list[bytes]:
        return [r["Data"] for recs in self.stored.values() for r in recs]


def client_error(code: str) -> ClientError:
    """A botocore ClientError with the given code."""
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, "PutRecords")
