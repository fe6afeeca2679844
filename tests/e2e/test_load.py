"""`concert bench load` on the embedded default: a short ladder prints its table as JSON and
writes the chart; the 10-minute soak (memory and lag must not grow) runs in `make test-long`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


def test_a_short_ladder_reports_each_step_and_writes_the_chart(cli: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "load.png"
    result = cli.json(
        "bench", "load", "--rates", "50,100", "--seconds", "10", "--drain", "240", "--chart", str(chart),
        timeout=1200,
    )  # fmt: skip
    assert [s["rate"] for s in result["steps"]] == [50, 100] and result["saturated_at"] is None
    for step in result["steps"]:
        assert step["drained"] and step["sustained"] and step["events"] == step["rate"] * 10
        assert step["drain_s"] is not None and step["lag_at_end"] <= step["events"]
        assert step["latency_p50_s"] <= step["latency_p95_s"] <= step["latency_p99_s"]
        assert {"local cloud", "warehouse endpoint", "kcl worker"} <= set(step["processes"])
        assert all(p["rss_mb_max"] > 0 for p in step["processes"].values())
    assert result["max_sustained_per_s"] == 100
    assert chart.read_bytes()[:4] == b"\x89PNG" and result["chart"] == str(chart)


@pytest.mark.slow
def test_a_ten_minute_soak_grows_neither_memory_nor_lag(cli: Cli, tmp_path: Path) -> None:
    result = cli.json(
        "bench", "load", "--rates", "100", "--seconds", "20", "--soak-minutes", "10",
        "--chart", str(tmp_path / "soak.png"), timeout=2400,
    )  # fmt: skip
    soak = result["soak"]
    assert soak["minutes"] == 10 and not soak["lag_grows"], (soak["lag_first"], soak["lag_last"])
    assert not soak["memory_grows"], soak["memory"]
