"""Every model on several workloads side by side, with its baselines and peer (#22).

A claim about a model holds only if it holds on data it was not tuned on. Each workload below is
a synthetic history routed by the consumer core as the warehouse would hold it; each model is
trained in-process on it (the code the Lambda task and the SageMaker job run), timed, and
reported with the baselines on the same split and, for recommendations, the `implicit` ALS peer
(timed apart: it is evaluation only). Each workload's verdicts are the issue's targets: interval
coverage within 3 points of 80%, NDCG@10 at least the peer's and twice most-popular's, venue
popularity above its baselines, and training under 60 s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ml.dataset import SalesRows
from ml.models import SPECS, NotEnoughData
from producers.synthetic import Spec

Progress = Callable[[str], None] | None
Tables = dict[str, list[dict[str, Any]]]
COVERAGE_TOLERANCE = 0.03
TRAIN_SECONDS = 60.0
DEFAULT_SALES = Spec().ticket_sales


def _sized(seed: int, sales: int, **changes: Any) -> Spec:
    return replace(Spec(seed=seed), **changes).scaled(sales / DEFAULT_SALES)


def _routed(specs: Iterable[Spec]) -> Tables:
    from bench.ml import routed_tables

    out: Tables = {}
    for spec in specs:
        for name, rows in routed_tables(spec).items():
            out.setdefault(name, []).extend(rows)
    return out


def demand_shift(tables: Tables, *, factor: float = 0.5, seed: int = 3) -> Tables:
    """The sales of concerts starting after the history's midpoint thinned to `factor` (kept at
    random, deterministically): demand falls mid-history and stays down."""
    starts = [c["starts_at"] for c in tables["dim_concert"]]
    middle: datetime = min(starts) + (max(starts) - min(starts)) / 2
    later = {int(c["concert_id"]) for c in tables["dim_concert"] if c["starts_at"] >= middle}
    rng = random.Random(seed)
    kept = [
        s for s in tables["fact_ticket_sales"] if int(s["concert_id"]) not in later or rng.random() < factor
    ]
    return {**tables, "fact_ticket_sales": kept}


@dataclass(frozen=True)
class Workload:
    """A named history to evaluate on, and what sets it apart."""

    name: str
    what: str
    tables: Callable[[], Tables]


WORKLOADS = {
    w.name: w
    for w in (
        Workload("default", "the default workload (seed 42, ~52k sales)", lambda: _routed([Spec()])),
        Workload("small", "seed 11 at ~20k sales", lambda: _routed([_sized(11, 20_000)])),
        Workload(
            "mixed",
            "seeds 42, 11 and 99 in one warehouse (ids collide, the newest version wins: "
            "a platform a benchmark also wrote into)",
            lambda: _routed([Spec(), Spec(seed=11), Spec(seed=99)]),
        ),
        Workload(
            "shift",
            "seed 23, demand halved for concerts starting after the history's midpoint",
            lambda: demand_shift(_routed([Spec(seed=23)])),
        ),
        Workload(
            "cold",
            "seed 5 with 6,000 artists for 10,000 concerts (most artists play once or twice)",
            lambda: _routed([Spec(seed=5, artists=6_000)]),
        ),
        Workload("large", "seed 7 at ~500k sales", lambda: _routed([_sized(7, 500_000)])),
    )
}


def verdicts(name: str, report: dict[str, Any], seconds: float) -> dict[str, bool]:
    """The issue's targets for one model's report: True where met."""
    out = {"trains_under_60_s": seconds < TRAIN_SECONDS}
    metrics = report["metrics"]
    if name == "ticket_sales":
        for target in ("tickets", "revenue"):
            off = abs(metrics[target]["coverage_80"] - 0.8)
            out[f"{target}_coverage_within_3_points"] = off <= COVERAGE_TOLERANCE
    elif name == "recommendations":
        ndcg = metrics["ndcg_at_10"]
        out["at_least_twice_most_popular"] = ndcg >= 2 * report["baselines"]["most_popular"]["ndcg_at_10"]
        peer = report.get("peers", {}).get("implicit_als")
        if peer is not None:
            out["at_least_als"] = ndcg >= peer["ndcg_at_10"]
    elif name == "venue_popularity":
        out["beats_every_baseline"] = not SPECS[name].beats(metrics, report["baselines"])
    return out


def _peer(rows: SalesRows, report: dict[str, Any]) -> tuple[dict[str, Any] | None, float]:
    """The ALS peer tuned on the window before the holdout, scored on the holdout; seconds."""
    from ml import recommender
    from ml.als_peer import als_metrics, tune

    h = report["holdout"]
    cutoff, end, seed = datetime.fromisoformat(h["cutoff"]), datetime.fromisoformat(h["end"]), int(h["seed"])
    started = time.perf_counter()
    params, tried = tune(rows, cutoff, seed=seed)
    peer = als_metrics(
        rows, cutoff, recommender.Holdout.of(rows, cutoff, end, seed=seed), seed=seed, params=params
    )
    if peer is not None:
        peer = {**peer, "tuned": {"best": params, "settings_tried": len(tried)}}
    return peer, time.perf_counter() - started


def evaluate_workload(rows: SalesRows, *, seed: int = 7, progress: Progress = None) -> dict[str, Any]:
    """Each model trained (timed) and scored on `rows`, with baselines, peer and verdicts."""
    models: dict[str, Any] = {}
    for name, spec in SPECS.items():
        if progress:
            progress(f"  training {name}")
        started = time.perf_counter()
        try:
            _, report = spec.train(rows, {"seed": seed, "peer": False})
        except NotEnoughData as exc:
            models[name] = {"skipped": str(exc)}
            continue
        seconds = time.perf_counter() - started
        entry: dict[str, Any] = {
            "seconds": round(seconds, 2),
            "metrics": report["metrics"],
            "baselines": report["baselines"],
            "examples": report["examples"],
        }
        if name == "recommendations":
            peer, peer_s = _peer(rows, report)
            report["peers"] = {"implicit_als": peer} if peer else {}
            entry["peers"], entry["peer_seconds"] = report["peers"], round(peer_s, 2)
        entry["verdicts"] = verdicts(name, report, seconds)
        models[name] = entry
    return models


def run_suite(names: list[str], *, seed: int = 7, progress: Progress = None) -> dict[str, Any]:
    """Every model on each named workload; a summary of the targets met on every workload."""
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise ValueError(f"unknown workload {', '.join(unknown)}; available: {', '.join(WORKLOADS)}")
    results = []
    for name in names:
        w = WORKLOADS[name]
        if progress:
            progress(f"{name}: {w.what}")
        started = time.perf_counter()
        rows = SalesRows.of(w.tables())
        built = time.perf_counter() - started
        results.append(
            {
                "workload": name,
                "what": w.what,
                "sales": len(rows.sales),
                "concerts": len(rows.concerts),
                "build_seconds": round(built, 1),
                "models": evaluate_workload(rows, seed=seed, progress=progress),
            }
        )
    return {"suite": "ml-across-data", "seed": seed, "workloads": results, "summary": summary(results)}


def summary(results: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """Per model and target: the workloads where it is not met (empty: met everywhere)."""
    out: dict[str, dict[str, list[str]]] = {}
    for r in results:
        for model, entry in r["models"].items():
            for target, met in entry.get("verdicts", {}).items():
                misses = out.setdefault(model, {}).setdefault(target, [])
                if not met:
                    misses.append(r["workload"])
    return out
