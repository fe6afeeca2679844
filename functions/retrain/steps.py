"""The retraining workflow's task functions (state_machines/retrain.asl.json), one handler per
step, each a thin call into ml.retraining. The adapters are built once per container."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer

from functions.retrain.settings import parts
from ml import retraining

logger = Logger(service="retrain")
tracer = Tracer(service="retrain")
parts()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Which models to train now (enough new sales, drift, or asked for), each claimed."""
    return retraining.check(parts(), event, owner=event.get("execution") or context.aws_request_id)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def extract(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Write the warehouse rows as the version's training channel in S3."""
    return retraining.extract(parts(), event)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def train(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Train in-process (script mode) and archive the model where SageMaker puts its own."""
    return retraining.train(parts(), event)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def evaluate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Score the current model on the candidate's holdout; decide on promotion."""
    return retraining.evaluate(parts(), event)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def register(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record the version (metrics, lineage) and promote it if the gate said so."""
    return retraining.register(parts(), event)


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def failed(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record why a model's training failed and free its claim."""
    return retraining.failed(parts(), event)
