"""`concert workflows list | executions | history | start | redrive`: the Step Functions
workflows, for operators."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from cloud.clients import client
from concert.cli_support import EXIT_USAGE, CommandError, out
from concert.cli_support import emit as _emit
from concert.cli_support import runtime_of as _rt

MACHINE_HELP = "Name or ARN (default: the environment's ETL workflow, concert-etl by default)."


def _machine(ctx: typer.Context, machine: str | None) -> str:
    """The state machine a `workflows` command looks at: the one named, else the environment's ETL."""
    return machine or _rt(ctx).names.etl_state_machine


workflows_app = typer.Typer(
    no_args_is_help=True, help="Step Functions workflows: list, executions, history, start, redrive."
)


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
