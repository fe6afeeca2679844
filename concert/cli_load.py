"""`concert bench load`: the load suite (bench/load.py) against the running platform, started
here when needed: the probes it needs (paced production, events queryable, latency, the
processes of the local cloud, the warehouse endpoint and the KCL worker with their children)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from concert.cli_support import EXIT_FAILED, CommandError, out
from concert.runtime import Runtime

if TYPE_CHECKING:
    from consumers.step_functions import StepFunctions
    from ml.registry_table import Registry


class ProcessTree:
    """A process and its descendants (ministack runs each Lambda in a child), measured together:
    summed RSS, and CPU % from the tree's CPU time between two calls. `part` narrows it to the
    process alone ("self") or to its descendants ("children": the local cloud's Lambda workers)."""

    def __init__(self, pid: int, part: str = "all") -> None:
        import psutil

        if part not in ("all", "self", "children"):
            raise ValueError(f"part must be all, self or children, not {part!r}")
        self.root = psutil.Process(pid)
        self.part = part
        self._last: tuple[float, float] | None = None

    def _tree(self) -> list[Any]:
        children = self.root.children(recursive=True) if self.part != "self" else []
        return children if self.part == "children" else [self.root, *children]

    def memory_info(self) -> Any:
        """The tree's resident memory (`.rss`, bytes)."""
        from types import SimpleNamespace

        total = 0
        for p in self._tree():
            try:
                total += p.memory_info().rss
            except Exception:  # noqa: S112 - a child that exited between listing and reading
                continue
        return SimpleNamespace(rss=total)

    def cpu_percent(self, interval: None = None) -> float:
        """CPU % of one core used by the tree since the previous call (0.0 on the first)."""
        busy = 0.0
        for p in self._tree():
            try:
                t = p.cpu_times()
                busy += t.user + t.system
                if self.part == "all":  # children that exited: counted in their parent's times
                    busy += getattr(t, "children_user", 0) + getattr(t, "children_system", 0)
            except Exception:  # noqa: S112
                continue
        now = time.monotonic()
        last, self._last = self._last, (now, busy)
        if last is None or now <= last[0]:
            return 0.0
        return max(0.0, (busy - last[1]) / (now - last[0]) * 100)


def probes(rt: Runtime, *, live_feed: bool = False) -> Any:
    """The real probes of the deployed platform (events stamped as sent with `live_feed`)."""
    from bench.load import Probes
    from cloud.clients import client
    from concert.pipeline_checks import latency
    from consumers.warehouse.client import DataApiWarehouse
    from functions.retrain.settings import RetrainSettings
    from ml.registry_table import RegistryTable
    from producers.pacing import publish_stream
    from producers.publisher import KinesisPublisher
    from producers.synthetic import as_live_feed, events_for
    from schemas import TicketRefunded, TicketSold

    publisher = KinesisPublisher(rt.stream_name(), rt.kinesis())
    warehouse = DataApiWarehouse(client("redshift-data"))
    dynamodb = client("dynamodb")
    outputs = rt.outputs()
    tickets = {"accepted": 0}  # ticket events the stream accepted, over every step

    def publish(events: int, rate: float, seed: int, on_progress: Callable[[int], None]) -> float:
        started = time.monotonic()
        prefix = [tickets["accepted"]]  # ticket events among the first k events of this step

        def counted(stream: Any) -> Any:
            for event in stream:
                prefix.append(prefix[-1] + isinstance(event.data, TicketSold | TicketRefunded))
                yield event

        def chunk_done(seen: int) -> None:
            tickets["accepted"] = prefix[seen]
            on_progress(seen)

        workload = events_for(events, seed=seed)
        report = publish_stream(
            publisher, counted(as_live_feed(workload) if live_feed else workload), rate=rate,
            on_chunk=lambda _r, seen: chunk_done(seen),
        )  # fmt: skip
        if report.failed:
            raise CommandError(f"{len(report.failed)} events not accepted by the stream", EXIT_FAILED)
        return time.monotonic() - started

    def loaded(since: float) -> int:
        at = datetime.fromtimestamp(since, UTC).isoformat()
        sql = "SELECT COUNT(*) AS n FROM event_log WHERE arrived_at >= CAST(:at AS TIMESTAMPTZ)"
        return int(warehouse.query(sql, {"at": at})[0]["n"])

    def processes() -> dict[str, Any]:
        found = {}
        for name, proc in (("local cloud", rt.cloud.process), ("warehouse endpoint", rt.endpoint.process),
                           ("kcl worker", rt.worker.process)):  # fmt: skip
            pid = proc.running_pid()
            if pid is not None:
                found[name] = ProcessTree(pid)
                if name == "local cloud":  # the emulator and its Lambda workers, each on its own too
                    found["emulator"] = ProcessTree(pid, "self")
                    found["lambda workers"] = ProcessTree(pid, "children")
        return found

    def live() -> int:
        """Ticket events the live aggregates have counted (sales and refunds, all time)."""
        item = dynamodb.get_item(
            TableName=rt.names.live_aggregates_table,
            Key={"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}},
            ConsistentRead=True,
        ).get("Item", {})
        return sum(int(item.get(n, {}).get("N", 0)) for n in ("orders", "refunds"))

    return Probes(
        publish=publish,
        live=live,
        live_produced=lambda: tickets["accepted"],
        loaded=loaded,
        latency=lambda since: latency(warehouse, since=datetime.fromtimestamp(since, UTC)),
        processes=processes,
        settled=trainings_settled(
            client("stepfunctions"),
            outputs.get("RetrainStateMachineArn"),
            RegistryTable(dynamodb, outputs.get("ModelRegistryTableName", rt.names.model_registry_table)),
            lambda: int(warehouse.query("SELECT COUNT(*) AS n FROM fact_ticket_sales")[0]["n"] or 0),
            int(RetrainSettings.model_fields["min_sales"].default),
        ),
    )


def trainings_settled(
    sfn: StepFunctions, machine: str | None, registry: Registry, sales: Callable[[], int], min_sales: int
) -> Callable[[], bool]:
    """Whether the trainings the events started are done: no execution of the retraining
    workflow `machine` running, and every model trained once (its latest version in `registry`,
    any outcome) or the warehouse holding fewer `sales` than a first training needs (then none
    starts)."""
    from ml.registry_table import MODELS

    def settled() -> bool:
        if not machine:
            return True
        if sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING", maxResults=1)["executions"]:
            return False
        return all(registry.latest(name) for name in MODELS) or sales() < min_sales

    return settled


def render(d: dict[str, Any]) -> None:
    """The load suite as a table."""
    table = Table(title=f"load ladder, {d['seconds_per_step']:.0f}s per step")
    for col in (
        "target/s",
        "produced/s",
        "sustained",
        "lag at end",
        "drain s",
        "p50/p95/p99 s",
        "live p50/p95/p99 s",
        "live drain s",
        "peak RSS MB",
        "CPU %",
        "CPU s / 1k events",
    ):
        table.add_column(col)
    for s in d["steps"]:
        procs = s["processes"]
        table.add_row(
            f"{s['rate']:,.0f}",
            f"{s['produced_per_s']:,.0f}",
            "yes" if s["sustained"] else "no",
            f"{s['lag_at_end']:,}",
            f"{s['drain_s']}" if s["drain_s"] is not None else "not drained",
            f"{s.get('latency_p50_s')} / {s.get('latency_p95_s')} / {s.get('latency_p99_s')}",
            f"{s.get('live_p50_s')} / {s.get('live_p95_s')} / {s.get('live_p99_s')}",
            f"{s.get('live_drain_s')}" if s.get("live_drained", True) else "not drained",
            ", ".join(f"{n}: {p['rss_mb_max']:.0f}" for n, p in procs.items()),
            ", ".join(f"{n}: {p['cpu_pct_mean']:.0f}" for n, p in procs.items()),
            ", ".join(f"{n}: {p['cpu_s_per_1k_events']:.2f}" for n, p in procs.items()),
        )
    out.print(table)
    if d["saturated_at"]:
        out.print(f"saturated at {d['saturated_at']:,.0f} events/s: {d['saturation_reason']}")
    else:
        out.print("not saturated at the highest rate tried")
    out.print(
        f"highest rate sustained (lag under {d['lag_bound_s']:.0f} s of events, drained): "
        f"{d['max_sustained_per_s']} events/s"
    )
    soak = d.get("soak")
    if soak:
        out.print(
            f"soak {soak['minutes']:.0f} min at {soak['rate']:.0f}/s: warehouse lag "
            + ("grows" if soak["lag_grows"] else "bounded")
            + f" (mean {soak['lag_first']:.0f} -> {soak['lag_last']:.0f} events)"
        )
        if soak.get("live"):
            live = soak["live"]
            out.print(
                "  live path lag "
                + ("grows" if live["lag_grows"] else "bounded")
                + f" (mean {live['lag_first']:.0f} -> {live['lag_last']:.0f} ticket events)"
            )
        for name, m in soak["memory"].items():
            out.print(f"  {name}: {memory_verdict(m)}")
    out.print(f"chart: {d['chart']}")


KB_PER_EVENT_BOUND = 1.0  # the footprint target: a process grows by at most 1 KB per event


def memory_verdict(m: dict[str, Any]) -> str:
    """One process's memory over the soak, judged: a process that holds data by KB per event
    against the 1 KB bound, the others by growth (flat within 10%)."""
    span = f"{m['rss_mb_first']:.0f} -> {m['rss_mb_last']:.0f} MB"
    if m.get("holds_data") and m.get("mb_per_1k_events") is not None:
        kb = m["mb_per_1k_events"] * 1024 / 1000
        ok = "within" if kb <= KB_PER_EVENT_BOUND else "over"
        return f"{span}, {kb:.2f} KB per event ({ok} the {KB_PER_EVENT_BOUND:.0f} KB bound)"
    return f"{span}, " + ("grows" if m["growth"] > 0.10 else "flat") + f" ({m['growth']:+.1%})"


def chart_path(value: Path | None, rt: Runtime) -> Path:
    """Where the chart goes (default build/bench/load-<time>.png)."""
    return value or Path("build") / "bench" / f"load-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.png"
