"""The Step Functions calls the platform makes (the workflows port), as a Protocol: the boto3
client (`mypy_boto3_stepfunctions.SFNClient`) is one, and so is the fake in
tests/fakes/stepfunctions.py. Arguments are typed as boto3-stubs types them; answers are read as
mappings (the fake's plain dicts are not the stubs' TypedDicts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.literals import ExecutionStatusType
    from mypy_boto3_stepfunctions.type_defs import PaginatorConfigTypeDef


class MachinePages(Protocol):
    """The pages of `list_state_machines`."""

    def paginate(self) -> Iterable[Mapping[str, Any]]:
        """Every page."""
        ...


class ExecutionPages(Protocol):
    """The pages of `list_executions`."""

    def paginate(
        self,
        *,
        stateMachineArn: str,
        statusFilter: ExecutionStatusType = ...,
        PaginationConfig: PaginatorConfigTypeDef = ...,
    ) -> Iterable[Mapping[str, Any]]:
        """The pages of one machine's executions."""
        ...


class HistoryPages(Protocol):
    """The pages of `get_execution_history`."""

    def paginate(self, *, executionArn: str) -> Iterable[Mapping[str, Any]]:
        """The pages of one execution's events."""
        ...


class StepFunctions(Protocol):
    """State machines and their executions: list, describe, start, redrive."""

    # In the order of SFNClient's overloads (mypy matches overloads in order).
    @overload
    def get_paginator(self, operation_name: Literal["get_execution_history"], /) -> HistoryPages: ...
    @overload
    def get_paginator(self, operation_name: Literal["list_executions"], /) -> ExecutionPages: ...
    @overload
    def get_paginator(self, operation_name: Literal["list_state_machines"], /) -> MachinePages: ...

    def list_executions(
        self, *, stateMachineArn: str, statusFilter: ExecutionStatusType = ..., maxResults: int = ...
    ) -> Mapping[str, Any]:
        """One page of a state machine's executions."""
        ...

    def describe_execution(self, *, executionArn: str) -> Mapping[str, Any]:
        """An execution's status, input and output."""
        ...

    def start_execution(
        self, *, stateMachineArn: str, name: str = ..., input: str = ...
    ) -> Mapping[str, Any]:
        """Start an execution."""
        ...

    def redrive_execution(self, *, executionArn: str) -> Mapping[str, Any]:
        """Redrive a failed execution from its failed state."""
        ...
