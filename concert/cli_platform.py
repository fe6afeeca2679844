"""`concert deploy | up | down`: synthesize and deploy the stack, run the platform with its
workload and live feed, stop the local services."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError

from cloud.clients import CloudUnreachable, client, endpoint_url, explain
from concert import cli_dashboard, cli_follow
from concert.cli_events import run_produce
from concert.cli_status import keep_count
from concert.cli_support import EXIT_FAILED, EXIT_USAGE, CommandError, err, out, progress_bar, said
from concert.cli_support import emit as _emit
from concert.cli_support import nullcontext as _nullcontext
from concert.cli_support import runtime_of as _rt
from concert.runtime import Runtime
from concert.settings import CliSettings
from infra.synth_cache import synthesize_cached


class Target(StrEnum):
    """Where `deploy` deploys to."""

    local = "local"
    aws = "aws"
    localstack = "localstack"


def deploy_stack(rt: Runtime, *, show: bool, context: dict[str, str] | None = None) -> dict[str, Any]:
    """Synthesize (cached) and deploy the environment's stack; the deploy's summary."""
    from infra.deploy import deploy_template

    with err.status("synthesizing the CDK app", spinner="dots") if show else _nullcontext():
        cdk_out, synthesized = synthesize_cached(
            for_aws=not rt.local, context={**(context or {}), "env": rt.settings.environment}
        )
    with err.status("deploying the stack", spinner="dots") if show else _nullcontext():
        result = deploy_template(
            cdk_out, stack_name=rt.names.stack, local=rt.local, timeout_s=rt.settings.deploy_timeout_s
        )
    return {
        "stack": result.stack_name,
        "status": result.status,
        "synthesized": synthesized,
        "assets_uploaded": result.assets_uploaded,
        "assets_skipped": result.assets_skipped,
        "elapsed_s": result.elapsed_s,
        "outputs": result.outputs,
        "endpoint_url": endpoint_url(),
    }


def deploy(
    ctx: typer.Context,
    target: Annotated[Target | None, typer.Option(help="Overrides the global --target.")] = None,
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            "-c",
            help="CDK context KEY=VALUE (repeatable): shards, on_demand, retain_data, compact_min_files, "
            "ml_trainer, training_image (see docs/aws-deployment.md).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Synthesize the CDK app and deploy it: into the local cloud, or to AWS (needs `cdk bootstrap`)."""
    pairs = {}
    for item in context or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--context wants KEY=VALUE, got {item!r}", EXIT_USAGE)
        pairs[key] = value
    rt = _rt(ctx)
    if pairs.get("env", rt.settings.environment) != rt.settings.environment:
        raise CommandError("choose the environment with the global --env NAME, not -c env=NAME", EXIT_USAGE)
    if target is not None and target.value != rt.settings.target:
        rt = Runtime(CliSettings(**{**rt.settings.model_dump(), "target": target.value}))
        rt.activate()
    if rt.local:
        rt.cloud.start(progress=said)
    result = deploy_stack(rt, show=not as_json, context=pairs)
    if not rt.local:
        result["web_files_published"] = cli_dashboard.publish_web(result["outputs"])
        result["web_url"] = result["outputs"].get("WebUrl")
    _emit(
        result,
        as_json,
        lambda d: out.print(
            f"[green]{d['stack']} {d['status']}[/] in {d['elapsed_s']}s "
            f"({d['assets_uploaded']} assets uploaded) at {d['endpoint_url']}"
        ),
    )


def _start_platform(rt: Runtime, *, show: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """`up`'s first half: the local cloud (when local), the deployment, the warehouse endpoint and
    the KCL worker (when local), and a link to the dashboard; the deployment and the link."""
    if rt.local:
        with (
            err.status(f"starting the local cloud on port {rt.settings.port}", spinner="dots")
            if show
            else _nullcontext()
        ):
            rt.cloud.start(progress=said)
    deployed = deploy_stack(rt, show=show)
    if show:
        err.print(f"[green]deployed[/] {deployed['stack']} at {deployed['endpoint_url']}")
    if rt.local:
        with (
            err.status("starting the warehouse endpoint and the KCL worker", spinner="dots")
            if show
            else _nullcontext()
        ):
            rt.endpoint.start(rt.cloud.env(), progress=said)
            rt.worker.start(rt.services_env(), rt.worker_settings(), progress=said)
    board = cli_dashboard.try_link(rt, deployed["outputs"], hours=12)
    if show:
        err.print(  # soft wrap: the link is printed whole, whatever the terminal's width
            f"[bold green]dashboard:[/] {board['url']}" if board["url"] else f"[yellow]{board['error']}[/]",
            soft_wrap=True,
        )
    return deployed, board


def _run_until_stopped(rt: Runtime, stop: threading.Event, *, show: bool) -> None:
    """Keep the platform running until Ctrl-C, counting the stream now and then (so `concert
    status` never reads a backlog)."""
    if show:
        err.print("[bold]workload produced; the platform keeps running. Ctrl-C to stop.[/]")
    counted_at = 0.0
    while not stop.wait(0.5):
        if time.monotonic() - counted_at > 30:
            keep_count(rt, budget_s=2)
            counted_at = time.monotonic()


def up(
    ctx: typer.Context,
    events: Annotated[
        int | None, typer.Option(min=1, help="Stop producing after N events (default: a full workload).")
    ] = None,
    rate: Annotated[float, typer.Option(min=0.1, help="Events per second.")] = 1_000.0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic workload.")] = 42,
    exit_when_done: Annotated[
        bool, typer.Option(help="Exit with a summary once the events are processed.")
    ] = False,
    timeout: Annotated[
        float, typer.Option(min=1, help="With --exit-when-done: how long to wait (s).")
    ] = 900.0,
    aggregate: Annotated[bool, typer.Option(help="KPL-aggregate records.")] = False,
    malformed: Annotated[
        int, typer.Option(min=0, help="Also send N malformed records past validation (a fault drill).")
    ] = 0,
    duplicates: Annotated[
        int,
        typer.Option(min=0, help="Also re-send N of the events (same ids), as a retrying producer would."),
    ] = 0,
    follow_rate: Annotated[
        float,
        typer.Option(
            min=0,
            help="After the workload, keep a live feed of sales (timed now, the workload's demand) at "
            "this many a second until Ctrl-C; 0: none. Not with --exit-when-done.",
        ),
    ] = 20.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Start the local cloud, deploy, stream the synthetic workload at a rate, then keep a live
    feed of sales (or exit once processed with --exit-when-done) until Ctrl-C."""
    from producers.synthetic import Spec, events_for, generate

    rt = _rt(ctx)
    started = time.monotonic()
    show = not as_json
    deployed, board = _start_platform(rt, show=show)

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        workload = list(events_for(events, seed=seed)) if events else generate(Spec(seed=seed)).events
        if duplicates > len(workload):
            raise CommandError(
                f"--duplicates {duplicates} exceeds the {len(workload)} events produced", EXIT_USAGE
            )
        produced = run_produce(
            rt, workload, total=len(workload), rate=rate, aggregate=aggregate, show=show, stop=stop
        )
        watch = _watch_catch_up(rt, deployed["outputs"], since=time.time(), stop=stop, show=show)
        injected = _inject_faults(rt, workload, malformed=malformed, duplicates=duplicates, seed=seed)
        processed: dict[str, Any] = {}
        fed: dict[str, Any] | None = None
        if exit_when_done:
            processed = _wait_processed(rt, show=show, timeout_s=timeout)
            watch.complete.set()
            watch.join(CATCH_UP_AFTER_PROCESSED_S)
            processed["caught_up"] = watch.result.summary() if watch.result else None
        elif not stop.is_set() and follow_rate > 0:
            if show:
                err.print(
                    f"[bold]workload produced; a live feed of {follow_rate:g} sales/s follows "
                    "(--follow-rate 0: none). Ctrl-C stops everything.[/]"
                )
            fed = cli_follow.follow(
                rt, rate=follow_rate, workload=workload, seconds=None, show=show, stop=stop
            )
        elif not stop.is_set():
            _run_until_stopped(rt, stop, show=show)
    finally:
        signal.signal(signal.SIGINT, previous)
    elapsed = round(time.monotonic() - started, 2)
    summary = {
        "produced": produced["accepted"],
        "refused": produced["refused"],
        "failed": produced["failed"],
        **injected,
        **processed,
        "elapsed_s": elapsed,
        "produce_s": produced["elapsed_s"],
        "events_per_s": round(produced["accepted"] / elapsed, 1) if elapsed else None,
        "stream": produced["stream"],
        "deploy": deployed,
        "dashboard": board["url"],
        "interrupted": stop.is_set(),
        **({"follow": fed} if fed is not None else {}),
    }
    if stop.is_set() and not exit_when_done and rt.local:
        stop_local(rt)
        summary["local_cloud"] = "stopped (state saved)"
    _emit(
        summary,
        as_json,
        lambda d: out.print(
            f"[green]{d['produced']} events produced[/] in {d['produce_s']}s; "
            + (
                f"warehouse {d.get('warehouse_events')} events, lake {d.get('lake_records')}, "
                f"rejected {d.get('rejected')}, "
                f"p50 {d.get('latency_p50_s')}s p95 {d.get('latency_p95_s')}s; "
                if exit_when_done
                else ""
            )
            + f"total {d['elapsed_s']}s"
        ),
    )
    if exit_when_done and not processed.get("reconciled"):
        raise typer.Exit(EXIT_FAILED)
    if summary["failed"]:
        raise typer.Exit(EXIT_FAILED)


CATCH_UP_AFTER_PROCESSED_S = 60.0  # how long `up --exit-when-done` waits for the live totals


class _CatchUpWatch(threading.Thread):
    """`pipeline_checks.catch_up` beside `up`: from the last event produced until the warehouse and
    the live totals settle on the same figures; the line is printed when they do."""

    def __init__(self, live: Callable[[], Any], warehouse: Callable[[], Any], *, since: float,
                 stop: threading.Event, show: bool) -> None:  # fmt: skip
        super().__init__(name="catch-up", daemon=True)
        self.live, self.warehouse, self.since, self.stop, self.show = live, warehouse, since, stop, show
        self.complete = threading.Event()  # set when every produced event is known to be placed
        self.result: Any = None

    def run(self) -> None:
        from concert.pipeline_checks import catch_up

        try:
            self.result = catch_up(
                self.live, self.warehouse, since=self.since, stop=self.stop, complete=self.complete
            )
        except (BotoCoreError, ClientError, CloudUnreachable, RuntimeError, KeyError, ValueError) as exc:
            if self.show:  # a measure only: the platform goes on
                err.print(f"[yellow]catch-up not measured: {explain(exc)}[/]")
            return
        r = self.result
        if self.show and r.settled:
            err.print(
                f"caught up: the warehouse {r.warehouse_s} s after the last event, the live totals "
                f"{r.live_s} s after ({r.totals['orders']:,} orders, {r.totals['tickets']:,} tickets in both)"
            )


def _watch_catch_up(
    rt: Runtime, outputs: dict[str, str], *, since: float, stop: threading.Event, show: bool
) -> _CatchUpWatch:
    """Start measuring when the warehouse and the live totals reach their final figures."""
    from concert.pipeline_checks import SALES_TOTALS, live_total, sales_totals
    from consumers.warehouse.client import DataApiWarehouse

    dynamodb, warehouse = client("dynamodb"), DataApiWarehouse(client("redshift-data"))
    watch = _CatchUpWatch(
        lambda: sales_totals(live_total(dynamodb, outputs["LiveAggregatesTableName"])),
        lambda: sales_totals(warehouse.query(SALES_TOTALS)[0]),
        since=since,
        stop=stop,
        show=show,
    )
    watch.start()
    return watch


def _inject_faults(
    rt: Runtime, workload: list[Any], *, malformed: int, duplicates: int, seed: int
) -> dict[str, int]:
    """Send the malformed records and re-send the duplicate events asked for; return the counts."""
    import random

    from producers.malformed import malformed as make_malformed
    from producers.malformed import send_unvalidated
    from producers.publisher import KinesisPublisher

    sent = {"malformed_injected": 0, "duplicates_injected": 0}
    if malformed:
        sent["malformed_injected"] = send_unvalidated(
            rt.kinesis(), rt.stream_name(), make_malformed(malformed, seed)
        )
    if duplicates:
        again = random.Random(seed).sample(workload, duplicates)
        report = KinesisPublisher(rt.stream_name(), rt.kinesis()).publish(again)
        sent["duplicates_injected"] = len(report.accepted)
    return sent


def down(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Stop the local cloud started by `concert up` (its state is saved for the next start)."""
    rt = _rt(ctx)
    stopped = stop_local(rt)
    _emit(
        {"stopped": stopped, "port": rt.settings.port},
        as_json,
        lambda d: out.print(
            "web server, worker, warehouse endpoint and local cloud stopped (state saved)"
            if d["stopped"]
            else "no local cloud of ours running"
        ),
    )


def stop_local(rt: Runtime) -> bool:
    """Stop the web server, the worker, the warehouse endpoint and the local cloud, in that order."""
    rt.web.stop()
    rt.worker.stop()
    rt.endpoint.stop()
    return rt.cloud.stop()


def _wait_processed(rt: Runtime, *, show: bool, timeout_s: float) -> dict[str, Any]:
    """Wait (with a progress bar) until every produced event is placed; the reconciliation's summary."""
    from concert.pipeline_checks import latency, wait_processed
    from consumers.warehouse.client import DataApiWarehouse

    with progress_bar(show) as progress:
        task = progress.add_task("processing", total=None, info="")

        def update(r: Any) -> None:
            progress.update(
                task,
                total=r.produced_events,
                completed=r.warehouse_events + r.held,
                info=f"warehouse {r.warehouse_events}, dead {r.dlq_records}, held {r.held}",
            )

        r = wait_processed(rt.outputs(), timeout_s=timeout_s, progress=update)
    return {
        "rejected": r.dlq_records,
        "duplicates_suppressed": r.duplicates_in_stream,
        "lake_records": r.lake_records,
        "warehouse_events": r.warehouse_events,
        "warehouse_ticket_sales": r.warehouse_ticket_sales,
        "held": r.held,
        "quality_rejected": r.quality_rejected,
        "reconciled": r.ok,
        "etl_executions": _etl_counts(rt.names.etl_state_machine),
        **latency(DataApiWarehouse(client("redshift-data"))),
    }


def _etl_counts(machine: str) -> dict[str, int]:
    """Executions of the ETL workflow per status (the newest 1,000)."""
    from functions.ops.workflows import WorkflowError, executions

    counts: dict[str, int] = {}
    try:
        for e in executions(client("stepfunctions"), machine, limit=1000):
            counts[e["status"]] = counts.get(e["status"], 0) + 1
    except WorkflowError:
        return {}
    return counts
