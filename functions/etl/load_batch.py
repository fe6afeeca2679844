"""Task: load the batch (staging, COPY, MERGE, aggregates) and record it in the ledger, in one transaction."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer

from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.load_sql import ledger_statements, load_statements
from functions.etl.correlation import carry, tag
from functions.etl.settings import EtlSettings

settings = EtlSettings()
logger = Logger(service="etl")
tracer = Tracer(service="etl")
warehouse = DataApiWarehouse(boto3.client("redshift-data"))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the batch. Output: the batch and the rows loaded. MERGE makes a repeat change nothing."""
    batch = event["batch"]
    execution = tag(logger, event)
    rows = int(sum(batch.get("rows", {}).values()))
    sqls = load_statements(batch["manifests"], bucket=batch["bucket"], iam_role=warehouse.settings.iam_role)
    report = json.dumps({"execution": execution}) if execution else ""
    warehouse.batch(sqls + ledger_statements(batch["batch_id"], "loaded", rows, report))
    logger.info("batch loaded", extra={"batch_id": batch["batch_id"], "rows": rows})
    return carry(event, {"batch": batch, "rows_loaded": rows})
