"""`concert`: run the platform locally or on AWS, produce events, and report on it.

Exit codes: 0 success; 1 an error, or events that could not be published; 2 a bad
argument; 3 some input rows were refused as invalid (the valid ones were published).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.exceptions import TyperException

from cloud.clients import CloudUnreachable, client, endpoint_url, explain
from cloud.local_cloud import LocalCloudError
from concert import cli_chat, cli_dashboard, cli_entities, cli_follow, cli_load, cli_ml
from concert.cli_support import EXIT_FAILED, EXIT_REFUSED, EXIT_USAGE, CommandError, err, out
from concert.cli_support import emit as _emit
from concert.cli_support import nullcontext as _nullcontext
from concert.cli_support import runtime_of as _rt
from concert.runtime import Runtime
from concert.settings import CliSettings
from infra.synth_cache import synthesize_cached

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Concert Data Platform: streams, lake, warehouse and workflows, locally or on AWS.",
)


MACHINE_HELP = "Name or ARN (default: the environment's ETL workflow, concert-etl by default)."


def _machine(ctx: typer.Context, machine: str | None) -> str:
    """The state machine a `workflows` command looks at: the one named, else the environment's ETL."""
    return machine or _rt(ctx).names.etl_state_machine


class Source(StrEnum):
    """Where `produce` takes events from."""

    synthetic = "synthetic"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    xml = "xml"


class Target(StrEnum):
    """Where `deploy` deploys to."""

    local = "local"
    aws = "aws"
    localstack = "localstack"


def _said(message: str) -> None:
    """A service start's progress (waiting for a busy one of ours), on stderr even with --json."""
    err.print(f"[yellow]{message}[/]")


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    )


@app.callback()
def _main(
    ctx: typer.Context,
    target: Annotated[
        Target | None, typer.Option(help="local (embedded ministack), aws or localstack.")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port of the local cloud (default 4566, or CONCERT_PORT).")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where local state lives (default .data/).")] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            help="Environment (infra/environments.toml): its stack and names. Default local, or dev "
            "with --target aws (or CONCERT_ENV).",
        ),
    ] = None,
) -> None:
    """Options shared by every command; settings also come from CONCERT_* variables."""
    overrides: dict[str, Any] = {}
    if target is not None:
        overrides["target"] = target.value
    if port is not None:
        overrides["port"] = port
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if env is not None:
        overrides["env"] = env
    ctx.obj = Runtime(_settings(overrides))
    ctx.obj.activate()


def _settings(overrides: dict[str, Any]) -> CliSettings:
    """The settings in force; an environment that is malformed or not defined in
    infra/environments.toml is a usage error (exit 2) before anything starts."""
    from pydantic import ValidationError

    from infra.environments import environments

    try:
        settings = CliSettings(**overrides)
    except ValidationError as exc:
        if not any(e["loc"] == ("env",) for e in exc.errors()):
            raise
        raise CommandError(
            f"--env: {exc.errors()[0]['msg'].removeprefix('Value error, ')}", EXIT_USAGE
        ) from None
    known = environments()
    if settings.environment not in known:
        raise CommandError(
            f"--env: environment {settings.environment!r} is not defined in infra/environments.toml "
            f"(defined: {', '.join(known)})",
            EXIT_USAGE,
        )
    return settings


# -- deploy ---------------------------------------------------------------------------------


def _deploy(rt: Runtime, *, show: bool, context: dict[str, str] | None = None) -> dict[str, Any]:
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


@app.command()
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
        rt.cloud.start(progress=_said)
    result = _deploy(rt, show=not as_json, context=pairs)
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


# -- produce --------------------------------------------------------------------------------


def _events_from(
    source: Source,
    paths: list[Path],
    events: int | None,
    seed: int,
    file_reports: list[dict[str, Any]],
    second_source: float = 0.0,
) -> Iterable[Any]:
    from producers.files import ingest_path
    from producers.synthetic import events_for

    if source is Source.synthetic:
        if paths:
            raise CommandError("--source synthetic takes no PATH", EXIT_USAGE)
        return events_for(events or 1_000, seed=seed, second_source=second_source)
    if second_source:
        raise CommandError("--second-source is for the synthetic workload", EXIT_USAGE)
    if not paths:
        raise CommandError(f"--source {source.value} needs at least one PATH", EXIT_USAGE)
    collected: list[Any] = []
    for path in paths:
        if not path.is_file():
            raise CommandError(f"{path}: no such file", EXIT_USAGE)
        result = ingest_path(path)
        if result.format != source.value:
            raise CommandError(f"{path}: is {result.format}, not {source.value}", EXIT_USAGE)
        file_reports.append(result.summary())
        collected.extend(result.events)
    return collected[:events] if events else collected


def _run_produce(
    rt: Runtime,
    items: Iterable[Any],
    *,
    total: int | None,
    rate: float | None,
    aggregate: bool,
    show: bool,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    from producers.pacing import publish_stream
    from producers.publisher import KinesisPublisher

    stream = rt.stream_name()
    publisher = KinesisPublisher(stream, rt.kinesis(), aggregate=aggregate)
    with _progress(show) as progress:
        task = progress.add_task("producing", total=total, info="")

        def on_chunk(report: Any, seen: int) -> None:
            rate_now = len(report.accepted) / report.elapsed_s if report.elapsed_s else 0
            progress.update(
                task,
                completed=seen,
                info=f"{len(report.accepted)} accepted, {len(report.refused) + len(report.failed)} "
                f"not, {rate_now:,.0f}/s",
            )

        report = publish_stream(
            publisher,
            items,
            rate=rate,
            on_chunk=on_chunk,
            should_stop=(stop.is_set if stop else lambda: False),
        )
    return {"stream": stream, "aggregate": aggregate, **report.summary()}


@app.command()
def produce(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files to ingest (for csv, json, jsonl, xml).")
    ] = None,
    source: Annotated[Source, typer.Option(help="synthetic, or a file format.")] = Source.synthetic,
    events: Annotated[
        int | None, typer.Option(min=1, help="How many events (synthetic: default 1000).")
    ] = None,
    rate: Annotated[
        float | None, typer.Option(min=0.1, help="Events per second (default: as fast as possible).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic workload (same seed, same events).")] = 42,
    aggregate: Annotated[
        bool, typer.Option(help="KPL-aggregate records (several events a Kinesis record).")
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="A live feed: sales drawn from the workload of --seed (and --events, as `up` made "
            "it) for the concerts the warehouse holds, timed now, at --rate (default 20/s) until "
            "Ctrl-C or --seconds, with a status line.",
        ),
    ] = False,
    seconds: Annotated[
        float | None, typer.Option(min=0.1, help="With --follow: stop after this many seconds.")
    ] = None,
    second_source: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="synthetic: this share of the artists and venues also published by a second source "
            "('feed', its own ids and spellings; about half their concerts name its ids), for entity "
            "resolution (`concert entities review`).",
        ),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Publish events to the events stream: synthetic, or from CSV/JSON/XML files (bad rows
    reported), or a live feed of sales (`--follow`)."""
    rt = _rt(ctx)
    if follow:
        if paths or source is not Source.synthetic:
            raise CommandError("--follow produces the synthetic live feed: no PATH or --source", EXIT_USAGE)
        from producers.synthetic import Spec, events_for, generate

        workload = list(events_for(events, seed=seed)) if events else generate(Spec(seed=seed)).events
        stop = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
        try:
            fed = cli_follow.follow(
                rt, rate=rate or 20.0, workload=workload, seconds=seconds, show=not as_json, stop=stop
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        _emit(
            fed,
            as_json,
            lambda d: out.print(
                f"[green]{d['accepted']} sales[/] in {d['seconds']} s into {d['stream']}; "
                f"refused {d['refused']}, failed {d['failed']}"
            ),
        )
        if fed["failed"]:
            raise typer.Exit(EXIT_FAILED)
        return
    file_reports: list[dict[str, Any]] = []
    items = _events_from(source, paths or [], events, seed, file_reports, second_source)
    total = events if source is Source.synthetic else len(items)  # type: ignore[arg-type]
    result = _run_produce(rt, items, total=total, rate=rate, aggregate=aggregate, show=not as_json)
    bad_rows = sum(f["bad_rows"] for f in file_reports)
    result = {"source": source.value, "files": file_reports, "bad_rows": bad_rows, **result}

    def render(d: dict[str, Any]) -> None:
        out.print(
            f"[green]{d['accepted']} accepted[/] into {d['stream']} in {d['elapsed_s']}s "
            f"({d['events_per_s']}/s); refused {d['refused']}, failed {d['failed']}"
        )
        for f in d["files"]:
            for e in f["errors"]:
                out.print(f"[yellow]{e['file']}: row {e['row']}: {e['reason']}[/]")
        for r in d["failures"]:
            out.print(f"[red]event {r['event_id']} not accepted: {r['reason']}[/]")

    _emit(result, as_json, render)
    if result["failed"]:
        raise typer.Exit(EXIT_FAILED)
    if result["refused"] or bad_rows:
        raise typer.Exit(EXIT_REFUSED)


# -- status ---------------------------------------------------------------------------------


# The promoted models' primary metrics (ml.models.SPECS, which imports scikit-learn: seconds
# that `concert status` does not spend; a unit test keeps the two equal).
MODEL_PRIMARY_METRICS = {
    "ticket_sales": "tickets.mae",
    "venue_popularity": "spearman",
    "recommendations": "ndcg_at_10",
}


def _promoted_models(dynamodb: Any, table: str) -> dict[str, dict[str, Any] | None]:
    """Per model, the promoted version and its primary test metric (None: not trained yet)."""
    from ml.registry_table import RegistryTable

    registry = RegistryTable(dynamodb, table)
    out: dict[str, dict[str, Any] | None] = {}
    for name, primary in MODEL_PRIMARY_METRICS.items():
        record = registry.current(name)
        if record is None:
            out[name] = None
            continue
        value: Any = record["metrics"]
        for part in primary.split("."):
            value = value[part]
        out[name] = {"version": record["version"], "primary": f"{primary} {float(value):.4f}"}
    return out


def _status(rt: Runtime, *, count_records: bool) -> dict[str, Any]:

    status: dict[str, Any] = {
        "target": rt.settings.target,
        "env": rt.settings.environment,
        "endpoint_url": endpoint_url(),
    }
    if rt.local:
        cloud = rt.cloud
        answering = cloud.healthy(timeout=5.0)
        pid = cloud.running_pid()
        status["local_cloud"] = {
            "running": answering or pid is not None,
            "answering": answering,
            "pid": pid,
            "port": cloud.port,
            "data_dir": str(cloud.data_dir),
        }
        status["warehouse_endpoint"] = {
            "running": rt.endpoint.healthy() or rt.endpoint.process.running_pid() is not None,
            "url": rt.endpoint.url,
        }
        worker_pid = rt.worker.process.running_pid()
        status["kcl_worker"] = {
            "running": worker_pid is not None,
            "pid": worker_pid,
            "log": str(rt.worker.process.log_file),
        }
        if not answering:  # stopped, or ours but too busy to answer: nothing more to ask it
            status["stack"] = None
            return status
    cfn = client("cloudformation")
    try:
        stack = cfn.describe_stacks(StackName=rt.names.stack)["Stacks"][0]
        status["stack"] = {"name": rt.names.stack, "status": stack["StackStatus"]}
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        status["stack"] = None
        return status
    status["resources"] = outputs
    status.update(_status_signals(rt, outputs, count_records=count_records))
    return status


def _count_cache(rt: Runtime, stream: str) -> Path:
    """Where the stream's count and read positions are kept between commands."""
    return rt.settings.data_dir / "stream-counts" / f"{rt.settings.target}-{rt.settings.port}-{stream}.json"


def _keep_count(rt: Runtime, *, budget_s: float) -> None:
    """Advance the kept stream count for at most `budget_s` (it resumes next time); best effort."""
    from concert.resumable_stream_count import count_stream

    stream = rt.stream_name()
    with contextlib.suppress(BotoCoreError, ClientError, OSError, KeyError):
        count_stream(rt.kinesis(), stream, _count_cache(rt, stream), timeout_s=budget_s)


def _status_signals(rt: Runtime, outputs: dict[str, str], *, count_records: bool) -> dict[str, Any]:
    """The stream, the DLQ, the live totals, the models and the health, asked concurrently
    (each is a few requests to a different service; clients are made first: making one is
    not thread-safe, using one is)."""
    from concurrent.futures import ThreadPoolExecutor

    from concert.resumable_stream_count import count_stream
    from consumers import pipeline_health
    from consumers.warehouse.client import DataApiWarehouse

    kinesis, sqs, dynamodb = rt.kinesis(), client("sqs"), client("dynamodb")
    sfn, cloudwatch, data_api = client("stepfunctions"), client("cloudwatch"), client("redshift-data")
    stream = outputs.get("EventsStreamName")

    def streams() -> dict[str, Any]:
        if not stream:
            return {}
        summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        info: dict[str, Any] = {
            "status": summary["StreamStatus"],
            "open_shards": summary.get("OpenShardCount"),
        }
        if count_records:
            info.update(count_stream(kinesis, stream, _count_cache(rt, stream), timeout_s=120))
        return {stream: info}

    def dlq_depth() -> int:
        attrs = sqs.get_queue_attributes(
            QueueUrl=outputs["DlqUrl"], AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    def live_totals() -> dict[str, int]:
        from concert.pipeline_checks import live_total

        return live_total(dynamodb, outputs["LiveAggregatesTableName"])

    def health() -> dict[str, Any]:
        warehouse = DataApiWarehouse(data_api)
        return pipeline_health.report(sqs, sfn, cloudwatch, warehouse, outputs, rt.names.dead_letter_queues)

    asks: dict[str, Callable[[], Any]] = {"streams": streams}
    if outputs.get("DlqUrl"):
        asks["dlq_depth"] = dlq_depth
    if outputs.get("LiveAggregatesTableName"):
        asks["live_totals"] = live_totals
    if outputs.get("ModelRegistryTableName"):
        asks["models"] = lambda: _promoted_models(dynamodb, outputs["ModelRegistryTableName"])
    asks["health"] = health
    with ThreadPoolExecutor(max_workers=len(asks)) as pool:
        futures = {key: pool.submit(ask) for key, ask in asks.items()}
        return {key: future.result() for key, future in futures.items()}


@app.command()
def status(
    ctx: typer.Context,
    count: Annotated[
        bool, typer.Option(help="Count the stream's records (reading only those added since the last count).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as one JSON object.")] = False,
) -> None:
    """Where the platform runs, what is deployed, and how many records the streams hold."""
    data = _status(_rt(ctx), count_records=count)

    def render(d: dict[str, Any]) -> None:
        table = Table(title="concert status", show_header=False)
        table.add_row("target", d["target"])
        table.add_row("endpoint", d["endpoint_url"])
        if "local_cloud" in d:
            lc = d["local_cloud"]
            state = "running" if lc["answering"] else "busy (not answering)" if lc["running"] else "stopped"
            table.add_row("local cloud", f"{state} on port {lc['port']}")
            table.add_row("warehouse", "running" if d["warehouse_endpoint"]["running"] else "stopped")
            table.add_row("KCL worker", "running" if d["kcl_worker"]["running"] else "stopped")
        table.add_row("stack", d["stack"]["status"] if d.get("stack") else "not deployed")
        for name, s in d.get("streams", {}).items():
            table.add_row(
                f"stream {name}",
                f"{s.get('events', '?')} events in {s.get('records', '?')} records, "
                f"{s['open_shards']} shards",
            )
        if "dlq_depth" in d:
            table.add_row("DLQ depth", str(d["dlq_depth"]))
        if "live_totals" in d:
            live = d["live_totals"]
            newest = live.get("newest_arrival_ms")
            age = f", newest counted event {time.time() - newest / 1000:,.1f} s ago" if newest else ""
            table.add_row(
                "live totals", f"{live.get('orders', 0)} orders, {live.get('tickets', 0)} tickets{age}"
            )
        if "health" in d:
            h = d["health"]
            unknown = h.get("unknown_signals") or []
            verdict = "[green]healthy[/]" if h["healthy"] else "[red]needs attention[/]"
            table.add_row("health", verdict + (f" (unknown here: {', '.join(unknown)})" if unknown else ""))
            for queue, depth in h["dead_letters"].items():
                table.add_row(f"dead letters {queue}", "absent" if depth is None else str(depth))
            for machine, c in h["workflows"].items():
                table.add_row(f"workflow {machine}", f"{c['failed']} failed, {c['running']} running")
            wh = h.get("warehouse", {})
            table.add_row(
                "warehouse",
                wh.get("error")
                or f"{wh.get('events', 0)} events, last load {wh.get('last_load') or 'never'}",
            )
            alarms = h.get("alarms", {})
            table.add_row(
                "alarms firing",
                ", ".join(h["alarms_firing"]) or "none"
                if alarms.get("evaluated", True)
                else f"[yellow]unknown[/]: {alarms.get('reason')}",
            )
        for name, m in d.get("models", {}).items():
            table.add_row(f"model {name}", f"{m['version']} ({m['primary']})" if m else "not trained")
        for k, v in d.get("resources", {}).items():
            table.add_row(k, v)
        out.print(table)

    _emit(data, as_json, render)


# -- up / down ------------------------------------------------------------------------------


@app.command()
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
    if rt.local:
        with (
            err.status(f"starting the local cloud on port {rt.settings.port}", spinner="dots")
            if show
            else _nullcontext()
        ):
            rt.cloud.start(progress=_said)
    deployed = _deploy(rt, show=show)
    if show:
        err.print(f"[green]deployed[/] {deployed['stack']} at {deployed['endpoint_url']}")
    if rt.local:
        with (
            err.status("starting the warehouse endpoint and the KCL worker", spinner="dots")
            if show
            else _nullcontext()
        ):
            rt.endpoint.start(rt.cloud.env(), progress=_said)
            rt.worker.start(rt.services_env(), rt.worker_settings(), progress=_said)
    board = cli_dashboard.try_link(rt, deployed["outputs"], hours=12)
    if show:
        err.print(  # soft wrap: the link is printed whole, whatever the terminal's width
            f"[bold green]dashboard:[/] {board['url']}" if board["url"] else f"[yellow]{board['error']}[/]",
            soft_wrap=True,
        )

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        workload = list(events_for(events, seed=seed)) if events else generate(Spec(seed=seed)).events
        if duplicates > len(workload):
            raise CommandError(
                f"--duplicates {duplicates} exceeds the {len(workload)} events produced", EXIT_USAGE
            )
        produced = _run_produce(
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
            if show:
                err.print("[bold]workload produced; the platform keeps running. Ctrl-C to stop.[/]")
            counted_at = 0.0
            while not stop.wait(0.5):
                if time.monotonic() - counted_at > 30:  # keeps `concert status` from reading a backlog
                    _keep_count(rt, budget_s=2)
                    counted_at = time.monotonic()
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
        _stop_local(rt)
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


@app.command()
def down(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Stop the local cloud started by `concert up` (its state is saved for the next start)."""
    rt = _rt(ctx)
    stopped = _stop_local(rt)
    _emit(
        {"stopped": stopped, "port": rt.settings.port},
        as_json,
        lambda d: out.print(
            "web server, worker, warehouse endpoint and local cloud stopped (state saved)"
            if d["stopped"]
            else "no local cloud of ours running"
        ),
    )


def _stop_local(rt: Runtime) -> bool:
    """Stop the web server, the worker, the warehouse endpoint and the local cloud, in that order."""
    rt.web.stop()
    rt.worker.stop()
    rt.endpoint.stop()
    return rt.cloud.stop()


def _wait_processed(rt: Runtime, *, show: bool, timeout_s: float) -> dict[str, Any]:
    from concert.pipeline_checks import latency, wait_processed
    from consumers.warehouse.client import DataApiWarehouse

    with _progress(show) as progress:
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


@app.command()
def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="One read-only SELECT, in Redshift SQL.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as one JSON object.")] = False,
) -> None:
    """Run a read-only SQL query on the warehouse through the Redshift Data API."""
    from concert.pipeline_checks import NotReadOnly, check_read_only
    from consumers.warehouse.client import DataApiWarehouse

    _rt(ctx)
    try:
        checked = check_read_only(sql)
    except NotReadOnly as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    rows = DataApiWarehouse(client("redshift-data")).query(checked)

    def render(d: dict[str, Any]) -> None:
        table = Table(show_header=True)
        for col in d["rows"][0] if d["rows"] else {}:
            table.add_column(col)
        for row in d["rows"]:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        out.print(table)
        out.print(f"{d['count']} rows")

    _emit({"rows": rows, "count": len(rows)}, as_json, render)


@app.command(name="reconcile")
def reconcile_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Produced vs lake vs warehouse vs DLQ; exits 1 on any difference."""
    from concert.pipeline_checks import reconcile_now

    rt = _rt(ctx)
    r = reconcile_now(rt.outputs()).summary()
    _emit(
        r,
        as_json,
        lambda d: out.print(
            ("[green]reconciled[/]" if d["ok"] else "[red]NOT reconciled[/]")
            + f": produced {d['produced_events']} (+{d['invalid_in_stream']} invalid, "
            f"{d['duplicates_in_stream']} duplicates), lake {d['lake_records']}, "
            f"warehouse {d['warehouse_events']}, dead letters {d['dlq_records']}, "
            f"held {d['held']}, landed and waiting for a load {d['pending_load']}, "
            f"waiting for a dimension {d['waiting_for_dimension']}, "
            f"missing from warehouse {d['missing_from_warehouse_count']}"
        ),
    )
    if not r["ok"]:
        raise typer.Exit(EXIT_FAILED)


class ReplaySource(StrEnum):
    """Where `replay` reads records from."""

    dlq = "dlq"
    lake = "lake"


@app.command()
def replay(
    ctx: typer.Context,
    source: Annotated[ReplaySource, typer.Option("--from", help="dlq (dead letters) or lake (raw zone).")],
    event_type: Annotated[str | None, typer.Option(help="Lake: only this event type.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (yyyy-mm-dd), inclusive.")] = None,
    until: Annotated[str | None, typer.Option(help="Until this date (yyyy-mm-dd), inclusive.")] = None,
    reason: Annotated[
        str | None, typer.Option(help="DLQ: only dead letters whose reason contains this.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Re-publish dead letters or raw lake records (events already loaded are not loaded again)."""
    from concert.replay import ReplayFilter, dead_records, lake_records

    rt = _rt(ctx)
    for value in (since, until):
        if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise CommandError(f"dates are yyyy-mm-dd, got {value!r}", EXIT_USAGE)
    flt = ReplayFilter(event_type, since, until, reason)
    bucket = rt.outputs()["LakeBucketName"]
    records = (dead_records if source is ReplaySource.dlq else lake_records)(client("s3"), bucket, flt)
    result = {
        "from": source.value,
        "selected": len(records),
        **_run_produce(rt, records, total=len(records), rate=None, aggregate=False, show=not as_json),
    }
    _emit(
        result,
        as_json,
        lambda d: out.print(
            f"replayed {d['accepted']} of {d['selected']} records from the {d['from']}; "
            f"still invalid {d['refused']}"
        ),
    )
    if result["failed"]:
        raise typer.Exit(EXIT_FAILED)


# -- bench ----------------------------------------------------------------------------------


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


class EventTime(StrEnum):
    """The event time of the events `bench load` and `bench dashboard` produce."""

    workload = "workload"  # the synthetic workload's own: a replay of history
    now = "now"  # stamped as sent, as a live feed is


@app.command()
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
            "seventh, eighth, ninth, tenth: held-out sets, each written after the last was tuned on)."
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
        names = [w.strip() for w in workloads.split(",") if w.strip()]
        _emit(cli_ml.bench_ml_suite(names, as_json=as_json), as_json, cli_ml.render_suite)
        return
    if suite is BenchSuite.ml:
        try:
            sizes = [int(s) for s in sales.split(",")]
        except ValueError:
            raise CommandError(
                f"--sales must be comma-separated integers, got {sales!r}", EXIT_USAGE
            ) from None
        if any(s < 2000 for s in sizes):
            raise CommandError("--sales: each size must be at least 2000", EXIT_USAGE)
        _emit(
            cli_ml.bench_ml(ctx, sales=sizes, requests=requests, api=api, as_json=as_json),
            as_json,
            cli_ml.render_bench,
        )
        return
    if suite is BenchSuite.load:
        try:
            ladder = [float(r) for r in rates.split(",")]
        except ValueError:
            raise CommandError(
                f"--rates must be comma-separated numbers, got {rates!r}", EXIT_USAGE
            ) from None
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
            ),
            as_json,
            cli_load.render,
        )
        return
    if suite is BenchSuite.dashboard:
        try:
            counts = [int(c) for c in clients.split(",")]
        except ValueError:
            raise CommandError(
                f"--clients must be comma-separated integers, got {clients!r}", EXIT_USAGE
            ) from None
        if not counts or any(not 1 <= c <= 5000 for c in counts):
            raise CommandError("--clients: each count must be between 1 and 5000", EXIT_USAGE)
        try:
            loads = [float(r) for r in load_rates.split(",") if r.strip()]
        except ValueError:
            raise CommandError(
                f"--load-rates must be comma-separated numbers, got {load_rates!r}", EXIT_USAGE
            ) from None
        if any(r <= 0 for r in loads):
            raise CommandError("--load-rates must be positive", EXIT_USAGE)
        with _bench_platform(rt, show=not as_json) as bench_rt:
            result = cli_dashboard.bench(
                bench_rt, samples=samples, clients=counts, load_rates=loads, load_seconds=load_seconds,
                progress=progress, live_feed=event_time is EventTime.now,
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

        started = rt.local and rt.cloud.start(progress=_said)
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
    _stop_local(bench)  # one left by an interrupted run
    shutil.rmtree(bench.settings.data_dir, ignore_errors=True)
    saved = dict(os.environ)
    os.environ.update({**bench.cloud.env(), **bench.endpoint.env()})
    try:
        if show:
            _said(f"benchmark platform: {bench.settings.data_dir} on port {bench.settings.port}")
        bench.cloud.start(progress=_said)
        _deploy(bench, show=show)
        bench.endpoint.start(bench.cloud.env(), progress=_said)
        bench.worker.start(bench.services_env(), bench.worker_settings(), progress=_said)
        yield bench
    finally:
        _stop_local(bench)
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
) -> dict[str, Any]:
    """The load ladder (and soak) on the platform, started here if needed; the chart written.
    With `live_feed` the events are stamped as sent (`producers.synthetic.as_live_feed`)."""
    from bench import load

    progress = err.print if show else None
    with _bench_platform(rt, show=show) as bench_rt:
        probes = cli_load.probes(bench_rt, live_feed=live_feed)
        warm = time.time()  # warm-up: the worker holds its leases before the clock starts
        # Fresh seeds each run: events of a seed loaded by an earlier run are duplicates that
        # the platform rightly keeps once, and they would never count as arriving again.
        seeds = int(time.time()) % 100_000 * 100 + 100_000
        probes.publish(200, 200, seeds - 1, lambda _n: None)
        deadline = time.monotonic() + drain
        while probes.loaded(warm) < 200 and time.monotonic() < deadline:
            time.sleep(1)
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


# -- workflows ------------------------------------------------------------------------------

workflows_app = typer.Typer(
    no_args_is_help=True, help="Step Functions workflows: list, executions, history, start, redrive."
)
app.add_typer(workflows_app, name="workflows")


def _sfn_call(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from functions.ops.workflows import WorkflowError

    try:
        return fn()
    except WorkflowError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


@workflows_app.command("list")
def workflows_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """The deployed state machines."""
    from functions.ops.workflows import state_machines

    data = {"state_machines": state_machines(client("stepfunctions"))}

    def render(d: dict[str, Any]) -> None:
        table = Table(title="state machines")
        for col in ("name", "type", "created"):
            table.add_column(col)
        for m in d["state_machines"]:
            table.add_row(m["name"], str(m["type"]), str(m["created"]))
        out.print(table)

    _emit(data, as_json, render)


@workflows_app.command("executions")
def workflows_executions(
    ctx: typer.Context,
    machine: Annotated[str | None, typer.Option("--state-machine", help=MACHINE_HELP)] = None,
    status: Annotated[
        str | None, typer.Option(help="RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Executions of a state machine with their status and duration."""
    from functions.ops.workflows import executions

    allowed = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}
    if status is not None and status.upper() not in allowed:
        raise CommandError(f"--status must be one of {', '.join(sorted(allowed))}", EXIT_USAGE)
    sfn, machine_ = client("stepfunctions"), _machine(ctx, machine)
    items = _sfn_call(
        lambda: {
            "executions": executions(sfn, machine_, status=status.upper() if status else None, limit=limit)
        }
    )
    counts: dict[str, int] = {}
    for e in items["executions"]:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    data = {"state_machine": machine_, "counts": counts, **items}

    def render(d: dict[str, Any]) -> None:
        table = Table(title=f"executions of {d['state_machine']}")
        for col in ("name", "status", "started", "duration (s)"):
            table.add_column(col)
        for e in d["executions"]:
            table.add_row(e["name"], e["status"], str(e["started"]), str(e["duration_s"]))
        out.print(table)

    _emit(data, as_json, render)


@workflows_app.command("history")
def workflows_history(
    ctx: typer.Context,
    execution: Annotated[str, typer.Argument(help="Execution ARN, or name with --state-machine.")],
    machine: Annotated[str | None, typer.Option("--state-machine", help=MACHINE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Every event of one execution: states entered and exited, tasks, retries, failures."""
    from functions.ops.workflows import execution_arn, history

    sfn, machine_ = client("stepfunctions"), _machine(ctx, machine)
    data = _sfn_call(
        lambda: {"execution": (arn := execution_arn(sfn, execution, machine_)), "events": history(sfn, arn)}
    )

    def render(d: dict[str, Any]) -> None:
        table = Table(title=d["execution"])
        for col in ("id", "type", "state", "error"):
            table.add_column(col)
        for e in d["events"]:
            table.add_row(str(e["id"]), e["type"], e.get("state", ""), e.get("error", ""))
        out.print(table)

    _emit(data, as_json, render)


@workflows_app.command("start")
def workflows_start(
    ctx: typer.Context,
    payload: Annotated[str, typer.Option("--input", help="The execution's input, a JSON object.")] = "{}",
    machine: Annotated[str | None, typer.Option("--state-machine", help=MACHINE_HELP)] = None,
    name: Annotated[str | None, typer.Option(help="Execution name (default: generated).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Start an execution by hand (the ETL normally starts on CuratedBatchLanded events)."""
    from functions.ops.workflows import start

    try:
        parsed = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise CommandError(f"--input is not JSON: {exc.msg} at column {exc.colno}", EXIT_USAGE) from None
    if not isinstance(parsed, dict):
        raise CommandError("--input must be a JSON object", EXIT_USAGE)
    sfn, machine_ = client("stepfunctions"), _machine(ctx, machine)
    data = _sfn_call(lambda: start(sfn, machine_, parsed, name))
    _emit(data, as_json, lambda d: out.print(f"started {d['arn']}"))


@workflows_app.command("redrive")
def workflows_redrive(
    ctx: typer.Context,
    execution: Annotated[str, typer.Argument(help="Execution ARN, or name with --state-machine.")],
    machine: Annotated[str | None, typer.Option("--state-machine", help=MACHINE_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Redrive a failed execution from where it failed (locally: start it again with its input)."""
    from functions.ops.workflows import execution_arn, redrive

    sfn, machine_ = client("stepfunctions"), _machine(ctx, machine)
    data = _sfn_call(lambda: redrive(sfn, execution_arn(sfn, execution, machine_)))
    _emit(data, as_json, lambda d: out.print(f"{d['mode']}: {d['arn']}"))


# -- machine learning (concert/cli_ml.py) ----------------------------------------------------

app.command()(cli_chat.ask)
app.command()(cli_dashboard.dashboard)
app.command()(cli_ml.train)
app.command()(cli_ml.recommend)
app.add_typer(cli_ml.predict_app, name="predict")
app.add_typer(cli_ml.venues_app, name="venues")
app.add_typer(cli_entities.entities_app, name="entities")


# -- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error is one line on stderr and an exit code, never a traceback."""
    try:
        code = app(args=argv, standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:  # Ctrl-C outside the commands that handle it
        print("concert: aborted", file=sys.stderr)
        if "jsii" in sys.modules:
            # The CDK synthesizer's Node process got the Ctrl-C too: its exit handler would write
            # to the dead process and print a BrokenPipeError traceback. Leave without it.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130
    except TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message(), file=sys.stderr)
            return EXIT_USAGE
        ctx = getattr(exc, "ctx", None)
        cmd = ctx.command_path if ctx is not None else "concert"
        message = " ".join(exc.format_message().split())
        print(f"{cmd}: error: {message} (see `{cmd} --help`)", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"concert: error: {exc}", file=sys.stderr)
        return exc.code
    except (BotoCoreError, ClientError, CloudUnreachable) as exc:
        print(f"concert: error: {explain(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except (LocalCloudError, OSError, ValueError, RuntimeError) as exc:
        print(f"concert: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
