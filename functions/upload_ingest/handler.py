"""S3 upload → events: an object created under `uploads/` is parsed, its good rows published,
and a report (row errors and publish failures) written to the quarantine bucket.

Thin handler: parse the S3 notification, call `ingest_bytes`, publish, return the report.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from functions.upload_ingest.settings import UploadIngestSettings
from producers.files import UnsupportedFormat, ingest_bytes
from producers.publisher import KinesisPublisher

logger = Logger(service="upload-ingest")
tracer = Tracer(service="upload-ingest")
metrics = Metrics(namespace="ConcertDataPlatform", service="upload-ingest")
settings = UploadIngestSettings()
_s3 = boto3.client("s3")
_publisher = KinesisPublisher(settings.events_stream, boto3.client("kinesis"))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Ingest every uploaded object named in the S3 notification; return one report per object."""
    reports = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        body = _s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            result = ingest_bytes(body, key)
        except UnsupportedFormat as err:
            report: dict[str, Any] = {"file": key, "error": str(err)}
        else:
            published = _publisher.publish(result.events)
            report = {**result.summary(), "publish": published.summary()}
            metrics.add_metric(name="Produced", unit=MetricUnit.Count, value=len(published.accepted))
            metrics.add_metric(name="ProduceFailed", unit=MetricUnit.Count, value=len(published.failed))
            metrics.add_metric(
                name="RowsRefused", unit=MetricUnit.Count, value=int(report.get("bad_rows") or 0)
            )
        report_key = f"reports/{key}.json"
        _s3.put_object(
            Bucket=settings.quarantine_bucket,
            Key=report_key,
            Body=json.dumps(report).encode(),
            ContentType="application/json",
        )
        logger.info(
            "upload ingested",
            extra={
                "file": key,
                "events": report.get("events"),
                "bad_rows": report.get("bad_rows"),
                "report": report_key,
            },
        )
        reports.append({k: v for k, v in report.items() if k != "errors"} | {"report": report_key})
    return {"reports": reports}
