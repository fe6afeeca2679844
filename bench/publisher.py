"""Publisher throughput against raw boto3 PutRecords of pre-serialized batches, side by side.

Both sides write the same synthetic events to a dedicated 2-shard stream of the local cloud,
recreated empty before every run and deleted at the end. Runs alternate (raw, publisher,
aggregated publisher, ...) so drift in the machine's load affects every side alike; the
median of `repeats` is reported.
The raw side does the least work possible: batches of 500 already serialized, one thread,
no validation, no retries. The publisher side starts from typed events: it serializes,
checks limits, batches, sends on its lanes and accounts for every entry.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from cloud.clients import client
from producers.publisher import KinesisPublisher
from producers.synthetic import events_for
from schemas import to_json

BENCH_STREAM = "concert-bench"


def _fresh_stream(kinesis: Any, name: str, shards: int = 2) -> None:
    try:
        kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
        kinesis.get_waiter("stream_not_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100}
        )
    except kinesis.exceptions.ResourceNotFoundException:
        pass
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def run_publisher_bench(
    *, events: int = 20_000, repeats: int = 3, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run every side `repeats` times; return events/s, MB/s per side and the publisher/raw ratio."""
    kinesis = client("kinesis")
    evs = list(events_for(events))
    payloads = [(e.partition_key(), to_json(e)) for e in evs]
    total_bytes = sum(len(d) + len(k) for k, d in payloads)
    raw_batches = [
        [{"Data": d, "PartitionKey": k} for k, d in payloads[i : i + 500]]
        for i in range(0, len(payloads), 500)
    ]

    def raw() -> int:
        failed = 0
        for batch in raw_batches:
            failed += kinesis.put_records(StreamName=BENCH_STREAM, Records=batch).get("FailedRecordCount", 0)
        return len(evs) - failed

    def publisher(aggregate: bool) -> Callable[[], int]:
        def run() -> int:
            return len(KinesisPublisher(BENCH_STREAM, kinesis, aggregate=aggregate).publish(evs).accepted)

        return run

    sides: dict[str, Callable[[], int]] = {
        "raw boto3 put_records": raw,
        "publisher": publisher(False),
        "publisher --aggregate": publisher(True),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for rep in range(repeats):
            for name, fn in sides.items():
                _fresh_stream(kinesis, BENCH_STREAM)  # every run starts from an empty stream
                t0 = time.perf_counter()
                accepted = fn()
                times[name].append(time.perf_counter() - t0)
                if accepted != len(evs):
                    raise RuntimeError(f"{name}: only {accepted} of {len(evs)} accepted")
                if progress:
                    progress(f"run {rep + 1}/{repeats} {name}: {len(evs) / times[name][-1]:,.0f} events/s")
    finally:
        kinesis.delete_stream(StreamName=BENCH_STREAM, EnforceConsumerDeletion=True)
    rows: list[dict[str, Any]] = []
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append(
            {
                "name": name,
                "seconds": round(med, 4),
                "events_per_s": round(len(evs) / med, 1),
                "mb_per_s": round(total_bytes / med / 1e6, 3),
                "runs": [round(t, 4) for t in ts],
            }
        )
    base, pub = float(rows[0]["events_per_s"]), float(rows[1]["events_per_s"])
    return {
        "bench": "publisher",
        "events": len(evs),
        "bytes": total_bytes,
        "repeats": repeats,
        "sides": rows,
        "ratio": round(pub / base, 3),
        "ratio_aggregated": round(rows[2]["events_per_s"] / base, 3),
    }
