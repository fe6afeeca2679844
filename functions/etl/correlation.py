"""Correlation ids through the ETL: every task logs the batch id and the execution id (the
Batch state puts `$$.Execution.Id` next to the batch) and hands the execution id on, and the
ledger row of a loaded batch names the execution that loaded it. With the warehouse's
`event_log.batch_id`, an event is traced from its id to its batch, its execution and back."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger


def tag(logger: Logger, event: dict[str, Any]) -> str | None:
    """Add batch_id and execution to every log line of this invocation; the execution id."""
    execution = event.get("execution")
    logger.append_keys(batch_id=event.get("batch", {}).get("batch_id"), execution=execution)
    return str(execution) if execution else None


def carry(event: dict[str, Any], output: dict[str, Any]) -> dict[str, Any]:
    """The task's output with the execution id handed on to the next state."""
    return {**output, "execution": event["execution"]} if event.get("execution") else output
