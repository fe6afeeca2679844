"""S3 upload → events: an object created under `uploads/` is parsed, its good rows published,
and a report (row errors and publish failures) written to the quarantine bucket.

Thin handler: parse the S3 notification, stream the object through `iter_events` (read
twice: once to hash it for the event ids, once to parse it), publish the events in batches
as they come, so memory is one batch and one row whatever the upload's size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from functions.upload_ingest import wiring
from functions.upload_ingest.wiring import Parts
from producers.file_io import Readable
from producers.files import IngestResult, UnsupportedFormat, detect_format, iter_events
from schemas import Envelope

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = Logger(service="upload-ingest")
tracer = Tracer(service="upload-ingest")
metrics = Metrics(namespace="ConcertDataPlatform", service="upload-ingest")
_COUNTS = ("accepted", "refused", "failed", "requests", "retried_entries", "records_put", "bytes_put")


def _opener(s3: S3Client, bucket: str, key: str) -> Callable[[], Readable]:
    """Open the object's body as a stream; a later opening must find the same object (If-Match)."""
    etag: list[str] = []

    def open_stream() -> Readable:
        obj = (
            s3.get_object(Bucket=bucket, Key=key, IfMatch=etag[0])
            if etag
            else s3.get_object(Bucket=bucket, Key=key)
        )
        if not etag and obj.get("ETag"):
            etag.append(obj["ETag"])
        body: Readable = obj["Body"]
        return body

    return open_stream


def _publish(parts: Parts, events: Iterator[Envelope[Any]]) -> dict[str, Any]:
    """Publish in batches of `publish_batch` (only one held); one summary of them all."""
    total: dict[str, Any] = dict.fromkeys(_COUNTS, 0) | {"elapsed_s": 0.0, "refusals": [], "failures": []}
    offset = 0
    while batch := list(islice(events, parts.settings.publish_batch)):
        part = parts.publisher.publish(batch).summary()
        for name in _COUNTS:
            total[name] += part[name]
        total["elapsed_s"] = round(total["elapsed_s"] + part["elapsed_s"], 3)
        for name in ("refusals", "failures"):
            more = [{**r, "index": r["index"] + offset} for r in part[name]]
            total[name] = (total[name] + more)[:20]
        offset += len(batch)
    total["events_per_s"] = round(total["accepted"] / total["elapsed_s"], 1) if total["elapsed_s"] else None
    return total


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Ingest every uploaded object named in the S3 notification; return one report per object."""
    parts = wiring.parts()
    reports = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        try:
            result = IngestResult(file=key, format=detect_format(key))
        except UnsupportedFormat as err:
            report: dict[str, Any] = {"file": key, "error": str(err)}
        else:
            events = iter_events(
                _opener(parts.s3, bucket, key), result, size=record["s3"]["object"].get("size")
            )
            published = _publish(parts, events)
            report = {**result.summary(), "publish": published}
            metrics.add_metric(name="Produced", unit=MetricUnit.Count, value=published["accepted"])
            metrics.add_metric(name="ProduceFailed", unit=MetricUnit.Count, value=published["failed"])
            metrics.add_metric(name="RowsRefused", unit=MetricUnit.Count, value=result.bad_rows)
        report_key = f"reports/{key}.json"
        parts.s3.put_object(
            Bucket=parts.settings.quarantine_bucket,
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
