"""An in-memory Step Functions (the `StepFunctions` port of consumers/step_functions.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

ETL_ARN = "arn:aws:states:us-east-1:1:stateMachine:concert-etl"


class _Pages:
    def __init__(self, pages: Callable[..., list[dict[str, Any]]]) -> None:
        self.pages = pages

    def paginate(self, **kwargs: Any) -> Iterable[dict[str, Any]]:
        return self.pages(**kwargs)


class MemoryStepFunctions:
    """State machines by name (`machines`: name -> ARN) with their executions.

    `describe_execution` answers `described[arn]` (default: RUNNING); while `running` is above
    zero it answers RUNNING and counts down, as a workflow still working would. Started
    executions' inputs are kept in `inputs`, every described ARN in `asked`.
    """

    def __init__(
        self, machines: dict[str, str] | None = None, *, final: dict[str, Any] | None = None, running: int = 0
    ) -> None:
        self.machines = dict(machines or {})
        self.executions: dict[str, list[dict[str, Any]]] = {arn: [] for arn in self.machines.values()}
        self.described: dict[str, dict[str, Any]] = {}
        self.final: dict[str, Any] = {"status": "RUNNING"} if final is None else final
        self.running = running
        self.inputs: list[Any] = []
        self.asked: list[str] = []
        self.redriven: list[str] = []

    def add(self, machine_arn: str, name: str, status: str, started: datetime | None = None) -> str:
        """Record an execution of `machine_arn`; its ARN."""
        arn = f"{machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        self.executions.setdefault(machine_arn, []).append(
            {
                "name": name,
                "executionArn": arn,
                "status": status,
                "startDate": started or datetime.now(UTC),
                "stateMachineArn": machine_arn,
            }
        )
        return arn

    def _listed(
        self, stateMachineArn: str, statusFilter: str | None = None, **_: Any
    ) -> list[dict[str, Any]]:
        return [e for e in self.executions.get(stateMachineArn, []) if statusFilter in (None, e["status"])]

    def get_paginator(self, operation_name: Any, /) -> _Pages:
        """Pages of the state machines or of one machine's executions (one page each)."""
        if operation_name == "list_state_machines":
            machines = [
                {"name": n, "stateMachineArn": a, "type": "STANDARD"} for n, a in self.machines.items()
            ]
            return _Pages(lambda **_: [{"stateMachines": machines}])
        if operation_name == "list_executions":
            return _Pages(lambda **kw: [{"executions": self._listed(**kw)}])
        raise NotImplementedError(operation_name)

    def list_executions(self, **kwargs: Any) -> dict[str, Any]:
        """A machine's executions (filtered by `statusFilter`), up to `maxResults`."""
        return {"executions": self._listed(**kwargs)[: kwargs.get("maxResults", 1000)]}

    def describe_execution(self, *, executionArn: str) -> dict[str, Any]:
        """The execution's status (RUNNING while `running` counts down)."""
        self.asked.append(executionArn)
        if self.running > 0:
            self.running -= 1
            return {"status": "RUNNING"}
        return self.described.get(executionArn, self.final)

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        """Keep the input; the new execution's ARN."""
        self.inputs.append(json.loads(kwargs.get("input") or "{}"))
        arn = kwargs.get("stateMachineArn", ETL_ARN)
        return {"executionArn": self.add(arn, kwargs.get("name") or "x", "RUNNING")}

    def redrive_execution(self, *, executionArn: str) -> dict[str, Any]:
        """Note the redrive."""
        self.redriven.append(executionArn)
        return {"redriveDate": datetime.now(UTC)}


def etl_with_failures(failed: int) -> MemoryStepFunctions:
    """The ETL state machine with `failed` failed executions."""
    sfn = MemoryStepFunctions({"concert-etl": ETL_ARN})
    for n in range(failed):
        sfn.add(ETL_ARN, f"failed-{n}", "FAILED")
    return sfn
