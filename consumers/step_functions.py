"""The Step Functions calls the platform makes (the workflows port), as a Protocol: the boto3
client is one (no boto3-stubs package for Step Functions is installed), and so is the fake in
tests/fakes/stepfunctions.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class Pages(Protocol):
    """A boto3 paginator."""

    def paginate(self, **kwargs: Any) -> Iterable[dict[str, Any]]:
        """The pages of one listing."""
        ...


class StepFunctions(Protocol):
    """State machines and their executions: list, describe, start, redrive."""

    def get_paginator(self, operation_name: Any, /) -> Pages:
        """Pages of `list_state_machines`, `list_executions` or `get_execution_history`."""
        ...

    def list_executions(self, **kwargs: Any) -> Any:
        """One page of a state machine's executions."""
        ...

    def describe_execution(self, *, executionArn: str) -> Any:
        """An execution's status, input and output."""
        ...

    def start_execution(self, **kwargs: Any) -> Any:
        """Start an execution."""
        ...

    def redrive_execution(self, *, executionArn: str) -> Any:
        """Redrive a failed execution from its failed state."""
        ...
