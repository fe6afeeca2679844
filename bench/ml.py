"""Model training time by data size, and prediction latency through the API.

Training: for each size, a synthetic workload with about that many ticket sales is routed by
the consumer core (as the warehouse would hold it) and each model is trained in-process on it
(the code the Lambda task and the SageMaker job run). Reported: seconds per model and size,
and the ratio of the largest size to the smallest next to the ratio of their sales (linear
scaling would make the two equal).

Prediction latency: each endpoint of the deployed predictions API is called `requests` times
(after one warm-up call), and the same answers are computed in-process from the same
warehouse and models (the baseline: no API Gateway, no Lambda); p50/p95 of both, and the ratio.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable
from typing import Any

from consumers.core import ConsumerCore
from consumers.records import StreamRecord
from ml.dataset import SalesRows
from ml.models import SPECS
from producers.synthetic import Spec, generate
from schemas import to_json

Progress = Callable[[str], None] | None


def routed_tables(spec: Spec) -> dict[str, list[dict[str, Any]]]:
    """The warehouse tables of a synthetic workload, as the consumer core routes them."""
    events = generate(spec).events
    out = ConsumerCore().process(
        [StreamRecord(to_json(e), e.partition_key(), str(i), "s", "t") for i, e in enumerate(events)], "bench"
    )
    return {name: [dict(r) for r in rows] for name, rows in out.tables.items()}


def workload_rows(sales: int, seed: int = 11) -> SalesRows:
    """Warehouse rows of a synthetic workload with about `sales` ticket sales."""
    return SalesRows.of(routed_tables(Spec(seed=seed).scaled(sales / Spec().ticket_sales)))


def run_training_bench(sizes: list[int], *, seed: int = 7, progress: Progress = None) -> dict[str, Any]:
    """Seconds to train each model at each size (peer excluded: it is evaluation only)."""
    runs: list[dict[str, Any]] = []
    for size in sizes:
        if progress:
            progress(f"generating a workload of ~{size:,} sales")
        rows = workload_rows(size)
        for name, spec in SPECS.items():
            if progress:
                progress(f"training {name} on {len(rows.sales):,} sales")
            started = time.perf_counter()
            _, report = spec.train(rows, {"seed": seed, "peer": False})
            runs.append(
                {
                    "model": name,
                    "target_sales": size,
                    "sales": len(rows.sales),
                    "seconds": round(time.perf_counter() - started, 2),
                    "primary": round(spec.value(report["metrics"]), 4),
                }
            )
    out: dict[str, Any] = {"suite": "ml-training", "runs": runs}
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        pick = {(r["model"], r["target_sales"]): r for r in runs}
        out["scaling"] = {
            name: {
                "time_ratio": round(pick[name, hi]["seconds"] / max(pick[name, lo]["seconds"], 1e-9), 2),
                "sales_ratio": round(pick[name, hi]["sales"] / pick[name, lo]["sales"], 2),
            }
            for name in SPECS
        }
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    """Durations of `n` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def run_latency_bench(
    api: Callable[[str, dict[str, Any]], Any],
    local: dict[str, Callable[[], Any]],
    calls: dict[str, tuple[str, dict[str, Any]]],
    *,
    requests: int = 50,
    progress: Progress = None,
) -> dict[str, Any]:
    """p50/p95 per endpoint through the API and in-process, side by side."""
    sides = []
    for name, (path, params) in calls.items():
        if progress:
            progress(f"{requests} requests to {path}")
        through = percentiles(timed(functools.partial(api, path, params), requests))
        direct = percentiles(timed(local[name], requests))
        sides.append(
            {
                "endpoint": name,
                "api": through,
                "in_process": direct,
                "ratio_p50": round(through["p50_ms"] / max(direct["p50_ms"], 1e-3), 2),
            }
        )
    return {"suite": "ml-latency", "requests": requests, "endpoints": sides}
