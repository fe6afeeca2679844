"""`concert bench load` on the embedded default, on a platform of its own beside the user's: a
short ladder prints its table as JSON and writes the chart, with the live path's figures beside
the warehouse's, and leaves the user's platform as it was; the 30-minute soak at
1,000 events/s (memory and lag must not grow) runs in `make test-long`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


def _holdings(cli: Cli) -> tuple[int, int]:
    """What the user's platform holds: events in its stream, and in its warehouse."""
    report = json.loads(cli.run("reconcile", "--json").stdout)
    return report["produced_events"], report["warehouse_events"]


def test_a_short_ladder_reports_each_step_and_writes_the_chart(cli: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "load.png"
    before = _holdings(cli)
    result = cli.json(
        "bench", "load", "--rates", "50,100", "--seconds", "10", "--drain", "240", "--chart", str(chart),
        "--warm-up", "200", timeout=1200,
    )  # fmt: skip
    # too few sales for a first training: the warm-up waits only until its events are queryable
    assert (
        result["warm_up"]["queryable"] and result["warm_up"]["settled"] and result["warm_up"]["events"] == 200
    )
    assert [s["rate"] for s in result["steps"]] == [50, 100] and result["saturated_at"] is None
    for step in result["steps"]:
        assert step["drained"] and step["sustained"] and step["events"] == step["rate"] * 10
        assert step["drain_s"] is not None and step["lag_at_end"] <= step["events"]
        assert step["latency_p50_s"] <= step["latency_p95_s"] <= step["latency_p99_s"]
        assert {"local cloud", "warehouse endpoint", "kcl worker"} <= set(step["processes"])
        assert all(p["rss_mb_max"] > 0 for p in step["processes"].values())
        # the live path beside the warehouse: every ticket event of the step counted, once
        assert step["live_drained"] and step["live_ticket_events"] > 0
        assert step["live_counted"] == step["live_ticket_events"], step
        assert step["live_p50_s"] <= step["live_p95_s"] <= step["live_p99_s"]
    assert result["max_sustained_per_s"] == 100
    assert chart.read_bytes()[:4] == b"\x89PNG" and result["chart"] == str(chart)
    # on a platform of its own, removed after: the user's platform got none of its events
    assert _holdings(cli) == before
    assert not (Path(cli.env["CONCERT_DATA_DIR"]) / "bench").exists()


@pytest.mark.slow
def test_a_thirty_minute_soak_at_1000_per_s_grows_neither_memory_nor_lag(cli: Cli, tmp_path: Path) -> None:
    # A steady live feed (events timed as sent): a replay of history opens a live minute bucket
    # for nearly every sale (its events span 540 days), which is the replay's size, not a leak.
    result = cli.json(
        "bench", "load", "--rates", "1000", "--seconds", "20", "--soak-minutes", "30", "--soak-rate", "1000",
        "--event-time", "now", "--chart", str(tmp_path / "soak.png"), timeout=4 * 3600,
    )  # fmt: skip
    soak = result["soak"]
    assert soak["minutes"] == 30 and soak["rate"] == 1000
    assert not soak["lag_grows"], (soak["lag_first"], soak["lag_last"])
    assert not soak["live"]["lag_grows"], soak["live"]
    assert not soak["memory_grows"], soak["memory"]
    for name, m in soak["memory"].items():  # the processes that hold data: at most 1 KB an event
        if m.get("holds_data"):
            assert m["mb_per_1k_events"] * 1024 / 1000 <= 1.0, (name, m)
