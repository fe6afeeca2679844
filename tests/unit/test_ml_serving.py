"""The predictions API's answers: versions in every answer, clear errors for bad input,
low-confidence flags; the Lambda handler on an HTTP API (payload 2.0) event."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ml import serving
from ml.artifact_bucket import ArtifactBucket
from ml.models import SPECS
from tests.fakes.clients import s3_client
from tests.fakes.lambda_context import LambdaContext
from tests.fakes.registry import MemoryRegistry
from tests.fakes.s3 import MemoryS3
from tests.fakes.warehouse import ScriptedWarehouse
from tests.unit.ml_workload import rows

FAST = {"seed": 3, "max_iter": 40, "peer": False}
EVENT = json.loads((Path(__file__).parent.parent / "fixtures" / "aws" / "http_api_v2_get.json").read_text())


def _loaded(name: str) -> serving.Loaded:
    model, report = SPECS[name].train(rows(), FAST)
    return serving.Loaded(model, "v1", report)


def test_sales_answers_carry_the_version_and_flag_what_is_uncertain() -> None:
    loaded, data = _loaded("ticket_sales"), rows()
    cid = next(c for c, row in data.concerts.items() if row.get("status") != "cancelled")
    answer = serving.predict_sales(loaded, data, cid, None)
    assert answer["version"] == "v1" and answer["concert_id"] == cid
    assert answer["tickets"]["low_80"] <= answer["tickets"]["predicted"] <= answer["tickets"]["high_80"]
    early = serving.predict_sales(loaded, data, cid, data.concerts[cid]["on_sale_at"])
    assert early["low_confidence"] and "early sales are still partial" in early["reasons"][0]
    odd = copy.deepcopy(data)
    odd.concerts[cid] = {**odd.concerts[cid], "capacity": 10**7}
    flagged = serving.predict_sales(loaded, odd, cid, None)
    assert flagged["low_confidence"] and "feature capacity outside the training range" in flagged["reasons"]
    with pytest.raises(serving.ServingError, match="unknown concert 999999999") as exc:
        serving.predict_sales(loaded, data, 999_999_999, None)
    assert exc.value.status == 404


def test_recommendations_for_known_and_unknown_customers() -> None:
    loaded, data = _loaded("recommendations"), rows()
    as_of = max(s["sold_at"] for s in data.sales) - timedelta(days=30)
    buyer = next(int(s["customer_id"]) for s in data.sales if s["sold_at"] < as_of)
    answer = serving.recommend(loaded, data, buyer, as_of, k=5)
    assert answer["version"] == "v1" and not answer["cold_start"] and len(answer["concerts"]) == 5
    assert all(c["starts_at"] > as_of.isoformat() for c in answer["concerts"])
    stranger = serving.recommend(loaded, data, 10**9, as_of, k=5)
    assert stranger["cold_start"] and stranger["low_confidence"] and "no purchases" in stranger["reasons"][0]


def test_venue_ranking_is_ordered_and_named() -> None:
    loaded, data = _loaded("venue_popularity"), rows()
    answer = serving.rank_venues(loaded, data, max(s["sold_at"] for s in data.sales), top=5)
    ranked = answer["venues"]
    assert [v["rank"] for v in ranked] == [1, 2, 3, 4, 5] and ranked[0]["score"] >= ranked[-1]["score"]
    assert all(v["name"] and v["state"] for v in ranked)


def test_the_venue_ranking_reads_sums_per_concert_and_sees_what_every_sale_shows(tmp_path: Path) -> None:
    import numpy as np

    from bench.warehouse import seed_statements
    from consumers.warehouse.client import DataApiWarehouse
    from ml.dataset import WAREHOUSE_QUERIES, SalesRows
    from ml.serving_queries import ServingRows
    from ml.venue_model import VENUE_FEATURES, VenueHistory
    from tests.unit.local_warehouse import LocalDataApi, run, star_schema

    engine = star_schema(tmp_path / "w.duckdb")
    try:
        for sql in seed_statements(20_000):  # a year of sales of 3,000 concerts at 200 venues
            assert run(engine, sql)["Status"] == "FINISHED", sql[:80]
        serving_rows = ServingRows(DataApiWarehouse(LocalDataApi(engine)))
        every = SalesRows.of({name: serving_rows.query(sql) for name, sql in WAREHOUSE_QUERIES.items()})
        clock = serving_rows.data_clock()
        assert clock is not None
        for as_of in (clock, clock - timedelta(days=100)):  # now, and a cut-off inside the history
            summed = serving_rows.for_venues(as_of, serving.venue_window(as_of))
            assert len(summed.sales) <= 2 * len(summed.concerts) < len(every.sales) / 3
            if as_of < clock:  # only the concerts starting near the cut-off
                assert len(summed.concerts) < len(every.concerts)
            ids, full = VenueHistory(every).matrix(as_of)
            same_ids, fast = VenueHistory(summed).matrix(as_of)
            assert same_ids == ids and np.allclose(fast, full)
            assert full[:, VENUE_FEATURES.index("tickets")].sum() > 0  # the window has sales
    finally:
        engine.close()


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The predictions API with an empty registry (no model promoted) and no warehouse behind."""
    from functions.predictions import handler, wiring
    from ml.serving_queries import ModelCache, ServingRows

    registry = MemoryRegistry()
    bucket = ArtifactBucket(s3_client(MemoryS3()), "models")
    empty = ServingRows(ScriptedWarehouse())
    parts = wiring.Parts(registry, ModelCache(registry, bucket, tmp_path), empty)
    monkeypatch.setattr(wiring, "parts", lambda: parts)
    return handler


def _get(module: Any, path: str, query: str = "") -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(EVENT)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    if query:
        event["queryStringParameters"] = dict(p.split("=") for p in query.split("&"))

    out = module.handler(event, LambdaContext("predictions", 128, "req"))
    return out["statusCode"], json.loads(out["body"])


def test_handler_refuses_bad_input_and_untrained_models(handler: Any) -> None:
    status, body = _get(handler, "/sales/abc")
    assert status == 400 and "concert_id must be an integer" in body["message"]
    status, body = _get(handler, "/recommendations/5", "k=500")
    assert status == 400 and "k must be between 1 and 50" in body["message"]
    status, body = _get(handler, "/sales/123")
    assert status == 503 and body == {
        "error": "model ticket_sales is not trained yet: run `concert train --model ticket_sales`",
        "reason": "untrained",  # the dashboard shows an empty state on it, not an error
    }
    status, body = _get(handler, "/venues/rank")
    assert status == 503 and body["reason"] == "untrained" and "venue_popularity" in body["error"]
    status, body = _get(handler, "/recommendations/5")
    assert status == 503 and body["reason"] == "untrained"
    status, body = _get(handler, "/models")
    assert status == 200 and body == {"models": {name: None for name in SPECS}}
