"""Consumer throughput per core, stage by stage, against parse-only (orjson) as the ceiling.

Every side reads the same records (a synthetic workload serialized as the stream carries it,
cut into batches of `batch` records as a shard delivers them) in one thread, so events/s is
per core. Sides, each adding one stage to the one before:

- `parse_only`: `orjson.loads` of each record (the ceiling: nothing can be faster).
- `core`: decode (KPL-aware), validate, deduplicate, enrich (ConsumerCore.process).
- `core+parquet`: plus the raw and curated Parquet files, in memory.
- `core+parquet+warehouse`: plus the warehouse load (COPY manifests, staging, COPY, MERGE) in the local
  Data API's engine over a fresh DuckDB file; the objects are read from the same memory.

Sides alternate run by run so drift in the machine's load hits them alike; medians reported.
`run_end_to_end` measures the running platform (stream → worker → lake and warehouse).
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from cloud.dataapi.engine import Engine
from consumers.core import ConsumerCore
from consumers.lake import LakeWriter
from consumers.records import StreamRecord
from consumers.tables import ddl_statements
from consumers.warehouse.load_sql import load_transactions
from producers.synthetic import events_for
from schemas import to_json

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


BUCKET = "bench-lake"


class MemoryS3:
    """The S3 calls the lake writer and the engine's COPY make, on a dict."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, Bucket: str, Key: str, Body: bytes, **_: Any) -> dict[str, Any]:
        self.objects[(Bucket, Key)] = Body
        return {}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def get_paginator(self, _name: str) -> Any:
        store = self

        class _Pages:
            def paginate(self, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
                keys = sorted(k for b, k in store.objects if b == Bucket and k.startswith(Prefix))
                return [{"Contents": [{"Key": k} for k in keys]}]

        return _Pages()


def _records(events: int, seed: int) -> list[StreamRecord]:
    out = []
    for i, e in enumerate(events_for(events, seed=seed)):
        out.append(
            StreamRecord(to_json(e), e.partition_key(), str(10**20 + i), "shardId-000000000000", "bench")
        )
    return out


def _parse_only(batches: list[list[StreamRecord]]) -> None:
    for batch in batches:
        for r in batch:
            orjson.loads(r.data)


def _core(batches: list[list[StreamRecord]], stages: int) -> None:
    core = ConsumerCore()
    s3 = MemoryS3()
    lake = LakeWriter(cast("S3Client", s3), BUCKET)  # the S3 calls the writer makes, on a dict
    engine: Engine | None = None
    with tempfile.TemporaryDirectory() as tmp:
        if stages >= 3:
            engine = Engine(str(Path(tmp) / "bench.duckdb"), lambda: s3)
            _wait(engine, engine.submit(list(ddl_statements()), **_submit_args()))
        try:
            for n, batch in enumerate(batches):
                out = core.process(batch, f"b{n}")
                if stages >= 2:
                    written = lake.write(out.batch_id, out.raw, out.tables)
                    if engine is not None and written.curated:
                        manifests = lake.write_copy_manifests(written.curated, f"manifests/{out.batch_id}")
                        for sqls in load_transactions(manifests, bucket=BUCKET, iam_role="bench"):
                            _wait(engine, engine.submit(sqls, **_submit_args()))
        finally:
            if engine is not None:
                engine.close()


def _submit_args() -> dict[str, Any]:
    return {"params": {}, "database": "dev", "workgroup": None, "name": "bench", "is_batch": True}


def _wait(engine: Engine, st: Any) -> None:
    while (status := engine.get(st.id).status) not in ("FINISHED", "FAILED", "ABORTED"):
        time.sleep(0.0005)
    if status != "FINISHED":
        raise RuntimeError(f"bench load {status}: {engine.get(st.id).error}")


SIDES: dict[str, Callable[[list[list[StreamRecord]]], None]] = {
    "parse_only": _parse_only,
    "core": lambda b: _core(b, 1),
    "core+parquet": lambda b: _core(b, 2),
    "core+parquet+warehouse": lambda b: _core(b, 3),
}


def run_consumer_bench(
    *,
    events: int = 20_000,
    batch: int = 500,
    repeats: int = 3,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every side `repeats` times; return events/s per side and its ratio to parse-only."""
    records = _records(events, seed)
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    times: dict[str, list[float]] = {name: [] for name in SIDES}
    for r in range(repeats):
        for name, side in SIDES.items():
            started = time.perf_counter()
            side(batches)
            times[name].append(time.perf_counter() - started)
            if progress:
                progress(f"run {r + 1}/{repeats} {name}: {events / times[name][-1]:,.0f} events/s")
    ceiling = events / statistics.median(times["parse_only"])
    sides = []
    for name, ts in times.items():
        seconds = statistics.median(ts)
        rate = events / seconds
        sides.append(
            {
                "name": name,
                "seconds": round(seconds, 3),
                "events_per_s": round(rate, 1),
                "ratio": round(rate / ceiling, 4),
            }
        )
    return {"suite": "consumer", "events": events, "batch": batch, "repeats": repeats, "sides": sides}


def run_end_to_end(
    publish: Callable[[list[Any]], None],
    placed: Callable[[], bool],
    latencies: Callable[[float], dict[str, Any]],
    *,
    events: int,
    seed: int,
    timeout_s: float = 900.0,
) -> dict[str, Any]:
    """Publish `events` fresh events to the running platform; time until all are queryable.

    `publish` sends them, `placed` says whether every produced event is in the warehouse (or
    the DLQ), `latencies(since)` gives p50/p95 produced→queryable of the events since then.
    A warm-up of 200 events goes first, so the worker holds its leases before the clock starts.
    """

    def settle(what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not placed():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not processed within {timeout_s:.0f}s")
            time.sleep(0.5)

    publish(list(events_for(200, seed=seed + 1)))
    settle("the warm-up")
    batch = list(events_for(events, seed=seed))
    since = time.time()
    started = time.perf_counter()
    publish(batch)
    produced_s = time.perf_counter() - started
    settle(f"{events} events")
    seconds = time.perf_counter() - started
    return {
        "name": "end_to_end",
        "events": events,
        "seconds": round(seconds, 2),
        "produce_s": round(produced_s, 2),
        "events_per_s": round(events / seconds, 1),
        **latencies(since),
    }
