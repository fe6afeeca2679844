"""Step Functions for operators: state machines, executions, their history, start and redrive.

The same calls the AWS console makes (ListStateMachines, ListExecutions, GetExecutionHistory,
StartExecution, RedriveExecution). ministack has no RedriveExecution: there, a redrive starts
the execution again with the same input (`mode: restart`), which the ETL's idempotence makes
equivalent (a finished batch is skipped, a repeated MERGE changes nothing).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from consumers.step_functions import StepFunctions

_DETAIL_KEYS = (
    "stateEnteredEventDetails",
    "stateExitedEventDetails",
    "taskScheduledEventDetails",
    "taskFailedEventDetails",
    "executionFailedEventDetails",
    "lambdaFunctionFailedEventDetails",
)


class WorkflowError(ValueError):
    """A state machine or execution that does not exist, or a call Step Functions refused."""


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


def state_machines(sfn: StepFunctions) -> list[dict[str, Any]]:
    """Every state machine: name, ARN, type, created."""
    out = []
    for page in sfn.get_paginator("list_state_machines").paginate():
        for m in page["stateMachines"]:
            out.append(
                {
                    "name": m["name"],
                    "arn": m["stateMachineArn"],
                    "type": m.get("type"),
                    "created": _iso(m.get("creationDate")),
                }
            )
    return out


def machine_arn(sfn: StepFunctions, name_or_arn: str) -> str:
    """The ARN of a state machine given by name or ARN."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    for m in state_machines(sfn):
        if m["name"] == name_or_arn:
            return str(m["arn"])
    raise WorkflowError(f"no state machine named {name_or_arn!r}")


def executions(
    sfn: StepFunctions, machine: str, *, status: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest executions of a state machine with status, start, stop and duration."""
    args: dict[str, Any] = {"stateMachineArn": machine_arn(sfn, machine), "maxResults": min(limit, 1000)}
    if status:
        args["statusFilter"] = status
    out = []
    for e in sfn.list_executions(**args)["executions"][:limit]:
        start, stop = e.get("startDate"), e.get("stopDate")
        duration = (
            (stop - start).total_seconds()
            if isinstance(start, datetime) and isinstance(stop, datetime)
            else None
        )
        out.append(
            {
                "name": e["name"],
                "arn": e["executionArn"],
                "status": e["status"],
                "started": _iso(start),
                "stopped": _iso(stop),
                "duration_s": round(duration, 3) if duration is not None else None,
                "redrive_count": e.get("redriveCount", 0),
            }
        )
    return out


_NOT_OK = ("FAILED", "TIMED_OUT", "ABORTED")


def recent(sfn: StepFunctions, *, per_machine: int = 10, limit: int = 30) -> list[dict[str, Any]]:
    """The newest executions of every state machine, each with its machine's name: the failed,
    timed out and aborted first, then by start time, newest first (what an operator opens)."""
    out = []
    for m in state_machines(sfn):
        for e in executions(sfn, m["arn"], limit=per_machine):
            out.append({**e, "machine": m["name"]})
    out.sort(key=lambda e: e["started"] or "", reverse=True)
    out.sort(key=lambda e: e["status"] not in _NOT_OK)  # stable: failed first, each group newest first
    return out[:limit]


def execution_arn(sfn: StepFunctions, name_or_arn: str, machine: str) -> str:
    """The ARN of an execution given by ARN, or by name within a state machine."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    for e in executions(sfn, machine, limit=1000):
        if e["name"] == name_or_arn:
            return str(e["arn"])
    raise WorkflowError(f"no execution named {name_or_arn!r} of {machine}")


def history(sfn: StepFunctions, execution: str) -> list[dict[str, Any]]:
    """Every event of an execution, oldest first, with the state it concerns and any error."""
    out = []
    try:
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution)
        for page in pages:
            for ev in page["events"]:
                item: dict[str, Any] = {"id": ev["id"], "type": ev["type"], "at": _iso(ev.get("timestamp"))}
                for key in _DETAIL_KEYS:
                    detail = ev.get(key)
                    if detail:
                        if "name" in detail:
                            item["state"] = detail["name"]
                        for field in ("error", "cause", "resource"):
                            if detail.get(field):
                                item[field] = detail[field]
                out.append(item)
    except ClientError as err:
        raise WorkflowError(err.response["Error"].get("Message", str(err))) from None
    return out


def start(
    sfn: StepFunctions, machine: str, payload: dict[str, Any], name: str | None = None
) -> dict[str, Any]:
    """Start an execution with this input."""
    args: dict[str, Any] = {"stateMachineArn": machine_arn(sfn, machine), "input": json.dumps(payload)}
    if name:
        args["name"] = name
    resp = sfn.start_execution(**args)
    return {"arn": resp["executionArn"], "started": _iso(resp.get("startDate"))}


def redrive(sfn: StepFunctions, execution: str) -> dict[str, Any]:
    """Redrive a failed execution (from its failed state); where unsupported, restart it with its input."""
    desc = sfn.describe_execution(executionArn=execution)
    if desc["status"] not in ("FAILED", "TIMED_OUT", "ABORTED"):
        raise WorkflowError(
            f"execution is {desc['status']}: only a failed, timed-out or aborted one is redriven"
        )
    try:
        resp = sfn.redrive_execution(executionArn=execution)
        return {"mode": "redrive", "arn": execution, "redriven": _iso(resp.get("redriveDate"))}
    except ClientError as err:
        code = err.response["Error"].get("Code", "")
        if code not in (
            "UnknownOperationException",
            "InvalidAction",
            "UnrecognizedClientException",
            "NotImplemented",
        ):
            raise WorkflowError(err.response["Error"].get("Message", str(err))) from None
    name = f"{desc['name'][:60]}-redrive-{int(datetime.now().timestamp())}"
    started = start(sfn, desc["stateMachineArn"], json.loads(desc.get("input") or "{}"), name=name)
    return {"mode": "restart", "of": execution, **started}
