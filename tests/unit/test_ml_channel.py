"""The training channel read back as compact sales: the same rows and the same models as the
warehouse's dicts, in a fraction of their memory."""

from __future__ import annotations

import gzip
import json
import re
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ml.dataset import WAREHOUSE_QUERIES, SalesRows, read_channel, write_channel
from ml.models import SPECS
from ml.sale import SALE_FIELDS, Sale, sale_maker
from tests.unit.ml_workload import rows, tables

FAST = {"seed": 3, "max_iter": 60, "peer": False}


def _channel(tmp_path: Path) -> SalesRows:
    write_channel({k: v for k, v in tables().items() if k in WAREHOUSE_QUERIES}, tmp_path)
    return read_channel(tmp_path)


def test_a_sale_holds_what_the_extract_selects() -> None:
    selected = re.search(r"SELECT (.*) FROM", WAREHOUSE_QUERIES["fact_ticket_sales"])
    assert selected and tuple(c.strip() for c in selected.group(1).split(",")) == SALE_FIELDS


def test_the_channel_gives_back_every_sale_as_it_was(tmp_path: Path) -> None:
    back, source = _channel(tmp_path), rows()
    assert all(isinstance(s, Sale) for s in back.sales) and len(back.sales) == len(source.sales)
    for got, want in zip(back.sales, source.sales, strict=True):
        assert dict(got) == {k: float(want[k]) if k == "revenue" else want[k] for k in SALE_FIELDS}
    sale = back.sales[0]
    assert sale.get("revenue") == sale["revenue"] and sale.get("nope", 0) == 0
    with pytest.raises(KeyError):
        sale["get"]  # a method's name is not a field


def test_a_field_the_row_lacked_reads_as_missing() -> None:
    sale = sale_maker()([("concert_id", 7), ("quantity", 2), ("other", 1)])
    assert dict(sale) == {"concert_id": 7, "quantity": 2} and len(sale) == 2
    assert sale.get("revenue", 0.0) == 0.0 and "revenue" not in sale


def test_one_maker_keeps_equal_ids_once() -> None:
    make = sale_maker()
    a, b = (make([("customer_id", int("100001")), ("sold_at", "2026-01-02T03:04:05+00:00")]) for _ in "ab")
    assert a["customer_id"] is b["customer_id"]
    assert a["sold_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_models_learn_the_same_from_the_channel(tmp_path: Path, name: str) -> None:
    _, from_channel = SPECS[name].train(_channel(tmp_path), FAST)
    _, from_dicts = SPECS[name].train(rows(), FAST)
    assert from_channel["metrics"] == from_dicts["metrics"]
    assert from_channel["baselines"] == from_dicts["baselines"]


def test_a_sale_takes_a_fraction_of_a_dicts_memory(tmp_path: Path) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sales = [
        {
            "concert_id": 1 + i % 3_000,
            "artist_id": 1 + i % 700,
            "venue_id": 1 + i % 400,
            "customer_id": 10_000 + i % 20_000,
            "sold_at": start + timedelta(seconds=97 * i),
            "quantity": 1 + i % 6,
            "revenue": 12.5 * (1 + i % 40),
            "price_band": ("low", "mid", "high")[i % 3],
        }
        for i in range(20_000)
    ]
    write_channel({"fact_ticket_sales": sales}, tmp_path)
    as_sales = _held(lambda: read_channel(tmp_path).sales)
    as_dicts = _held(lambda: _decoded(tmp_path / "fact_ticket_sales.jsonl.gz"))
    assert as_sales / len(sales) < 300, "bytes a sale"
    assert as_dicts > 3 * as_sales, "the channel's rows as decoded, one dict each"


def _decoded(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt") as f:
        return [{**row, "sold_at": datetime.fromisoformat(row["sold_at"])} for row in map(json.loads, f)]


def _held(make: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        kept = make()
        size = tracemalloc.get_traced_memory()[0]
        del kept
        return size
    finally:
        tracemalloc.stop()
