"""`concert status`: where the platform runs, what is deployed, and the signals of the running
pipeline (gathered by `concert/status.py` over the clients made here)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.table import Table

from cloud.clients import client, endpoint_url
from concert.cli_support import emit as _emit
from concert.cli_support import out
from concert.cli_support import runtime_of as _rt
from concert.runtime import Runtime

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient


def _status(rt: Runtime, *, count_records: bool) -> dict[str, Any]:
    """The target, the local services (locally), the stack and its signals."""
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


def keep_count(rt: Runtime, *, budget_s: float) -> None:
    """Advance the kept stream count for at most `budget_s` (it resumes next time); best effort."""
    from concert.resumable_stream_count import count_stream

    stream = rt.stream_name()
    with contextlib.suppress(BotoCoreError, ClientError, OSError, KeyError):
        count_stream(rt.kinesis(), stream, _count_cache(rt, stream), timeout_s=budget_s)


def _status_signals(rt: Runtime, outputs: dict[str, str], *, count_records: bool) -> dict[str, Any]:
    """The deployed stack's signals (concert/status.py), over clients made here first."""
    from concert.resumable_stream_count import count_stream
    from concert.status import StatusClients, gather_signals
    from consumers.warehouse.client import DataApiWarehouse

    clients = StatusClients(
        kinesis=rt.kinesis(),
        sqs=client("sqs"),
        dynamodb=client("dynamodb"),
        stepfunctions=client("stepfunctions"),
        cloudwatch=client("cloudwatch"),
        warehouse=DataApiWarehouse(client("redshift-data")),
    )

    def counted(kinesis: KinesisClient, stream: str) -> dict[str, Any]:
        return count_stream(kinesis, stream, _count_cache(rt, stream), timeout_s=120)

    return gather_signals(
        clients, outputs, rt.names.dead_letter_queues, count_stream=counted if count_records else None
    )


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
