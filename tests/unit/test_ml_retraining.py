"""The retraining workflow's steps against in-memory S3, registry and warehouse: a first
training promotes, a second on the same data promotes nothing, drift or new data re-trains."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import joblib
import pytest

from ml import retraining
from ml.artifact_bucket import ArtifactBucket, parse_uri
from ml.drift import Policy
from tests.fakes.clients import s3_client
from tests.fakes.registry import MemoryRegistry
from tests.fakes.s3 import MemoryS3
from tests.fakes.warehouse import MemoryWarehouse
from tests.unit.ml_workload import tables

MODEL = "venue_popularity"


def _parts(policy: Policy | None = None, s3: MemoryS3 | None = None) -> retraining.Parts:
    return retraining.Parts(
        warehouse=MemoryWarehouse(tables()),
        registry=MemoryRegistry(),
        bucket=ArtifactBucket(s3_client(s3 or MemoryS3()), "models"),
        code_version="abc123",
        policy=policy or Policy(min_sales=1000),
    )


def _run(
    parts: retraining.Parts, event: dict[str, Any], owner: str, now: datetime | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    plan = retraining.check(parts, event, owner, now)
    done = []
    for item in plan["train"]:
        item = retraining.extract(parts, item)
        item = retraining.train(parts, {**item, "hyperparameters": {"seed": 3, "max_iter": 40}})
        done.append(retraining.register(parts, retraining.evaluate(parts, item)))
    return plan, done


def test_first_training_promotes_and_a_second_on_the_same_data_promotes_nothing() -> None:
    s3 = MemoryS3()
    parts = _parts(s3=s3)
    plan, done = _run(parts, {"detail": {"models": [MODEL]}}, "exec-1")
    assert plan["train"][0]["reason"].startswith("no model yet") and plan["train"][0]["trainer"] == "lambda"
    assert [d["status"] for d in done] == ["promoted"]
    current = parts.registry.current(MODEL)
    assert current is not None and current["code_version"] == "abc123" and current["execution"] == "exec-1"
    assert current["data"]["sales"] == len(tables()["fact_ticket_sales"])
    bucket, key = parse_uri(current["artifact"])
    assert key.endswith("output/model.tar.gz") and (bucket, key) in s3.objects

    later = datetime.now(UTC) + timedelta(minutes=16)
    plan, _ = _run(parts, {"detail": {"models": [MODEL]}}, "exec-2", later)
    assert plan["train"] == [] and "no drift" in plan["skipped"][0]["reason"], "no new data: nothing to train"

    plan, done = _run(parts, {"detail": {"models": [MODEL], "force": True}}, "exec-3")
    assert done[0]["status"] == "rejected" and "not better than" in done[0]["reason"]
    assert parts.registry.current(MODEL)["version"] == current["version"]  # type: ignore[index]
    registry = parts.registry
    assert isinstance(registry, MemoryRegistry)
    assert len(registry.versions(MODEL)) == 2 and not registry.claims


def test_new_sales_or_drift_start_a_training() -> None:
    parts = _parts(Policy(min_sales=1000, growth=0.5, min_drift_sample=50))
    _run(parts, {"detail": {"models": [MODEL]}}, "exec-1")
    warehouse = parts.warehouse
    assert isinstance(warehouse, MemoryWarehouse)
    sales = warehouse.tables["fact_ticket_sales"]
    last = max(s["sold_at"] for s in sales)
    warehouse.tables["fact_ticket_sales"] = sales + [
        {**s, "sold_at": last + timedelta(minutes=i + 1), "revenue": s["revenue"] * 4}
        for i, s in enumerate(sales[:60])
    ]
    later = datetime.now(UTC) + timedelta(minutes=16)
    plan = retraining.check(parts, {"detail": {"models": [MODEL]}}, "exec-2", later)
    assert [i["model"] for i in plan["train"]] == [MODEL] and plan["train"][0]["reason"].startswith("drift")


def test_a_model_waits_its_interval_after_any_training_and_counts_growth_from_the_newest() -> None:
    parts = _parts(Policy(min_sales=1000, growth=0.5, min_interval_s=900))
    start = datetime(2026, 12, 1, 12, tzinfo=UTC)
    _run(parts, {"detail": {"models": [MODEL]}}, "exec-1", start)
    warehouse = parts.warehouse
    assert isinstance(warehouse, MemoryWarehouse)
    sales = warehouse.tables["fact_ticket_sales"]
    learnt = len(sales)
    warehouse.tables["fact_ticket_sales"] = sales + sales  # twice the data: growth says train
    warehouse.statements.clear()
    soon = retraining.check(parts, {"detail": {"models": [MODEL]}}, "exec-2", start + timedelta(minutes=5))
    assert soon["train"] == [] and soon["sales"] is None
    assert "5.0 min ago" in soon["skipped"][0]["reason"] and "in 10.0 min" in soon["skipped"][0]["reason"]
    assert warehouse.statements == [], "a model that waits costs the warehouse nothing"
    forced = retraining.check(
        parts, {"detail": {"models": [MODEL], "force": True}}, "exec-3", start + timedelta(minutes=5)
    )
    assert [i["reason"] for i in forced["train"]] == ["requested"], "an operator's request does not wait"
    parts.registry.release(MODEL, "exec-3")
    # A candidate on the doubled data was rejected (or failed after extracting it): the same data
    # does not start another training once the interval is over.
    registry = parts.registry
    assert isinstance(registry, MemoryRegistry)
    registry.register(
        {
            "model": MODEL,
            "version": retraining.new_version(start + timedelta(minutes=20)),
            "status": "rejected",
            "data": {"sales": 2 * learnt},
        }
    )
    again = retraining.check(parts, {"detail": {"models": [MODEL]}}, "exec-4", start + timedelta(minutes=30))
    assert again["train"] == [] and "10.0 min ago" in again["skipped"][0]["reason"]
    after = retraining.check(parts, {"detail": {"models": [MODEL]}}, "exec-5", start + timedelta(minutes=36))
    assert after["train"] == [] and after["sales"] == 2 * learnt
    assert after["skipped"][0]["reason"].startswith("0 new sales"), after
    without = retraining.check(
        retraining.Parts(warehouse, MemoryRegistry(), parts.bucket, policy=parts.policy),
        {"detail": {"models": [MODEL]}},
        "exec-6",
        start + timedelta(minutes=5),
    )
    assert [i["reason"] for i in without["train"]] == [f"no model yet and {2 * learnt} sales"]


def test_a_running_training_holds_its_claim_and_failures_release_it() -> None:
    parts = _parts()
    first = retraining.check(parts, {"detail": {"models": [MODEL], "force": True}}, "exec-1")
    second = retraining.check(parts, {"detail": {"models": [MODEL], "force": True}}, "exec-2")
    assert second["train"] == [] and "another training" in second["skipped"][0]["reason"]
    item = first["train"][0] | {"error": {"Error": "NotEnoughData", "Cause": '{"errorMessage": "too few"}'}}
    out = retraining.failed(parts, item)
    assert out["status"] == "failed" and out["reason"] == "NotEnoughData: too few"
    assert retraining.check(parts, {"detail": {"models": [MODEL], "force": True}}, "exec-3")["train"]


def test_the_archive_holds_what_sagemaker_would_write() -> None:
    parts = _parts()
    _run(parts, {"detail": {"models": [MODEL]}}, "exec-1")
    current = parts.registry.current(MODEL)
    assert current is not None
    with tempfile.TemporaryDirectory() as tmp:
        where = parts.bucket.download_model(current["artifact"], Path(tmp))
        assert sorted(p.name for p in where.iterdir()) == ["metrics.json", "model.joblib"]
        assert hasattr(joblib.load(where / "model.joblib"), "rank")


def test_serving_loads_a_model_once_per_version_and_sees_promotions(tmp_path: Path) -> None:
    from ml.serving import ServingError
    from ml.serving_queries import ModelCache

    parts = _parts()
    registry = parts.registry
    assert isinstance(registry, MemoryRegistry)
    cache = ModelCache(registry, parts.bucket, tmp_path, refresh_s=0)
    with pytest.raises(ServingError, match="not trained yet") as untrained:
        cache.get(MODEL)
    assert untrained.value.status == 503
    _run(parts, {"detail": {"models": [MODEL]}}, "exec-1")
    first = cache.get(MODEL)
    assert cache.get(MODEL).model is first.model, "loaded once per version"
    newer = {**registry.pointers[MODEL], "version": "99990101T000000000000Z"}
    registry.pointers[MODEL] = newer
    assert cache.get(MODEL).version == newer["version"] and cache.get(MODEL).model is not first.model


def test_the_extract_reads_the_sales_in_pages_each_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sales stream to the channel a page at a time (one Data API result holds 100 MB, the
    local endpoint a million rows): every sale written once, in as many queries as pages."""
    from ml import dataset

    monkeypatch.setattr(dataset, "SALES_PAGE_ROWS", 700)
    parts = _parts()
    warehouse = parts.warehouse
    assert isinstance(warehouse, MemoryWarehouse)
    sales = len(warehouse.tables["fact_ticket_sales"])
    item = retraining.extract(parts, {"model": MODEL, "prefix": parts.bucket.prefix(MODEL, "v1")})
    pages = [s for s in warehouse.statements if "ORDER BY event_id LIMIT 700" in s]
    assert item["rows"]["fact_ticket_sales"] == sales and len(pages) == sales // 700 + 1


def test_the_sales_pages_follow_the_key_as_the_warehouse_orders_it(tmp_path: Path) -> None:
    """On the local Redshift endpoint: ids whose text order is not their number order ("s10"
    before "s2"), a page boundary on the last row, every sale once."""
    from consumers.warehouse.client import DataApiWarehouse
    from ml.dataset import sales_in_pages
    from tests.unit.local_warehouse import LocalDataApi, run, star_schema

    engine = star_schema(tmp_path / "w.duckdb")
    try:
        values = ", ".join(
            f"('s{i}', {i}, 1, 1, 1, {i % 7}, '2026-03-01 10:00:00+00', 20260301, 'ga', 1, 50, 50, 'USD', 'web', "
            "'mid', 'x', 'IL', 1, 1, 'pop', 50, 1, 1, 0.1)"
            for i in range(1, 31)
        )
        assert run(engine, f"INSERT INTO fact_ticket_sales VALUES {values}")["Status"] == "FINISHED"
        warehouse = DataApiWarehouse(LocalDataApi(engine))

        def query(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
            # as botocore validates a request: the Data API takes no empty parameter value
            assert all(str(v) for v in (params or {}).values()), params
            return warehouse.query(sql, params)

        for size in (7, 10, 30, 100):
            rows = list(sales_in_pages(query, size))
            assert sorted(int(r["customer_id"]) for r in rows) == sorted(i % 7 for i in range(1, 31)), size
            assert len(rows) == 30 and all("event_id" not in r for r in rows)
    finally:
        engine.close()
