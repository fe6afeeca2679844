"""SageMaker script-mode entry point of the ticket-sales model; runs in-process locally too.

Reads `examples.jsonl` from the `train` channel (`SM_CHANNEL_TRAIN`), hyperparameters from
`SM_HPS` (JSON: seed, max_iter, learning_rate), writes `model.joblib` and `metrics.json` to
`SM_MODEL_DIR`. The split is by concert start time; metrics are on the last 20%, next to the
baselines on the same concerts.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib

from ml.features import Example, time_split
from ml.sales_model import baselines, fit, matrix, metrics

MIN_EXAMPLES = 30


class NotEnoughData(ValueError):
    """Too few completed concerts to train and evaluate."""


def write_examples(examples: list[Example], path: Path) -> None:
    """The channel file: one example per line."""
    with path.open("w") as f:
        for e in examples:
            row = {**asdict(e), "predicted_at": e.predicted_at.isoformat()}
            row["starts_at"] = e.starts_at.isoformat()
            f.write(json.dumps(row) + "\n")


def read_examples(path: Path) -> list[Example]:
    """Examples from a channel file."""
    out = []
    for line in path.read_text().splitlines():
        d = json.loads(line)
        d["predicted_at"] = datetime.fromisoformat(d["predicted_at"])
        d["starts_at"] = datetime.fromisoformat(d["starts_at"])
        out.append(Example(**d))
    return out


def main() -> dict[str, Any]:
    """Train, evaluate against the baselines, save; return the report."""
    train_dir, model_dir = Path(os.environ["SM_CHANNEL_TRAIN"]), Path(os.environ["SM_MODEL_DIR"])
    hps = json.loads(os.environ.get("SM_HPS") or "{}")
    examples = read_examples(train_dir / "examples.jsonl")
    if len(examples) < MIN_EXAMPLES:
        raise NotEnoughData(
            f"{len(examples)} concerts with known artist and venue; at least {MIN_EXAMPLES} needed"
        )
    train, valid, test = time_split(examples)
    model = fit(
        train + valid,
        seed=int(hps.get("seed", 7)),
        max_iter=int(hps.get("max_iter", 300)),
        learning_rate=float(hps.get("learning_rate", 0.05)),
    )
    point, low, high = model.predict(test)
    _, y = matrix(test)
    report = {
        "model": "ticket_sales",
        "examples": {"train": len(train) + len(valid), "test": len(test)},
        "test_from": min(e.starts_at for e in test).isoformat(),
        "metrics": metrics(y, point, low, high),
        "baselines": baselines(train + valid, test),
        "hyperparameters": hps,
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / "model.joblib")
    (model_dir / "metrics.json").write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
