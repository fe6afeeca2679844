"""The load suite: sustained production at increasing rates until the platform saturates, and
a soak at one rate showing whether memory or lag grow.

Each step produces `rate` events/s for `seconds` (paced, fresh events), then waits until every
event is queryable (or `drain_s` passes). Measured per step: the rate achieved by the
producer, produced-to-queryable latency p50/p95/p99, consumer lag (events produced but not yet
queryable, sampled each second) and the lag when production ended, the drain time (from the
end of production until every event is queryable), and per process (local cloud, warehouse
endpoint, KCL worker) the peak RSS, the mean CPU and the CPU seconds per 1,000 events.

A rate is *sustained* when the producer reached 90% of it, the lag stayed bounded while
producing (at the end, under `LAG_BOUND_S` seconds of events) and the platform drained within
`drain_s`; the ladder stops at the first rate that is not. Sustained rate and drain time are
separate figures: a fixed latency is a drain time, not a lower capacity. The baseline side by
side is the target rate itself: `ratio` is the producer's rate over the target.

Before the ladder, `warm_up` produces events until they are queryable and the first trainings
they start are done: the steps measure the stream's path on a platform in use, and a platform's
first training (which a running platform repeats at most every 15 minutes a model) is reported
by the warm-up, not folded into one step's CPU.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Progress = Callable[[str], None] | None
LAG_BOUND_S = 10.0  # lag at the end of production under this many seconds of events: bounded


@dataclass
class Probes:
    """How the suite reaches the platform (the CLI wires the real ones; tests pass fakes)."""

    # (events, rate, seed, on_progress(produced so far)) -> seconds spent producing
    publish: Callable[[int, float, int, Callable[[int], None]], float]
    loaded: Callable[[float], int]  # events that arrived since this time and are queryable
    latency: Callable[[float], dict[str, Any]]  # percentiles of events produced since this time
    processes: Callable[[], dict[str, Any]]  # name -> psutil.Process-like (memory_info, cpu_percent)
    # The live path, when measured: ticket events the live aggregates have counted (cumulative),
    # and ticket events handed to the stream so far (cumulative, updated as chunks are accepted).
    live: Callable[[], int] | None = None
    live_produced: Callable[[], int] | None = None
    # Whether the background work events start is done: every model trained once and no
    # retraining running (None: nothing to wait for).
    settled: Callable[[], bool] | None = None


@dataclass
class LiveSampler:
    """Samples, every `every_s`, the ticket events produced and counted by the live path."""

    produced: Callable[[], int]
    counted: Callable[[], int]
    every_s: float = 0.25
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, produced, counted)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> LiveSampler:
        self._base = (self.produced(), self.counted())
        self._started = time.monotonic()

        def loop() -> None:
            while not self._stop.wait(self.every_s):
                self.sample()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def sample(self) -> tuple[float, int, int]:
        """Take one sample now (the loop does it; the drain wait too)."""
        t = time.monotonic() - self._started
        at = (t, self.produced() - self._base[0], max(0, self.counted() - self._base[1]))
        self.samples.append(at)
        return at

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def live_delays(samples: list[tuple[float, int, int]]) -> list[float]:
    """Produced-to-counted delay of each ticket event, from the two cumulative curves: the k-th
    event counted is taken as the k-th produced (first in, first out: across shards this is the
    queueing delay, not each event's own). Events never counted are left out."""
    delays: list[float] = []
    produced_at: list[float] = []  # time the k-th event was produced
    last_p = last_c = 0
    for t, p, c in sorted(samples):
        produced_at.extend([t] * max(0, p - last_p))
        last_p = max(last_p, p)
        for k in range(last_c, min(c, len(produced_at))):
            delays.append(t - produced_at[k])
        last_c = max(last_c, min(c, len(produced_at)))
    return delays


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def live_figures(sampler: LiveSampler, produce_end_t: float, events_per_s: float) -> dict[str, Any]:
    """The live path's figures of a step: delay percentiles, lag at the end of production, drain."""
    samples = sampler.samples
    total = samples[-1][1] if samples else 0
    at_end = [s for s in samples if s[0] <= produce_end_t]
    lag_at_end = (at_end[-1][1] - at_end[-1][2]) if at_end else 0
    done = next((t for t, p, c in samples if p >= total and c >= total), None)
    delays = live_delays(samples)
    return {
        "live_ticket_events": total,
        "live_counted": samples[-1][2] if samples else 0,
        "live_lag_at_end": max(0, lag_at_end),
        "live_lag_bounded": lag_at_end <= events_per_s * LAG_BOUND_S,
        "live_drained": done is not None,
        "live_drain_s": round(max(0.0, done - produce_end_t), 1) if done is not None else None,
        "live_p50_s": _percentile(delays, 0.50),
        "live_p95_s": _percentile(delays, 0.95),
        "live_p99_s": _percentile(delays, 0.99),
    }


@dataclass
class Sampler:
    """Samples lag and per-process RSS/CPU once per `every_s` in the background."""

    probes: Probes
    target: Callable[[], int]
    since: float = 0.0
    every_s: float = 1.0
    samples: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # lag probes that failed, each said once
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        procs = self.probes.processes()
        for p in procs.values():
            p.cpu_percent(None)  # the first call only starts the measurement
        started = time.monotonic()

        def loop() -> None:
            while not self._stop.wait(self.every_s):
                sample: dict[str, Any] = {"t": round(time.monotonic() - started, 1)}
                try:  # a probe the platform fails to answer (a query refused under memory pressure)
                    sample["lag"] = max(0, self.target() - self.probes.loaded(self.since))
                except Exception as exc:
                    self.failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                for name, p in procs.items():
                    try:
                        sample[name] = {"rss_mb": p.memory_info().rss / 2**20, "cpu_pct": p.cpu_percent(None)}
                    except Exception:
                        sample[name] = None
                self.samples.append(sample)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def per_process(samples: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Peak RSS (MB) and mean CPU (%) of each process over the samples."""
    names = {k for s in samples for k, v in s.items() if isinstance(v, dict)}
    out = {}
    for name in sorted(names):
        seen = [s[name] for s in samples if s.get(name)]
        out[name] = {
            "rss_mb_max": round(max(x["rss_mb"] for x in seen), 1),
            "cpu_pct_mean": round(statistics.mean(x["cpu_pct"] for x in seen), 1),
        }
    return out


def run_step(probes: Probes, rate: float, seconds: float, *, drain_s: float, seed: int) -> dict[str, Any]:
    """One rung of the ladder."""
    events = int(rate * seconds)
    produced = {"n": 0}
    since = time.time()  # only events that arrive from now on count: earlier ones may still drain
    started = time.monotonic()
    live = (
        LiveSampler(probes.live_produced, probes.live)
        if probes.live is not None and probes.live_produced is not None
        else None
    )
    with Sampler(probes, target=lambda: produced["n"], since=since) as sampler, live or nullcontext():

        def advance(n: int) -> None:
            produced["n"] = n

        produce_s = probes.publish(events, rate, seed, advance)
        produced["n"] = events
        lag_at_end = max(0, events - probes.loaded(since))
        ended = time.monotonic()
        live_end_t = live.sample()[0] if live else 0.0
        deadline = ended + drain_s
        while time.monotonic() < deadline and (
            probes.loaded(since) < events or (live is not None and not _live_done(live))
        ):
            time.sleep(0.25)
        drain_done = time.monotonic()
    drained = probes.loaded(since) >= events
    achieved = events / produce_s if produce_s > 0 else float("inf")
    processes = per_process(sampler.samples)
    for p in processes.values():  # CPU seconds spent per 1,000 events over the step
        p["cpu_s_per_1k_events"] = round(
            p["cpu_pct_mean"] / 100 * (drain_done - started) / (events / 1000), 3
        )
    step = {
        "rate": rate,
        "events": events,
        "produce_s": round(produce_s, 2),
        "produced_per_s": round(achieved, 1),
        "ratio": round(achieved / rate, 3),
        "lag_at_end": lag_at_end,
        "lag_bounded": lag_at_end <= rate * LAG_BOUND_S,
        "drained": drained,
        "drain_s": round(drain_done - ended, 1) if drained else None,
        "lag_max": max((s["lag"] for s in sampler.samples if "lag" in s), default=0),
        **probes.latency(since),
        "processes": processes,
        "lag_series": [(s["t"], s["lag"]) for s in sampler.samples if "lag" in s],
        "probe_failures": sampler.failures,
    }
    if live is not None:
        step.update(live_figures(live, live_end_t, rate))
    step["saturated"] = _saturated(step)
    step["sustained"] = step["saturated"] is None
    return step


def _saturated(step: dict[str, Any]) -> str | None:
    if step["produced_per_s"] < 0.9 * step["rate"]:
        return f"the producer reached {step['produced_per_s']:.0f} of {step['rate']:.0f} events/s"
    if not step["lag_bounded"]:
        return (
            f"the lag was {step['lag_at_end']:,} events when production ended "
            f"(over {LAG_BOUND_S:.0f} s of events)"
        )
    if not step["drained"]:
        return "the platform did not drain within the time allowed"
    if "live_drained" in step and not step["live_lag_bounded"]:
        return f"the live path was {step['live_lag_at_end']:,} ticket events behind when production ended"
    if "live_drained" in step and not step["live_drained"]:
        return "the live totals did not catch up within the time allowed"
    return None


def _live_done(live: LiveSampler) -> bool:
    _t, produced, counted = live.sample()
    return counted >= produced


def warm_up(
    probes: Probes, events: int, *, rate: float, seed: int, wait_s: float, progress: Progress = None
) -> dict[str, Any]:
    """Before the ladder: `events` produced at `rate` and waited for until queryable, then until
    the background work they started is done (`probes.settled`: the first trainings of a platform
    that starts empty), so the steps measure the stream's path on a platform as a user has it
    after `concert up`, not one training its first models. At most `wait_s` in all; the result
    says what was reached and how long each part took."""
    started = time.monotonic()
    since = time.time()
    if progress:
        progress(f"warm-up: {events:,} events at {rate:,.0f}/s, then the first trainings")
    probes.publish(events, rate, seed, lambda _n: None)
    deadline = time.monotonic() + wait_s
    while probes.loaded(since) < events and time.monotonic() < deadline:
        time.sleep(0.5)
    queryable = probes.loaded(since) >= events
    loaded_at = time.monotonic()
    settled = probes.settled is None
    while not settled and time.monotonic() < deadline:
        settled = probes.settled is not None and probes.settled()
        if not settled:
            time.sleep(1.0)
    return {
        "events": events,
        "rate": rate,
        "queryable": queryable,
        "queryable_s": round(loaded_at - started, 1),
        "settled": settled,
        "settled_s": round(time.monotonic() - loaded_at, 1),
    }


def run_load_bench(
    probes: Probes,
    rates: list[float],
    *,
    seconds: float,
    drain_s: float,
    progress: Progress = None,
    seed_base: int = 7_000,
) -> dict[str, Any]:
    """The ladder, stopping at the first rate not sustained. `seed_base` makes the events new:
    events of a seed already loaded are recognised as duplicates and would never arrive again."""
    steps = []
    for i, rate in enumerate(rates):
        if progress:
            progress(f"load: {rate:.0f} events/s for {seconds:.0f}s, then drain")
        step = run_step(probes, rate, seconds, drain_s=drain_s, seed=seed_base + i)
        steps.append(step)
        if step["saturated"]:
            break
    saturation = next((s for s in steps if s["saturated"]), None)
    return {
        "seconds_per_step": seconds,
        "lag_bound_s": LAG_BOUND_S,
        "steps": steps,
        "saturated_at": saturation["rate"] if saturation else None,
        "saturation_reason": saturation["saturated"] if saturation else None,
        "max_sustained_per_s": max((s["rate"] for s in steps if s["sustained"]), default=None),
    }


def soak_rate(result: dict[str, Any], default: float) -> float:
    """The soak's rate: 80% of the highest rate sustained (a 30-second step can pass a rate the
    platform does not keep for minutes), `default` when none was."""
    best = result.get("max_sustained_per_s")
    return round(max(1.0, 0.8 * best), 1) if best else default


def run_soak(
    probes: Probes, rate: float, minutes: float, *, seed: int = 9_000, progress: Progress = None
) -> dict[str, Any]:
    """Production at `rate` for `minutes`, one minute at a time; whether memory or lag grow.

    Growth compares the last third of the run with the first third after the first minute
    (warm-up): memory grows if the mean RSS of a process that holds no data rose by more than
    10% (those that hold data report MB per 1,000 events instead); lag grows if the mean lag of
    the last third is more than twice the first third's and above one minute of events."""
    produced = {"n": 0}
    since = time.time()
    live = (
        LiveSampler(probes.live_produced, probes.live, every_s=5.0)
        if probes.live is not None and probes.live_produced is not None
        else None
    )
    with (
        Sampler(probes, target=lambda: produced["n"], since=since, every_s=5.0) as sampler,
        live or nullcontext(),
    ):
        for minute in range(int(minutes)):
            done = produced["n"]

            def advance(n: int, done: int = done) -> None:
                produced["n"] = done + n

            probes.publish(int(rate * 60), rate, seed + minute, advance)
            produced["n"] = done + int(rate * 60)
            if progress:
                progress(f"soak: minute {minute + 1}/{int(minutes)}")
    result = {
        "rate": rate,
        "minutes": minutes,
        **soak_verdict(sampler.samples, rate),
        "probe_failures": sampler.failures,
    }
    if live is not None:
        result["live"] = live_lag_trend(live.samples, rate)
    return result


def live_lag_trend(samples: list[tuple[float, int, int]], rate: float) -> dict[str, Any]:
    """The live path's lag (ticket events produced, not yet counted) over a soak: first third
    against last third after the first minute, judged as the warehouse lag is."""
    warm = [s for s in samples if s[0] >= 60] or samples
    if not warm:
        return {"lag_first": 0.0, "lag_last": 0.0, "lag_grows": False}
    third = max(1, len(warm) // 3)
    first = statistics.mean(p - c for _t, p, c in warm[:third])
    last = statistics.mean(p - c for _t, p, c in warm[-third:])
    return {
        "lag_first": round(first, 1),
        "lag_last": round(last, 1),
        "lag_grows": last > 2 * first and last > rate * 60,
    }


# Processes that keep the data they are given: their memory grows with what the soak produces
# (ministack keeps the stream's records for its 48 h retention and the tables in memory; DuckDB
# caches the growing warehouse). For them the verdict is the memory per 1,000 events produced;
# a leak is judged on the others, which hold no data (the KCL worker, the local cloud's Lambda
# workers). "local cloud" is the emulator with its workers; "emulator" the process alone.
DATA_HOLDERS = ("local cloud", "emulator", "warehouse endpoint")


def soak_verdict(samples: list[dict[str, Any]], rate: float) -> dict[str, Any]:
    """Memory and lag trends of a soak's samples."""
    warm = [s for s in samples if s["t"] >= 60] or samples
    third = max(1, len(warm) // 3)
    first, last = warm[:third], warm[-third:]
    names = sorted({k for s in warm for k, v in s.items() if isinstance(v, dict)})
    events = rate * (statistics.mean(s["t"] for s in last) - statistics.mean(s["t"] for s in first))
    memory = {}
    for name in names:
        a = [s[name]["rss_mb"] for s in first if s.get(name)]
        b = [s[name]["rss_mb"] for s in last if s.get(name)]
        if a and b:
            growth = statistics.mean(b) / statistics.mean(a) - 1
            memory[name] = {
                "rss_mb_first": round(statistics.mean(a), 1),
                "rss_mb_last": round(statistics.mean(b), 1),
                "growth": round(growth, 3),
            }
            if name in DATA_HOLDERS:
                memory[name]["holds_data"] = True
                per_k = (statistics.mean(b) - statistics.mean(a)) / (events / 1000) if events > 0 else None
                memory[name]["mb_per_1k_events"] = round(per_k, 3) if per_k is not None else None
    lag_first = statistics.mean([s["lag"] for s in first if "lag" in s] or [0])
    lag_last = statistics.mean([s["lag"] for s in last if "lag" in s] or [0])
    lag_grows = lag_last > 2 * lag_first and lag_last > rate * 60
    return {
        "memory": memory,
        "memory_grows": any(m["growth"] > 0.10 for m in memory.values() if not m.get("holds_data")),
        "lag_first": round(lag_first, 1),
        "lag_last": round(lag_last, 1),
        "lag_grows": lag_grows,
        "series": [
            {"t": s["t"], "lag": s.get("lag"), **{n: round(s[n]["rss_mb"], 1) for n in names if s.get(n)}}
            for s in samples
        ],
    }


def write_chart(result: dict[str, Any], path: Path) -> Path:
    """A PNG: achieved vs target rate, latency percentiles per rate, lag over time per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = result["steps"]
    rates = [s["rate"] for s in steps]
    fig, axes = plt.subplots(
        1, 3 if not result.get("soak") else 4, figsize=(18 if not result.get("soak") else 23, 4.8)
    )
    ax = axes[0]
    ax.plot(rates, rates, "--", color="grey", label="target")
    ax.plot(rates, [s["produced_per_s"] for s in steps], "o-", label="produced")
    kept = [s for s in steps if s["sustained"]]
    ax.plot([s["rate"] for s in kept], [s["produced_per_s"] for s in kept], "s", ms=10, mfc="none",
            label="sustained (lag bounded, drained)")  # fmt: skip
    ax.set(xlabel="target events/s", ylabel="events/s", title="throughput")
    ax.legend()
    ax = axes[1]
    for key in ("latency_p50_s", "latency_p95_s", "latency_p99_s"):
        ax.plot(rates, [s.get(key) or 0 for s in steps], "o-", label=key.split("_")[1])
    ax.set(xlabel="target events/s", ylabel="seconds", title="produced to queryable")
    ax.legend()
    ax = axes[2]
    for s in steps:
        series = s["lag_series"]
        ax.plot([t for t, _ in series], [lag for _, lag in series], label=f"{s['rate']:.0f}/s")
    ax.set(xlabel="seconds into the step", ylabel="events", title="consumer lag")
    ax.legend()
    if result.get("soak"):
        ax = axes[3]
        series = result["soak"]["series"]
        ts = [x["t"] / 60 for x in series]
        for name in result["soak"]["memory"]:
            ax.plot(ts, [x.get(name, 0) for x in series], label=f"{name} RSS MB")
        ax2 = ax.twinx()
        ax2.plot(ts, [x["lag"] if x["lag"] is not None else float("nan") for x in series], "k:", label="lag")
        ax.set(xlabel="minutes", ylabel="MB", title=f"soak at {result['soak']['rate']:.0f}/s")
        ax.legend(loc="upper left")
        ax2.set_ylabel("lag (events)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
