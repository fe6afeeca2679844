"""The load suite's measurement loop and verdicts against a fake platform that drains at a
fixed capacity (so saturation is known in advance), and its chart."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench.load import (
    Probes,
    Sampler,
    live_delays,
    live_lag_trend,
    run_load_bench,
    soak_verdict,
    warm_up,
    write_chart,
)
from concert.cli_load import ProcessTree, memory_verdict, trainings_settled
from ml.models import SPECS
from tests.fakes.registry import MemoryRegistry
from tests.fakes.stepfunctions import MemoryStepFunctions


class FakePlatform:
    """Loads events at `capacity` per second; the producer manages at most `producer_max`/s."""

    def __init__(self, capacity: float, producer_max: float = 10_000) -> None:
        self.capacity, self.producer_max = capacity, producer_max
        self.produced = 0
        self._loaded = 0.0
        self._last = time.monotonic()
        self.lock = threading.Lock()
        self.marks: list[tuple[float, int]] = []  # (time, produced before it): events by arrival

    def _advance(self) -> None:
        now = time.monotonic()
        self._loaded = min(self.produced, self._loaded + (now - self._last) * self.capacity)
        self._last = now

    def publish(self, events: int, rate: float, seed: int, on_progress: Callable[[int], None]) -> float:
        with self.lock:
            self.marks.append((time.time(), self.produced))
        pace = min(rate, self.producer_max)
        for chunk in range(4):  # four chunks, as a paced producer sends them
            time.sleep(events / pace / 4)
            with self.lock:
                self._advance()
                self.produced += events // 4 + (events % 4 if chunk == 3 else 0)
            on_progress(events // 4 * (chunk + 1) + (events % 4 if chunk == 3 else 0))
        return events / pace

    def loaded(self, since: float) -> int:
        """Loaded events of this platform (every event here arrived after any `since` asked)."""
        with self.lock:
            self._advance()
            return int(self._loaded) - self.before(since)

    def before(self, since: float) -> int:
        return max((n for t, n in self.marks if t <= since), default=0)

    def probes(self) -> Probes:
        class Proc:
            def memory_info(self) -> Any:
                return SimpleNamespace(rss=100 * 2**20)

            def cpu_percent(self, interval: None = None) -> float:
                return 50.0

        return Probes(
            publish=self.publish,
            loaded=self.loaded,
            latency=lambda since: {"latency_p50_s": 1.0, "latency_p95_s": 2.0, "latency_p99_s": 3.0},
            processes=lambda: {"worker": Proc()},
        )


def test_the_ladder_stops_at_the_first_rate_the_platform_cannot_drain() -> None:
    platform = FakePlatform(capacity=400)
    result = run_load_bench(platform.probes(), [100, 200, 1600, 3200], seconds=1, drain_s=1.5)
    rates = [s["rate"] for s in result["steps"]]
    assert rates == [100, 200, 1600], "the ladder stops at the saturated step"
    assert result["saturated_at"] == 1600 and "did not drain" in result["saturation_reason"]
    first = result["steps"][0]
    assert first["drained"] and first["sustained"] and 0.5 < first["ratio"] <= 1.01
    assert first["processes"]["worker"]["rss_mb_max"] == 100.0
    assert first["processes"]["worker"]["cpu_s_per_1k_events"] > 0
    assert result["steps"][-1]["lag_max"] > result["steps"][0]["lag_max"]
    assert result["max_sustained_per_s"] == 200 and result["steps"][2]["drain_s"] is None


def test_the_warm_up_waits_until_its_events_are_queryable_and_the_trainings_they_started_end() -> None:
    platform = FakePlatform(capacity=2_000)
    probes = platform.probes()
    training = threading.Event()  # a retraining the warm-up started, done when set
    checks: list[int] = []

    def settled() -> bool:
        checks.append(platform.loaded(0))
        if len(checks) == 2:  # the training ends while the warm-up waits for it
            training.set()
        return training.is_set()

    probes.settled = settled
    result = warm_up(probes, 400, rate=4_000, seed=1, wait_s=30)
    assert result["queryable"] and result["settled"] and result["events"] == 400
    assert checks[0] == 400, "the trainings are waited for only once every event is queryable"
    assert len(checks) == 2 and result["settled_s"] >= 0.9  # one wait of a second between checks


def test_a_warm_up_that_never_settles_ends_at_its_bound_and_says_so() -> None:
    platform = FakePlatform(capacity=2_000)
    probes = platform.probes()
    probes.settled = lambda: False
    result = warm_up(probes, 100, rate=1_000, seed=1, wait_s=1.5)  # returns: its bound ended it
    assert result["queryable"] and not result["settled"] and result["settled_s"] >= 0.5
    nothing = warm_up(FakePlatform(capacity=2_000).probes(), 100, rate=1_000, seed=2, wait_s=5)
    assert nothing["settled"] and nothing["settled_s"] < 0.5, "no background work: nothing to wait for"


def test_trainings_are_settled_when_none_runs_and_every_model_trained_or_none_could() -> None:
    machine = "arn:aws:states:us-east-1:1:stateMachine:concert-retrain"
    sfn, registry, sales = MemoryStepFunctions({"concert-retrain": machine}), MemoryRegistry(), [9_000]
    settled = trainings_settled(sfn, machine, registry, lambda: sales[0], min_sales=5_000)
    assert not settled(), "enough sales for a first training, and no model trained yet"
    running = sfn.add(machine, "t1", "RUNNING")
    for name in SPECS:
        registry.register({"model": name, "version": "v1", "status": "failed"})
    assert not settled(), "a retraining still runs"
    sfn.executions[machine][0]["status"] = "SUCCEEDED"
    assert running and settled(), "none runs and every model has a version (any outcome)"
    empty = trainings_settled(sfn, machine, MemoryRegistry(), lambda: sales[0], min_sales=5_000)
    sales[0] = 4_999
    assert empty(), "fewer sales than a first training needs: none will start"
    assert trainings_settled(sfn, None, MemoryRegistry(), lambda: 0, min_sales=1)(), "no workflow deployed"


def test_a_lag_probe_the_platform_fails_to_answer_leaves_a_gap_not_a_dead_sampler() -> None:
    platform = FakePlatform(capacity=2_000)
    probes = platform.probes()
    answers = {"n": 0}

    def loaded(since: float) -> int:
        answers["n"] += 1
        if answers["n"] % 2 == 0:  # every other sample: refused, as a query under memory pressure is
            raise RuntimeError("FAILED: ERROR: out of memory")
        return platform.loaded(since)

    probes.loaded = loaded
    sampler = Sampler(probes, target=lambda: 0, every_s=0.05)
    with sampler:
        deadline = time.monotonic() + 10
        while len(sampler.samples) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
    with_lag = [s for s in sampler.samples if "lag" in s]
    assert len(sampler.samples) >= 6, "the sampler went on after a failed probe"
    assert 0 < len(with_lag) < len(sampler.samples) and sampler.failures[0].startswith("RuntimeError")
    assert all("worker" in s for s in sampler.samples), "each sample keeps its processes"
    verdict = soak_verdict([{**s, "t": 60 + i} for i, s in enumerate(sampler.samples)], rate=10)
    assert verdict["lag_first"] == 0 and None in [x["lag"] for x in verdict["series"]]


def test_a_lag_that_grows_past_its_bound_while_producing_is_not_sustained(monkeypatch: Any) -> None:
    import bench.load

    monkeypatch.setattr(bench.load, "LAG_BOUND_S", 0.5)  # 0.5 s of events at the end of a 1 s step
    platform = FakePlatform(capacity=400)
    result = run_load_bench(platform.probes(), [100, 1600], seconds=1, drain_s=10)
    slow = result["steps"][-1]
    assert slow["drained"] and not slow["sustained"] and not slow["lag_bounded"]
    assert result["saturated_at"] == 1600 and "when production ended" in result["saturation_reason"]


class FixedDelay(FakePlatform):
    """Any rate goes through, each event queryable `delay_s` after it was produced."""

    def __init__(self, delay_s: float) -> None:
        super().__init__(capacity=0)
        self.delay_s = delay_s
        self.times: list[float] = []

    def publish(self, events: int, rate: float, seed: int, on_progress: Callable[[int], None]) -> float:
        start = time.time()
        with self.lock:
            self.marks.append((start, self.produced))
            self.times += [start + i / rate for i in range(events)]
            self.produced += events
        time.sleep(events / rate)
        on_progress(events)
        return events / rate

    def loaded(self, since: float) -> int:
        with self.lock:
            now = time.time()
            return sum(1 for t in self.times if t + self.delay_s <= now) - self.before(since)


def test_a_fixed_latency_is_a_drain_time_not_a_lower_capacity() -> None:
    platform = FixedDelay(delay_s=1.0)
    result = run_load_bench(platform.probes(), [200, 800], seconds=1, drain_s=5)
    assert result["max_sustained_per_s"] == 800, "both rates go through: the latency does not cap them"
    for step in result["steps"]:
        assert step["sustained"] and 0.5 <= step["drain_s"] <= 2.5


def test_a_producer_below_its_target_is_saturation_too() -> None:
    platform = FakePlatform(capacity=10_000, producer_max=300)
    result = run_load_bench(platform.probes(), [200, 600], seconds=1, drain_s=2)
    assert result["saturated_at"] == 600 and "the producer reached" in result["saturation_reason"]


class LivePath(FakePlatform):
    """The warehouse keeps up; the live path counts every event (all are ticket events here)
    `delay_s` after it was produced, at most `live_capacity` a second."""

    def __init__(self, delay_s: float, live_capacity: float) -> None:
        super().__init__(capacity=100_000)
        self.delay_s, self.live_capacity = delay_s, live_capacity
        self.accepted: list[float] = []  # acceptance time of each event
        self._counted, self._at = 0.0, time.monotonic()

    def publish(self, events: int, rate: float, seed: int, on_progress: Callable[[int], None]) -> float:
        def progress(n: int) -> None:
            with self.lock:
                self.accepted += [time.monotonic()] * (n - (len(self.accepted) - self.start))
            on_progress(n)

        with self.lock:
            self.start = len(self.accepted)
        return super().publish(events, rate, seed, progress)

    def live(self) -> int:
        with self.lock:
            now = time.monotonic()
            due = sum(1 for t in self.accepted if t + self.delay_s <= now)
            self._counted = min(due, self._counted + (now - self._at) * self.live_capacity)
            self._at = now
            return int(self._counted)

    def probes(self) -> Probes:
        probes = super().probes()
        probes.live, probes.live_produced = self.live, lambda: len(self.accepted)
        return probes


def test_the_live_path_is_measured_beside_the_warehouse_and_can_be_what_saturates() -> None:
    fast = run_load_bench(LivePath(delay_s=0.5, live_capacity=100_000).probes(), [400], seconds=1, drain_s=5)
    step = fast["steps"][0]
    assert step["sustained"] and step["live_drained"] and step["live_ticket_events"] == 400
    assert 0.4 <= step["live_p50_s"] <= 1.0 and step["live_p95_s"] <= 1.2, step
    slow = run_load_bench(LivePath(delay_s=0.1, live_capacity=100).probes(), [800], seconds=1, drain_s=1)
    assert slow["saturated_at"] == 800 and "live" in slow["saturation_reason"]
    assert slow["steps"][0]["live_counted"] < 800


def test_live_delays_pair_the_kth_event_produced_with_the_kth_counted() -> None:
    samples = [(0.0, 0, 0), (1.0, 10, 0), (2.0, 20, 10), (3.0, 20, 15), (4.0, 20, 20)]
    delays = live_delays(samples)
    assert delays == [1.0] * 15 + [2.0] * 5  # 0-9: t1→t2; 10-14: t2→t3; 15-19: t2→t4


def _samples(rss: list[float], lag: list[int]) -> list[dict[str, Any]]:
    return [
        {"t": 60.0 + 5 * i, "lag": lag[i], "worker": {"rss_mb": rss[i], "cpu_pct": 10}}
        for i in range(len(rss))
    ]


def test_soak_verdict_sees_memory_growth_and_lag_growth_and_their_absence() -> None:
    flat = soak_verdict(_samples([100, 101, 99, 100, 102, 100], [50, 60, 40, 55, 45, 50]), rate=10)
    assert not flat["memory_grows"] and not flat["lag_grows"]
    leaking = soak_verdict(_samples([100, 110, 120, 130, 140, 150], [50] * 6), rate=10)
    assert leaking["memory_grows"] and leaking["memory"]["worker"]["growth"] > 0.10
    behind = soak_verdict(_samples([100] * 6, [100, 200, 800, 1600, 3000, 5000]), rate=10)
    assert behind["lag_grows"]


def test_a_process_that_holds_the_data_reports_memory_per_event_instead() -> None:
    samples = _samples([100] * 6, [50] * 6)
    for i, s in enumerate(samples):  # the warehouse caches what it loads: +10 MB a sample
        s["warehouse endpoint"] = {"rss_mb": 200 + 10 * i, "cpu_pct": 5}
    verdict = soak_verdict(samples, rate=100)
    held = verdict["memory"]["warehouse endpoint"]
    assert held["holds_data"] and held["growth"] > 0.10 and not verdict["memory_grows"]
    assert held["mb_per_1k_events"] == 20.0  # 40 MB over 20 s at 100 events/s


def test_the_emulator_holds_data_and_its_lambda_workers_are_judged_by_growth() -> None:
    samples = _samples([100] * 6, [50] * 6)
    for i, s in enumerate(samples):
        s["emulator"] = {"rss_mb": 300 + 10 * i, "cpu_pct": 50}
        s["lambda workers"] = {"rss_mb": 400 + 20 * i, "cpu_pct": 20}
    verdict = soak_verdict(samples, rate=100)
    assert verdict["memory"]["emulator"]["holds_data"]
    assert not verdict["memory"]["lambda workers"].get("holds_data") and verdict["memory_grows"]


def test_a_process_tree_is_measured_whole_alone_or_as_its_descendants() -> None:
    import os
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        whole, alone, children = (ProcessTree(os.getpid(), part) for part in ("all", "self", "children"))
        # (the test process may have other children of its own: only ours is asserted)
        assert child.pid in {p.pid for p in children._tree()} and os.getpid() not in {
            p.pid for p in children._tree()
        }
        assert [p.pid for p in alone._tree()] == [os.getpid()]
        assert {os.getpid(), child.pid} <= {p.pid for p in whole._tree()}
        assert 0 < children.memory_info().rss < whole.memory_info().rss
    finally:
        child.communicate(b"")
    with pytest.raises(ValueError, match="all, self or children"):
        ProcessTree(os.getpid(), "workers")


def test_chart_is_a_png(tmp_path: Path) -> None:
    platform = FakePlatform(capacity=1000)
    result = run_load_bench(platform.probes(), [100, 200], seconds=1, drain_s=2)
    result["soak"] = {"rate": 100, **soak_verdict(_samples([100] * 6, [10] * 6), rate=100)}
    path = write_chart(result, tmp_path / "load.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_the_soak_judges_the_live_lag_and_each_process_memory() -> None:
    steady = [(60.0 + 5 * i, 1000 * i, 1000 * i - 40) for i in range(12)]
    assert not live_lag_trend(steady, rate=100)["lag_grows"]
    falling_behind = [(60.0 + 5 * i, 1000 * i, 300 * i) for i in range(12)]
    trend = live_lag_trend(falling_behind, rate=100)
    assert trend["lag_grows"] and trend["lag_last"] > trend["lag_first"]
    held = {
        "rss_mb_first": 500,
        "rss_mb_last": 900,
        "growth": 0.8,
        "holds_data": True,
        "mb_per_1k_events": 0.4,
    }
    assert "0.41 KB per event (within the 1 KB bound)" in memory_verdict(held)
    assert "over the 1 KB bound" in memory_verdict({**held, "mb_per_1k_events": 2.5})
    assert memory_verdict({"rss_mb_first": 100, "rss_mb_last": 104, "growth": 0.04}).endswith("flat (+4.0%)")


def test_produced_to_screen_under_load_reads_each_tickets_delay_from_the_page() -> None:
    """A fake page that shows every ticket 0.3 s after it was handed to the stream."""
    from bench.dashboard import LoadProbes, run_screen_under_load

    handed: list[tuple[float, int]] = []
    lock = threading.Lock()

    def produce(rate: float, seconds: float, on_chunk: Callable[[float, int], None]) -> int:
        for i in range(1, 11):
            time.sleep(seconds / 10)
            with lock:
                handed.append((time.time(), 10 * i))
            on_chunk(time.time(), 10 * i)
        return 100

    def page_changes() -> list[tuple[float, int]]:  # what the page's observer recorded by now
        now = time.time()
        with lock:
            return [(t + 0.3, 1000 + n) for t, n in handed if t + 0.3 <= now]

    def page_value() -> int:
        changes = page_changes()
        return changes[-1][1] if changes else 1000

    def table_value() -> int:  # the table counts each ticket at once: the page's 0.3 s is its own leg
        with lock:
            return 500 + (handed[-1][1] if handed else 0)

    result = run_screen_under_load(
        LoadProbes(produce, page_value, page_changes, table_value), 50, 1.0, drain_s=5
    )
    assert result["complete"] and result["tickets"] == 100 and result["shown"] == 100
    latency = result["produced_to_screen"]
    assert latency["n"] == 100 and 250 <= latency["p50_ms"] <= 600 and latency["p95_ms"] <= 700, latency
    table = result["produced_to_table"]
    assert table["n"] == 100 and table["p95_ms"] < latency["p50_ms"], table  # sampled every 100 ms


def test_each_pages_first_visit_is_reported_apart_from_the_visits_after_it() -> None:
    from bench.dashboard import FIRST_VIEW, run_first_views

    visits: list[str] = []

    def visit(name: str) -> tuple[float, bool]:  # a page's first visit meets a cold function: 3 s
        visits.append(name)
        n = visits.count(name)
        failed = name == "predictions" and n == 3  # one visit shows an error instead
        return (3.0 if n == 1 else 0.1 * n), not failed

    pages = run_first_views(visit, repeats=4)
    assert list(pages) == list(FIRST_VIEW) and visits == [p for p in FIRST_VIEW for _ in range(5)]
    for name, r in pages.items():
        assert r["first_ms"] == 3000.0 and r["max_ms"] == 500.0 and r["p50_ms"] < 500
        assert (r["n"], r["failed"]) == ((3, 1) if name == "predictions" else (4, 0))


def test_the_fan_out_does_not_wait_for_clients_that_were_refused() -> None:
    """A client whose connection is refused ends at once: the run goes on with those that
    subscribed rather than waiting out its timeout for them."""
    import asyncio
    import socket

    from bench.dashboard import _fan_out

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    urls = [f"ws://127.0.0.1:{port}/" for _ in range(3)]
    result = asyncio.run(_fan_out(urls, lambda: 0.0, timeout_s=120, progress=None))
    assert result["connected"] == 0 and result["subscribed"] == 0
    assert result["subscribe_s"] < 120  # ended by the refusals, not by the timeout
