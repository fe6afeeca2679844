"""Task: a batch failed its manifest check or a quality gate: write the report, mark it rejected."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer

from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.load_sql import ledger_statements
from functions.etl.correlation import carry, tag
from functions.etl.settings import EtlSettings

settings = EtlSettings()
logger = Logger(service="etl")
tracer = Tracer(service="etl")
s3 = boto3.client("s3")
warehouse = DataApiWarehouse(boto3.client("redshift-data"))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the batch with its problems or quality report. Output: where the report is."""
    batch = event["batch"]
    tag(logger, event)
    report = event.get("quality") or {
        "batch_id": batch["batch_id"],
        "passed": False,
        "problems": event.get("problems"),
    }
    key = f"{settings.quality_prefix}{batch['batch_id']}.json"
    s3.put_object(
        Bucket=batch["bucket"],
        Key=key,
        Body=json.dumps(report, indent=1).encode(),
        ContentType="application/json",
    )
    failed = [g for g in report.get("gates", []) if not g.get("ok")] or report.get("problems") or []
    warehouse.batch(ledger_statements(batch["batch_id"], "rejected", 0, json.dumps(failed)[:4000]))
    logger.warning("batch rejected", extra={"batch_id": batch["batch_id"], "report": key})
    return carry(event, {"batch": batch, "report": f"s3://{batch['bucket']}/{key}", "failed": failed})
