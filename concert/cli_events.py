"""`concert produce | query | reconcile | replay`: events into the stream, and what became of
them in the warehouse."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cloud.clients import client
from concert import cli_follow
from concert.cli_support import EXIT_FAILED, EXIT_REFUSED, EXIT_USAGE, CommandError, out, progress_bar
from concert.cli_support import emit as _emit
from concert.cli_support import runtime_of as _rt
from concert.runtime import Runtime


class Source(StrEnum):
    """Where `produce` takes events from."""

    synthetic = "synthetic"
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    xml = "xml"


def _events_from(
    source: Source,
    paths: list[Path],
    events: int | None,
    seed: int,
    file_reports: list[dict[str, Any]],
    second_source: float = 0.0,
) -> Iterable[Any]:
    """The events `produce` publishes: the synthetic workload, or the files' (their reports
    appended to `file_reports`)."""
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


def run_produce(
    rt: Runtime,
    items: Iterable[Any],
    *,
    total: int | None,
    rate: float | None,
    aggregate: bool,
    show: bool,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """Publish `items` to the events stream with a progress bar; the publisher's report."""
    from producers.pacing import publish_stream
    from producers.publisher import KinesisPublisher

    stream = rt.stream_name()
    publisher = KinesisPublisher(stream, rt.kinesis(), aggregate=aggregate)
    with progress_bar(show) as progress:
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
    result = run_produce(rt, items, total=total, rate=rate, aggregate=aggregate, show=not as_json)
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
        **run_produce(rt, records, total=len(records), rate=None, aggregate=False, show=not as_json),
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
