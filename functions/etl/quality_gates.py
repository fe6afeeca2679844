"""Task: run the data-quality gates on the batch's curated files."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from aws_lambda_powertools import Logger, Tracer

from consumers.etl.manifest import parse_manifest
from consumers.etl.quality import check_batch
from consumers.warehouse.client import DataApiWarehouse
from functions.etl.correlation import carry, tag
from functions.etl.settings import EtlSettings

settings = EtlSettings()
logger = Logger(service="etl")
tracer = Tracer(service="etl")
s3 = boto3.client("s3")
warehouse = DataApiWarehouse(boto3.client("redshift-data"))


def _read(bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the batch. Output: the batch and its quality report."""
    batch = event["batch"]
    tag(logger, event)
    tables: dict[str, pa.Table] = {}
    promised: dict[str, int] = {}
    for table, key in batch["manifests"].items():
        entries = parse_manifest(table, _read(batch["bucket"], key))
        promised[table] = sum(e.rows for e in entries)
        parts = [pq.read_table(io.BytesIO(_read(e.bucket, e.key))) for e in entries]
        tables[table] = pa.concat_tables(parts) if parts else pa.table({})
    report = check_batch(batch["batch_id"], tables, promised, warehouse.known_concerts)
    logger.info(
        "quality gates",
        extra={"batch_id": batch["batch_id"], "passed": report.passed, "failed": len(report.failures())},
    )
    return carry(event, {"batch": batch, "quality": report.to_dict()})
