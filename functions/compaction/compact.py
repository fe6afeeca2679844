"""Task: merge one partition's files into one compacted file, then delete the merged ones."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq
from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import ClientError

from consumers.etl.compaction import compacted_key, merge
from functions.compaction import wiring

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = Logger(service="compaction")
tracer = Tracer(service="compaction")


def _read(s3: S3Client, bucket: str, key: str) -> Any:
    try:
        return pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    except ClientError as err:
        if err.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None  # merged and deleted by an earlier attempt
        raise


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: bucket, partition, sources. Output: the compacted file and its rows.

    The compacted file is written whole (one PutObject) before any source is deleted, and it
    holds every row of the sources once, so readers never miss a row.
    """
    s3 = wiring.parts().s3
    bucket, partition, sources = event["bucket"], event["partition"], event["sources"]
    tables = [t for t in (_read(s3, bucket, k) for k in sources) if t is not None]
    target = compacted_key(partition, sources)
    if not tables:
        return {"partition": partition, "key": target, "rows": 0, "merged": 0}
    merged = merge(tables)
    buf = io.BytesIO()
    pq.write_table(merged, buf, compression="zstd")
    s3.put_object(Bucket=bucket, Key=target, Body=buf.getvalue())
    stale = [k for k in sources if k != target]
    for i in range(0, len(stale), 1000):
        s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[i : i + 1000]], "Quiet": True}
        )
    logger.info(
        "partition compacted", extra={"partition": partition, "files": len(sources), "rows": merged.num_rows}
    )
    return {"partition": partition, "key": target, "rows": merged.num_rows, "merged": len(sources)}
