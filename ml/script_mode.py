"""SageMaker script mode, shared by the three entry points (ml/train_*.py).

Reads the warehouse rows from the `train` channel (`SM_CHANNEL_TRAIN`, see ml.dataset),
hyperparameters from `SM_HPS` (JSON), writes `model.joblib` and `metrics.json` to
`SM_MODEL_DIR`. The same function runs in-process (the local cloud, a Lambda task) and as a
SageMaker training job: the environment is the only interface.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import joblib

from ml.dataset import read_channel
from ml.drift import reference
from ml.models import spec


def run(model: str) -> dict[str, Any]:
    """Script mode: train `model` as the SM_* environment says; return the report."""
    return train(
        model,
        Path(os.environ["SM_CHANNEL_TRAIN"]),
        Path(os.environ["SM_MODEL_DIR"]),
        json.loads(os.environ.get("SM_HPS") or "{}"),
    )


def train(model: str, train_dir: Path, model_dir: Path, hps: dict[str, Any]) -> dict[str, Any]:
    """Train `model` on the channel in `train_dir`, write the artifact and its report to
    `model_dir`; return the report."""
    started = time.perf_counter()
    rows = read_channel(train_dir)
    trained, report = spec(model).train(rows, hps)
    report = {
        "model": spec(model).name,
        **report,
        "data": rows.data_range(),
        "reference": reference(rows.sales),
        "hyperparameters": hps,
        "train_seconds": round(time.perf_counter() - started, 3),
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(trained, model_dir / "model.joblib")
    (model_dir / "metrics.json").write_text(json.dumps(report, indent=1))
    return report
