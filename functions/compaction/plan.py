"""Task: which of the updated batch's partitions crossed the file count, and their files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer

from consumers.etl.compaction import batch_of, plan
from functions.compaction import wiring

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = Logger(service="compaction")
tracer = Tracer(service="compaction")


def _keys(s3: S3Client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the warehouse.updated event. Output: the partitions to compact, with their files.

    An operator may start it by hand with `min_files` in the detail to compact sooner.
    """
    parts = wiring.parts()
    detail = event["detail"]
    bucket = detail["bucket"]
    min_files = int(detail.get("min_files") or parts.settings.min_files)
    work = []
    for partition in detail.get("partitions", []):
        keys = _keys(parts.s3, bucket, partition)
        loaded = parts.warehouse.loaded_batches({b for k in keys if (b := batch_of(k)) is not None})
        sources = plan(keys, loaded, min_files)
        if sources:
            work.append({"bucket": bucket, "partition": partition, "sources": sources})
    logger.info("compaction planned", extra={"batch_id": detail.get("batch_id"), "partitions": len(work)})
    return {"partitions": work}
