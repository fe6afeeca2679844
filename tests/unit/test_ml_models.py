"""Venue popularity and recommendations: no leakage, determinism, better than the baselines;
the script-mode contract of all three models."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ml import recommender, venue_model
from ml.dataset import SalesRows, read_channel, write_channel
from ml.models import SPECS, NotEnoughData, spec
from ml.script_mode import run
from tests.unit.ml_workload import rows, tables

FAST = {"seed": 3, "max_iter": 60, "peer": False}


def _later_sales_rewritten(data: SalesRows, cutoff: object) -> SalesRows:
    return replace(
        data,
        sales=[
            {**s, "quantity": 6, "customer_id": 1, "sold_at": s["sold_at"] + timedelta(days=1)}
            if s["sold_at"] >= cutoff
            else s
            for s in data.sales
        ],
    )


def test_venue_features_use_nothing_after_the_cutoff() -> None:
    data = rows()
    history = venue_model.VenueHistory(data)
    cutoff = history.test_cutoff()
    assert cutoff is not None
    rewritten = venue_model.VenueHistory(_later_sales_rewritten(data, cutoff))
    ids, x = history.matrix(cutoff)
    _, x2 = rewritten.matrix(cutoff)
    assert (x == x2).all() and len(ids) == len(data.venues)
    assert [history.demand(v, cutoff) for v in ids] != [rewritten.demand(v, cutoff) for v in ids]
    assert all(c + venue_model.PERIOD <= cutoff for c in history.train_cutoffs(cutoff)), (
        "targets overlap the test"
    )


def test_recommender_profiles_use_nothing_after_the_cutoff() -> None:
    data = rows()
    split = recommender.holdout_window(data)
    assert split is not None
    cutoff, _ = split
    catalog = recommender.Catalog.of(data)
    later = _later_sales_rewritten(data, cutoff)
    assert recommender.profiles(data, catalog, cutoff) == recommender.profiles(later, catalog, cutoff)
    assert recommender.early_sales(data, cutoff) == recommender.early_sales(later, cutoff)


@pytest.mark.parametrize("name", ["venue_popularity", "recommendations", "ticket_sales"])
def test_each_model_beats_its_baselines_and_is_deterministic(name: str) -> None:
    model = SPECS[name]
    _, first = model.train(rows(), FAST)
    _, again = model.train(rows(), FAST)
    assert first["metrics"] == again["metrics"], "same data and seed, same metrics"
    assert model.beats(first["metrics"], first["baselines"]) == [], (first["metrics"], first["baselines"])


def test_recommendations_train_when_a_live_feed_follows_the_history_after_a_gap() -> None:
    """A feed timed now, months after the replayed history ended: the last 60 days hold only a
    few live sales and the 60 before none; the windows end before the quiet stretch instead."""
    data = rows()
    history = recommender.holdout_window(data)
    assert history is not None
    last = max(s["sold_at"] for s in data.sales)
    live = [{**s, "sold_at": last + timedelta(days=160, seconds=i)} for i, s in enumerate(data.sales[:30])]
    fed = replace(data, sales=[*data.sales, *live])
    assert recommender.holdout_window(fed) == history
    _, report = SPECS["recommendations"].train(fed, FAST)
    assert report["holdout"]["end"] == history[1].isoformat()
    assert report["metrics"]["customers"] > 0
    busy = [{**s, "sold_at": last + timedelta(days=1, seconds=i)} for i, s in enumerate(data.sales[:400])]
    assert recommender.holdout_window(replace(data, sales=[*data.sales, *busy])) != history, (
        "a busy newest stretch is the test window"
    )


def test_a_model_scores_another_on_the_same_holdout() -> None:
    model = SPECS["venue_popularity"]
    trained, report = model.train(rows(), FAST)
    assert model.score(trained, rows(), report["holdout"]) == report["metrics"]


def test_recommendations_skip_bought_concerts_and_fall_back_for_the_cold() -> None:
    data = rows()
    cutoff, end = recommender.holdout_window(data) or (None, None)
    assert cutoff is not None and end is not None
    model = recommender.fit(data, cutoff, seed=3)
    holdout = recommender.Holdout.of(data, cutoff, end, seed=3)
    pool = model.pool(holdout.candidates, holdout.catalog, holdout.early)
    warm = next(p for p in holdout.profiles.values() if p.bought & set(holdout.candidates))
    top, cold = model.recommend(warm, pool)
    assert not cold and len(top) == 10 and not {c for c, _ in top} & warm.bought
    top, cold = model.recommend(None, pool)
    assert cold and [c for c, _ in top] == [c for c, _ in recommender.popular(pool.ids, pool.sold)]


def test_script_mode_reads_the_channel_and_writes_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SageMaker contract: SM_CHANNEL_TRAIN in, SM_MODEL_DIR out, SM_HPS as JSON."""
    counts = write_channel(
        {k: v for k, v in tables().items() if k.startswith(("dim_", "fact_ticket"))}, tmp_path / "train"
    )
    assert counts["fact_ticket_sales"] == len(rows().sales)
    back = read_channel(tmp_path / "train")
    assert len(back.sales) == len(rows().sales) and back.concerts.keys() == rows().concerts.keys()
    monkeypatch.setenv("SM_CHANNEL_TRAIN", str(tmp_path / "train"))
    monkeypatch.setenv("SM_MODEL_DIR", str(tmp_path / "model"))
    monkeypatch.setenv("SM_HPS", json.dumps(FAST))
    report = run("venues")
    assert (tmp_path / "model" / "model.joblib").exists()
    assert json.loads((tmp_path / "model" / "metrics.json").read_text()) == report
    assert report["model"] == "venue_popularity" and report["data"]["sales"] == len(rows().sales)
    assert set(report["reference"]) == {"quantity", "unit_price"}


def test_too_little_data_and_unknown_models_are_clear_errors(tmp_path: Path) -> None:
    few = replace(rows(), sales=rows().sales[:20], concerts=dict(list(rows().concerts.items())[:10]))
    for name in SPECS:
        with pytest.raises(NotEnoughData):
            SPECS[name].train(few, FAST)
    with pytest.raises(ValueError, match="unknown model 'nope'; available: ticket_sales"):
        spec("nope")
    assert spec("sales").name == "ticket_sales" and spec("recommend").name == "recommendations"


def test_the_sales_holdout_is_exactly_every_concert_from_its_first_start() -> None:
    model = SPECS["ticket_sales"]
    trained, report = model.train(rows(), FAST)
    assert model.score(trained, rows(), report["holdout"]) == report["metrics"]


def test_top_k_breaks_ties_by_id_and_skips_excluded() -> None:
    ids = [5, 3, 9, 1, 7]
    assert recommender.top_k(ids, [1.0, 2.0, 2.0, 0.5, 2.0], 2, set()) == [(3, 2.0), (7, 2.0)]
    assert recommender.top_k(ids, [1.0, 2.0, 2.0, 0.5, 2.0], 3, {3, 7}) == [(9, 2.0), (5, 1.0), (1, 0.5)]
    assert recommender.top_k(ids, [1.0] * 5, 10, {1, 3, 5, 7, 9}) == []
