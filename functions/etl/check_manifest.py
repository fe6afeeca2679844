"""Task: is the batch already finished (ledger), and are its manifests and files all there?"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import ClientError

from consumers.etl.manifest import check_manifests
from consumers.warehouse.client import DataApiWarehouse
from functions.etl.correlation import carry, tag
from functions.etl.settings import EtlSettings

settings = EtlSettings()
logger = Logger(service="etl")
tracer = Tracer(service="etl")
s3 = boto3.client("s3")
warehouse = DataApiWarehouse(boto3.client("redshift-data"))


def _body(bucket: str, key: str) -> bytes | None:
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError:
        return None


def _size(bucket: str, key: str) -> int | None:
    try:
        return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    except ClientError:
        return None


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the CuratedBatchLanded event's detail. Output: the batch, finished status, problems."""
    batch = event["batch"]
    tag(logger, event)
    finished = warehouse.batch_status(batch["batch_id"])
    check = check_manifests({t: _body(batch["bucket"], k) for t, k in batch["manifests"].items()}, _size)
    promised = check.rows()
    problems = list(check.problems)
    for table, rows in batch.get("rows", {}).items():
        if promised.get(table, 0) != rows:
            problems.append(f"{table}: event says {rows} rows, manifest {promised.get(table, 0)}")
    logger.info(
        "manifest checked", extra={"batch_id": batch["batch_id"], "problems": problems, "finished": finished}
    )
    return carry(
        event, {"batch": batch, "finished": finished, "manifest_ok": not problems, "problems": problems}
    )
