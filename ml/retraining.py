"""The steps of the retraining workflow, over the warehouse, the registry and the artifact
bucket (passed in, so the steps run the same in a Lambda, in-process and against fakes).

check → (per model) extract → train → evaluate → register; `failed` records a step's error.
Each step takes and returns a small JSON document (Step Functions' payload limit).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from consumers.warehouse.ports import Queries
from ml.artifact_bucket import ArtifactBucket
from ml.dataset import WAREHOUSE_QUERIES, read_channel, sales_in_pages, write_channel
from ml.drift import Policy, Recent, cooling_down, recent_query, should_train
from ml.models import SPECS, spec
from ml.promotion import decide
from ml.registry_table import Registry
from ml.script_mode import train as train_in_process

ENTRY_POINTS = {  # SageMaker script-mode programs (ml/train_*.py, at the root of the source archive)
    "ticket_sales": "train_sales.py",
    "venue_popularity": "train_venues.py",
    "recommendations": "train_recommendations.py",
}


@dataclass
class Parts:
    """What the steps talk to."""

    warehouse: Queries
    registry: Registry
    bucket: ArtifactBucket
    code_version: str = "unknown"
    trainer: str = "lambda"  # or "sagemaker": the workflow's training path
    job_prefix: str = ""  # the environment's SageMaker job names: `<prefix><model>-<version>`
    policy: Policy = field(default_factory=Policy)


VERSION_FORMAT = "%Y%m%dT%H%M%S%fZ"


def new_version(now: datetime | None = None) -> str:
    """A sortable, unique version id (UTC time to the microsecond)."""
    return (now or datetime.now(UTC)).strftime(VERSION_FORMAT)


def started_at(version: str) -> datetime | None:
    """When the training of `version` started (its id is that time), None for another id."""
    try:
        return datetime.strptime(version, VERSION_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def check(parts: Parts, event: dict[str, Any], owner: str, now: datetime | None = None) -> dict[str, Any]:
    """Which models to train now and why (`force` trains the `models` asked for).

    Without `force`, a model whose last training (any outcome) started less than the policy's
    interval ago waits, before any warehouse query; new sales are counted from the newest
    training that saw data (a rejected candidate included: the same data would be rejected
    again), drift against the promoted model's reference."""
    detail = event.get("detail", event)
    names = [spec(n).name for n in detail.get("models") or list(SPECS)]
    now = now or datetime.now(UTC)
    waits: dict[str, str] = {}
    newest: dict[str, dict[str, Any] | None] = {}
    if not detail.get("force"):
        for name in names:
            latest = newest[name] = parts.registry.latest(name)
            began = started_at(latest["version"]) if latest else None
            wait = cooling_down((now - began).total_seconds() if began else None, parts.policy)
            if wait:
                waits[name] = wait
    total: int | None = None  # not counted when every model waits
    if len(waits) < len(names):
        total = int(parts.warehouse.query("SELECT COUNT(*) AS n FROM fact_ticket_sales")[0]["n"] or 0)
    train: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for name in names:
        if name in waits:
            skipped.append({"model": name, "reason": waits[name]})
            continue
        current = parts.registry.current(name)
        if detail.get("force"):
            go, reason = True, "requested"
        else:
            recent = None
            if current and current["data"].get("last_sale"):
                ref = current["reference"] or {}
                sql, params = recent_query(ref, current["data"]["last_sale"][:26])
                recent = Recent.of_row(parts.warehouse.query(sql, params)[0], ref)
            state = None
            if current:
                latest = newest.get(name) or current
                learnt = max(current["data"]["sales"], int((latest.get("data") or {}).get("sales", 0)))
                state = {"trained_sales": learnt, "reference": current["reference"]}
            go, reason = should_train(state, total or 0, recent, parts.policy)
        if go and not parts.registry.claim(name, owner):
            go, reason = False, "another training of this model is running"
        item: dict[str, Any] = {"model": name, "reason": reason}
        if go:
            version = new_version(now)
            item |= {
                "version": version,
                "prefix": parts.bucket.prefix(name, version),
                "owner": owner,
                "hyperparameters": {"seed": int(detail.get("seed", 7))},
                "trainer": parts.trainer,
                "job_name": f"{parts.job_prefix}{name.replace('_', '-')}-{version}",
                "entry_point": ENTRY_POINTS[name],
            }
        (train if go else skipped).append(item)
    return {"train": train, "skipped": skipped, "sales": total}


def extract(parts: Parts, item: dict[str, Any]) -> dict[str, Any]:
    """Write the warehouse rows as the training channel under the version's prefix."""
    with tempfile.TemporaryDirectory() as tmp:
        tables = {
            name: sales_in_pages(parts.warehouse.query)
            if name == "fact_ticket_sales"
            else parts.warehouse.query(sql)
            for name, sql in WAREHOUSE_QUERIES.items()
        }  # the sales streamed to the channel by pages, never held whole
        counts = write_channel(tables, Path(tmp))
        channel = parts.bucket.upload_dir(Path(tmp), f"{item['prefix']}/input/train")
    return {**item, "channel": channel, "rows": counts}


def train(parts: Parts, item: dict[str, Any]) -> dict[str, Any]:
    """Run the script-mode trainer in-process; the archive lands where SageMaker puts its own."""
    with tempfile.TemporaryDirectory() as tmp:
        channel = parts.bucket.download_dir(item["channel"], Path(tmp) / "train")
        report = train_in_process(item["model"], channel, Path(tmp) / "model", item["hyperparameters"])
        artifact = parts.bucket.upload_model(Path(tmp) / "model", f"{item['prefix']}/output/model.tar.gz")
    return {**item, "artifact": artifact, "train_seconds": report["train_seconds"]}


def evaluate(parts: Parts, item: dict[str, Any]) -> dict[str, Any]:
    """Score the current model on the candidate's holdout and decide on promotion."""
    model = spec(item["model"])
    current = parts.registry.current(model.name)
    with tempfile.TemporaryDirectory() as tmp:
        report = _report(parts, artifact_of(item), Path(tmp) / "candidate")
        current_metrics, note = None, ""
        if current:
            rows = read_channel(parts.bucket.download_dir(item["channel"], Path(tmp) / "train"))
            old = joblib.load(
                parts.bucket.download_model(current["artifact"], Path(tmp) / "current") / "model.joblib"
            )
            try:
                current_metrics = model.score(old, rows, report["holdout"])
            except (ValueError, AttributeError, KeyError, IndexError) as exc:
                # A model of older code (other features) cannot be scored on this holdout.
                note = f" (current {current['version']} cannot be scored by this code: {exc})"
    decision = decide(
        model,
        report["metrics"],
        report["baselines"],
        current_metrics,
        current["version"] if current else None,
    )
    return {
        **item,
        "promote": decision.promote,
        "reason": decision.reason + note,
        "current_version": current["version"] if current else None,
        "current_metrics": current_metrics,
    }


def register(parts: Parts, item: dict[str, Any]) -> dict[str, Any]:
    """Record the version with its metrics and lineage; promote it if the gate said so."""
    with tempfile.TemporaryDirectory() as tmp:
        report = _report(parts, artifact_of(item), Path(tmp))
    record = {
        "model": item["model"],
        "version": item["version"],
        "status": "promoted" if item["promote"] else "rejected",
        "reason": item["reason"],
        "artifact": artifact_of(item),
        "channel": item["channel"],
        "metrics": report["metrics"],
        "baselines": report["baselines"],
        "peers": report.get("peers", {}),
        "holdout": report["holdout"],
        "examples": report.get("examples", {}),
        "data": report["data"],
        "reference": report["reference"],
        "hyperparameters": report["hyperparameters"],
        "train_seconds": report["train_seconds"],
        "compared_with": {"version": item.get("current_version"), "metrics": item.get("current_metrics")},
        "code_version": parts.code_version,
        "execution": item.get("owner", ""),
        "registered_at": datetime.now(UTC).isoformat(),
    }
    if item["promote"] and not parts.registry.promote(record, item.get("current_version")):
        record |= {"status": "rejected", "reason": "another version was promoted meanwhile"}
    parts.registry.register(record)
    parts.registry.release(item["model"], item["owner"])
    return {k: record[k] for k in ("model", "version", "status", "reason")}


def failed(parts: Parts, item: dict[str, Any]) -> dict[str, Any]:
    """Record why a model's training failed, and free its claim."""
    error = item.get("error") or {}
    cause = str(error.get("Cause", ""))
    with contextlib.suppress(ValueError, AttributeError):
        cause = json.loads(cause).get("errorMessage", cause)
    record = {
        "model": item["model"],
        "version": item["version"],
        "status": "failed",
        "reason": f"{error.get('Error', 'error')}: {cause}"[:1000],
        "code_version": parts.code_version,
        "registered_at": datetime.now(UTC).isoformat(),
    }
    parts.registry.register(record)
    parts.registry.release(item["model"], item["owner"])
    return {k: record[k] for k in ("model", "version", "status", "reason")}


def artifact_of(item: dict[str, Any]) -> str:
    """The model archive's URI, from the Lambda trainer or the SageMaker job."""
    return str(item.get("artifact") or item["trained"]["artifact"])


def _report(parts: Parts, artifact: str, directory: Path) -> dict[str, Any]:
    parts.bucket.download_model(artifact, directory)
    return json.loads((directory / "metrics.json").read_text())  # type: ignore[no-any-return]
