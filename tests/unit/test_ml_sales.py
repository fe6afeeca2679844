"""Ticket-sales prediction: no leakage, a time split, determinism, and better than the baselines."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from consumers.core import ConsumerCore
from consumers.records import StreamRecord
from ml.dataset import SalesRows
from ml.features import time_split
from ml.sales_model import baselines, fit, matrix, metrics
from producers.synthetic import Spec, generate
from schemas import to_json

WORKLOAD = generate(Spec(seed=3).scaled(0.1))
_OUT = ConsumerCore().process(
    [StreamRecord(to_json(e), e.partition_key(), str(i), "s", "t") for i, e in enumerate(WORKLOAD.events)],
    "b",
)
ROWS = SalesRows.of(_OUT.tables)


def test_features_use_nothing_after_the_prediction_time() -> None:
    """Rewrite everything sold after a cut-off: no example predicted before it may change."""
    examples = {e.concert_id: e for e in ROWS.examples()}
    cutoff = sorted(e.predicted_at for e in examples.values())[len(examples) // 2]
    future = [
        {**s, "quantity": 10, "sold_at": s["sold_at"] + timedelta(days=365)} if s["sold_at"] >= cutoff else s
        for s in ROWS.sales
    ]
    rewritten = {e.concert_id: e for e in replace(ROWS, sales=future).examples()}
    before = [cid for cid, e in examples.items() if e.predicted_at <= cutoff]
    assert len(before) > 50
    assert [cid for cid in before if rewritten[cid].features != examples[cid].features] == []
    assert any(rewritten[cid].tickets != examples[cid].tickets for cid in before), "targets do see the future"


def test_the_split_is_by_time_and_training_is_deterministic() -> None:
    train, valid, test = time_split(ROWS.examples())
    assert max(e.starts_at for e in train) <= min(e.starts_at for e in test)
    a, b = fit(train + valid, seed=5, max_iter=60), fit(train + valid, seed=5, max_iter=60)
    assert np.array_equal(a.predict(test)[0], b.predict(test)[0])


def test_the_model_beats_every_baseline_on_held_out_future_concerts() -> None:
    train, valid, test = time_split(ROWS.examples())
    point, low, high = fit(train + valid, max_iter=150).predict(test)
    _, y = matrix(test)
    model = metrics(y, point, low, high)
    for name, base in baselines(train + valid, test).items():
        assert model["mae"] < base["mae"] and model["mape"] < base["mape"], (name, model, base)
    assert 0.4 <= model["coverage_80"] <= 1.0


def test_script_mode_entry_point_trains_saves_and_refuses_too_little_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SageMaker contract: SM_CHANNEL_TRAIN in, SM_MODEL_DIR out, SM_HPS as JSON."""
    from ml.train_sales import NotEnoughData, main, read_examples, write_examples

    examples = ROWS.examples()
    (tmp_path / "train").mkdir()
    write_examples(examples, tmp_path / "train" / "examples.jsonl")
    assert read_examples(tmp_path / "train" / "examples.jsonl") == examples
    monkeypatch.setenv("SM_CHANNEL_TRAIN", str(tmp_path / "train"))
    monkeypatch.setenv("SM_MODEL_DIR", str(tmp_path / "model"))
    monkeypatch.setenv("SM_HPS", json.dumps({"seed": 3, "max_iter": 40}))
    report = main()
    assert (tmp_path / "model" / "model.joblib").exists()
    assert json.loads((tmp_path / "model" / "metrics.json").read_text()) == report
    assert set(report["baselines"]) == {"global_mean", "venue_mean", "artist_mean"}
    write_examples(examples[:5], tmp_path / "train" / "examples.jsonl")
    with pytest.raises(NotEnoughData, match="5 concerts"):
        main()
