"""`concert bench SUITE`: a part of the platform against its baseline, side by side in one run."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cloud.clients import client
from concert import cli_chat, cli_dashboard, cli_entities, cli_load, cli_ml
from concert.cli_platform import deploy_stack, stop_local
from concert.cli_support import EXIT_FAILED, EXIT_USAGE, CommandError, err, out, parse_list, said
from concert.cli_support import emit as _emit
from concert.cli_support import runtime_of as _rt
from concert.runtime import Runtime


class BenchSuite(StrEnum):
    """What `bench` measures."""

    publisher = "publisher"
    consumer = "consumer"
    ml = "ml"
    chat = "chat"
    load = "load"
    dashboard = "dashboard"
    warehouse = "warehouse"
    entities = "entities"


class QuestionSet(StrEnum):
    """Which chat question set `bench chat` asks."""

    standard = "standard"
    heldout = "heldout"
    unseen = "unseen"
    fresh = "fresh"
    untouched = "untouched"
    blind = "blind"
    sixth = "sixth"
    seventh = "seventh"
    eighth = "eighth"
    ninth = "ninth"
    tenth = "tenth"
    eleventh = "eleventh"
    twelfth = "twelfth"
    thirteenth = "thirteenth"
    fourteenth = "fourteenth"
    fifteenth = "fifteenth"
    sixteenth = "sixteenth"
    seventeenth = "seventeenth"
    eighteenth = "eighteenth"
    nineteenth = "nineteenth"
    twentieth = "twentieth"
    twentyfirst = "twentyfirst"
    twentysecond = "twentysecond"
    twentythird = "twentythird"


class EventTime(StrEnum):
    """The event time of the events `bench load` and `bench dashboard` produce."""

    workload = "workload"  # the synthetic workload's own: a replay of history
    now = "now"  # stamped as sent, as a live feed is


def bench(
    ctx: typer.Context,
    suite: Annotated[
        BenchSuite,
        typer.Argument(
            help="publisher (vs raw PutRecords), consumer (vs parse-only, and end to end), ml "
            "(training time by size, prediction latency through the API vs in-process), chat "
            "(accuracy on the question set, latency through the chat workflow vs in-process) or load "
            "(sustained production at increasing rates until saturation, optional soak, PNG chart) or "
            "dashboard (produced -> on screen in a browser vs -> live table; WebSocket fan-out by clients) "
            "or warehouse (the local Data API endpoint: analytics under loads, loads under heavy queries; "
            "this tree vs --baseline-tree) or entities (merges of a second source's artists and venues "
            "into TICKIT's: precision and recall vs exact names; --repeats held-out seeds)."
        ),
    ] = BenchSuite.publisher,
    events: Annotated[int, typer.Option(min=500, help="Events per run.")] = 20_000,
    repeats: Annotated[
        int, typer.Option(min=1, help="Runs of each side (the median is reported; chat: asks per question).")
    ] = 3,
    e2e: Annotated[bool, typer.Option(help="consumer: also measure the running platform end to end.")] = True,
    sales: Annotated[
        str, typer.Option(help="ml: training sizes in ticket sales, comma-separated.")
    ] = "50000,500000",
    requests: Annotated[int, typer.Option(min=5, help="ml: requests per endpoint.")] = 50,
    api: Annotated[bool, typer.Option(help="ml: also measure prediction latency through the API.")] = True,
    across_data: Annotated[
        bool,
        typer.Option(
            "--suite",
            help="ml: instead, every model on several workloads with baselines, the ALS peer, "
            "training time and the targets met (see --workloads).",
        ),
    ] = False,
    workloads: Annotated[
        str,
        typer.Option(
            help="ml --suite: workloads, comma-separated (default, small, mixed, shift, cold, large)."
        ),
    ] = "default,small,mixed,shift,cold,large",
    rates: Annotated[
        str, typer.Option(help="load: target events/s of each step, comma-separated, increasing.")
    ] = "250,500,1000,2000,4000",
    seconds: Annotated[float, typer.Option(min=5, help="load: seconds of production per step.")] = 30,
    drain: Annotated[float, typer.Option(min=10, help="load: seconds a step may take to drain.")] = 240,
    soak_minutes: Annotated[
        float,
        typer.Option(min=0, help="load: then produce at the last sustained rate this long (0: no soak)."),
    ] = 0,
    soak_rate: Annotated[
        float,
        typer.Option(min=0, help="load: the soak's events/s (0: 80% of the highest rate sustained)."),
    ] = 0,
    chart: Annotated[Path | None, typer.Option(help="load: where to write the PNG chart.")] = None,
    warm_up: Annotated[
        int,
        typer.Option(
            min=200,
            help="load (and dashboard's --load-rates): events produced (at 1,000/s) before the "
            "first step, waited for until queryable and the first trainings they start are done "
            "(below ~6,500 events, under the retraining's 5,000 sales: no training; 200 only lets "
            "the worker take its leases).",
        ),
    ] = 10_000,
    samples: Annotated[int, typer.Option(min=3, help="dashboard: produced -> on screen samples.")] = 20,
    clients: Annotated[
        str,
        typer.Option(help="dashboard: WebSocket client counts, comma-separated (the first is the baseline)."),
    ] = "100,1000",
    load_rates: Annotated[
        str,
        typer.Option(
            help="dashboard: also measure produced -> on screen while the stream carries these "
            "events/s, comma-separated (empty: not under load)."
        ),
    ] = "",
    load_seconds: Annotated[float, typer.Option(min=5, help="dashboard: seconds of each load.")] = 30,
    event_time: Annotated[
        EventTime,
        typer.Option(
            help="load, dashboard: the produced events' event time: the workload's (a replay of "
            "history: each sale in its own minute bucket) or now (a live feed)."
        ),
    ] = EventTime.workload,
    questions: Annotated[
        QuestionSet,
        typer.Option(
            help="chat: the question set (standard; heldout, unseen, fresh, untouched, blind, sixth, "
            "seventh, eighth, ninth, tenth, eleventh, twelfth, thirteenth, fourteenth, fifteenth, "
            "sixteenth, seventeenth, eighteenth, nineteenth, twentieth, twentyfirst, twentysecond, "
            "twentythird: held-out sets, each written after the last was tuned on)."
        ),
    ] = QuestionSet.standard,
    rows: Annotated[int, typer.Option(min=10_000, help="warehouse: synthetic ticket sales.")] = 1_000_000,
    rounds: Annotated[int, typer.Option(min=1, help="warehouse: rounds of each workload.")] = 5,
    baseline_tree: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="warehouse: also a source tree to compare with."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as one JSON object.")] = False,
) -> None:
    """Benchmark a part of the platform against its baseline, side by side in one run."""
    rt = _rt(ctx)
    progress = None if as_json else err.print
    if suite is BenchSuite.ml and across_data:
        names = parse_list(workloads, "--workloads", str.strip, "names", skip_empty=True)
        _emit(cli_ml.bench_ml_suite(names, as_json=as_json), as_json, cli_ml.render_suite)
        return
    if suite is BenchSuite.ml:
        sizes = parse_list(sales, "--sales", int, "integers")
        if any(s < 2000 for s in sizes):
            raise CommandError("--sales: each size must be at least 2000", EXIT_USAGE)
        _emit(
            cli_ml.bench_ml(ctx, sales=sizes, requests=requests, api=api, as_json=as_json),
            as_json,
            cli_ml.render_bench,
        )
        return
    if suite is BenchSuite.load:
        ladder = parse_list(rates, "--rates", float, "numbers")
        if not ladder or any(r <= 0 for r in ladder) or ladder != sorted(ladder):
            raise CommandError("--rates must be positive and increasing", EXIT_USAGE)
        _emit(
            _bench_load(
                rt,
                ladder,
                seconds=seconds,
                drain=drain,
                soak=soak_minutes,
                soak_rate=soak_rate,
                chart=chart,
                show=not as_json,
                live_feed=event_time is EventTime.now,
                warm_up=warm_up,
            ),
            as_json,
            cli_load.render,
        )
        return
    if suite is BenchSuite.dashboard:
        counts = parse_list(clients, "--clients", int, "integers")
        if not counts or any(not 1 <= c <= 5000 for c in counts):
            raise CommandError("--clients: each count must be between 1 and 5000", EXIT_USAGE)
        loads = parse_list(load_rates, "--load-rates", float, "numbers", skip_empty=True)
        if any(r <= 0 for r in loads):
            raise CommandError("--load-rates must be positive", EXIT_USAGE)
        with _bench_platform(rt, show=not as_json) as bench_rt:
            result = cli_dashboard.bench(
                bench_rt, samples=samples, clients=counts, load_rates=loads, load_seconds=load_seconds,
                progress=progress, live_feed=event_time is EventTime.now, warm_up=warm_up if loads else 0,
            )  # fmt: skip
        _emit(result, as_json, cli_dashboard.render_bench)
        return
    if suite is BenchSuite.warehouse:
        from bench.warehouse import run_warehouse_bench

        here = Path(__file__).resolve().parent.parent
        trees = [here, *([baseline_tree.resolve()] if baseline_tree else [])]
        result = run_warehouse_bench(trees, sales_rows=rows, rounds=rounds, progress=progress)
        _emit(result, as_json, _render_warehouse_bench)
        return
    if suite is BenchSuite.entities:
        result = cli_entities.bench_entities(held_out=repeats, progress=progress)
        _emit(result, as_json, cli_entities.render_entities)
        return
    if suite is BenchSuite.chat:
        result = cli_chat.bench_chat(ctx, repeats=repeats, as_json=as_json, questions=questions.value)
        _emit(result, as_json, cli_chat.render_bench)
        return
    if suite is BenchSuite.publisher:
        from bench.publisher import run_publisher_bench

        started = rt.local and rt.cloud.start(progress=said)
        try:
            result = run_publisher_bench(events=events, repeats=repeats, progress=progress)
        finally:
            if started:
                rt.cloud.stop()
        _emit(result, as_json, _render_publisher_bench)
        return
    from bench.consumer import run_consumer_bench

    result = run_consumer_bench(events=events, repeats=repeats, progress=progress)
    if e2e:
        result["sides"].append(_bench_end_to_end(rt, events=events, show=not as_json))
    _emit(result, as_json, _render_consumer_bench)


@contextlib.contextmanager
def _bench_platform(rt: Runtime, *, show: bool) -> Iterator[Runtime]:
    """A platform of the benchmark's own, deployed and running for the duration (the local
    cloud, the endpoint and the worker), then stopped and removed: benchmarks that write events
    never write into the user's platform. Its data directory is `<data dir>/bench`, its ports
    the user's + 10, so it runs beside a running `concert up`. Other targets are refused."""
    if not rt.local:
        raise CommandError(
            "this benchmark writes synthetic events, and it runs only on a platform of its own: "
            "the embedded local default (`--target local`); to load-test AWS, deploy a separate stack",
            EXIT_USAGE,
        )
    bench = rt.for_bench()
    stop_local(bench)  # one left by an interrupted run
    shutil.rmtree(bench.settings.data_dir, ignore_errors=True)
    saved = dict(os.environ)
    os.environ.update({**bench.cloud.env(), **bench.endpoint.env()})
    try:
        if show:
            said(f"benchmark platform: {bench.settings.data_dir} on port {bench.settings.port}")
        bench.cloud.start(progress=said)
        deploy_stack(bench, show=show)
        bench.endpoint.start(bench.cloud.env(), progress=said)
        bench.worker.start(bench.services_env(), bench.worker_settings(), progress=said)
        yield bench
    finally:
        stop_local(bench)
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(bench.settings.data_dir, ignore_errors=True)


def _bench_load(
    rt: Runtime,
    rates: list[float],
    *,
    seconds: float,
    drain: float,
    soak: float,
    soak_rate: float = 0,
    chart: Path | None,
    show: bool,
    live_feed: bool = False,
    warm_up: int = 10_000,
) -> dict[str, Any]:
    """The load ladder (and soak) on the platform, started here if needed; the chart written.
    With `live_feed` the events are stamped as sent (`producers.synthetic.as_live_feed`).
    The warm-up (`bench.load.warm_up`) runs before the clock starts: the worker holds its
    leases, and the first trainings of the empty platform are done."""
    from bench import load

    progress = err.print if show else None
    with _bench_platform(rt, show=show) as bench_rt:
        probes = cli_load.probes(bench_rt, live_feed=live_feed)
        # Fresh seeds each run: events of a seed loaded by an earlier run are duplicates that
        # the platform rightly keeps once, and they would never count as arriving again.
        seeds = int(time.time()) % 100_000 * 100 + 100_000
        warmed = load.warm_up(
            probes, warm_up, rate=min(1_000.0, warm_up), seed=seeds - 1, wait_s=2 * drain, progress=progress
        )
        result = load.run_load_bench(
            probes, rates, seconds=seconds, drain_s=drain, progress=progress, seed_base=seeds
        )
        if soak > 0:
            # The soak runs at the rate asked, or one the platform keeps up with for minutes: 80%
            # of the highest rate sustained (lag bounded, drained), or the first rate tried.
            rate = soak_rate or load.soak_rate(result, default=rates[0])
            result["soak"] = load.run_soak(probes, rate, soak, seed=seeds + 50, progress=progress)
        result["chart"] = str(load.write_chart(result, cli_load.chart_path(chart, rt)))
        result["event_time"] = "now" if live_feed else "workload"
        result["warm_up"] = warmed
        return result


def _bench_end_to_end(rt: Runtime, *, events: int, show: bool) -> dict[str, Any]:
    """Stream fresh events through the platform (started here if needed) until all are queryable."""
    import random
    from datetime import UTC, datetime

    from bench.consumer import run_end_to_end
    from concert.pipeline_checks import latency, reconcile_now
    from consumers.warehouse.client import DataApiWarehouse
    from producers.publisher import KinesisPublisher

    with _bench_platform(rt, show=show) as bench_rt:
        outputs = bench_rt.outputs()
        publisher = KinesisPublisher(bench_rt.stream_name(), bench_rt.kinesis())

        def publish(batch: list[Any]) -> None:
            report = publisher.publish(batch)
            if report.failed:
                raise CommandError(f"{len(report.failed)} events not accepted by the stream", EXIT_FAILED)

        def placed() -> bool:
            r = reconcile_now(outputs)
            return r.ok and r.warehouse_events + r.held + r.gave_up + r.quality_rejected >= r.produced_events

        def latencies(since: float) -> dict[str, Any]:
            warehouse = DataApiWarehouse(client("redshift-data"))
            return latency(warehouse, since=datetime.fromtimestamp(since, UTC))

        if show:
            err.print(
                f"end to end: {events} events through the stream, the worker, the lake and the warehouse"
            )
        return run_end_to_end(publish, placed, latencies, events=events, seed=random.randrange(1, 2**31))


def _render_publisher_bench(d: dict[str, Any]) -> None:
    table = Table(title=f"publisher vs raw PutRecords ({d['events']} events, median of {d['repeats']})")
    for col in ("side", "events/s", "MB/s", "seconds"):
        table.add_column(col)
    for side in d["sides"]:
        table.add_row(
            side["name"], f"{side['events_per_s']:,.0f}", f"{side['mb_per_s']:.2f}", f"{side['seconds']:.3f}"
        )
    out.print(table)
    out.print(f"ratio publisher/raw (events/s): [bold]{d['ratio']:.2f}[/]")


def _render_warehouse_bench(d: dict[str, Any]) -> None:
    table = Table(
        title=f"local warehouse endpoint ({d['sales_rows']:,} sales, {d['rounds']} rounds): seconds"
    )
    for col in ("tree", "condition", "n", "p50", "p95", "max"):
        table.add_column(col)
    for t in d["trees"]:
        for name, s in t["conditions"].items():
            row = (str(s["n"]), *(f"{s[k]:.3f}" for k in ("p50_s", "p95_s", "max_s")))
            table.add_row(f"{t['label']} {t['commit']}", name, *row)
    out.print(table)
    for t in d["trees"]:
        bg = t["background"]
        out.print(
            f"{t['label']}: alone, a page {t['page_idle_s']} s, the extract {t['extract_idle_s']} s, a heavy "
            f"query {t['heavy_idle_s']} s; meanwhile {bg['load_cycles']} load cycles, {bg['extracts']} "
            f"extracts, {bg['heavy_queries']} heavy queries"
        )
    for name, r in d.get("ratios_baseline_over_current", {}).items():
        out.print(f"baseline/current, {name}: p50 [bold]{r['p50_s']:.2f}[/], p95 [bold]{r['p95_s']:.2f}[/]")


def _render_consumer_bench(d: dict[str, Any]) -> None:
    table = Table(title=f"consumer per core vs parse-only ({d['events']} events, median of {d['repeats']})")
    for col in ("side", "events/s", "ratio to parse-only", "seconds", "latency p50/p95 (s)"):
        table.add_column(col)
    ceiling = d["sides"][0]["events_per_s"]
    for side in d["sides"]:
        lat = f"{side['latency_p50_s']} / {side['latency_p95_s']}" if "latency_p50_s" in side else ""
        ratio = side.get("ratio", side["events_per_s"] / ceiling)
        table.add_row(
            side["name"], f"{side['events_per_s']:,.0f}", f"{ratio:.4f}", f"{side['seconds']:.2f}", lat
        )
    out.print(table)
