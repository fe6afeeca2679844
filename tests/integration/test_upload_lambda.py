"""An upload to the raw bucket runs the deployed Lambda: good rows reach the stream, bad rows a report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from cloud.clients import client
from concert.stream_stats import read_stream
from producers.files import ingest_path
from schemas import InvalidEvent, parse_event
from tests.conftest import Platform

UPLOADS = Path(__file__).parent.parent / "fixtures" / "uploads"


def _valid(payload: bytes) -> Any:
    try:
        return parse_event(payload)
    except InvalidEvent:
        return None


def _wait_for_object(bucket: str, key: str, timeout_s: float = 60) -> bytes:
    s3 = client("s3")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]
        except ClientError:
            if time.monotonic() > deadline:
                raise AssertionError(f"s3://{bucket}/{key} did not appear within {timeout_s}s") from None
            time.sleep(0.2)


def test_csv_upload_is_ingested_by_the_lambda(aws_env: Platform) -> None:
    outputs = aws_env.outputs
    content = (UPLOADS / "sales.csv").read_bytes()
    client("s3").put_object(Bucket=outputs["RawBucketName"], Key="uploads/it/sales.csv", Body=content)

    report = json.loads(
        _wait_for_object(outputs["QuarantineBucketName"], "reports/uploads/it/sales.csv.json")
    )

    assert report["events"] == 3 and report["publish"]["accepted"] == 3
    assert [e["row"] for e in report["errors"]] == [3, 4, 5, 6, 7, 8, 9]
    expected = {str(e.event_id) for e in ingest_path(UPLOADS / "sales.csv").events}
    seen = [
        str(event.event_id)
        for p in read_stream(client("kinesis"), outputs["EventsStreamName"], keep_payloads=True).payloads
        if (event := _valid(p)) is not None  # the session's stream also holds other tests' garbage
    ]
    assert all(seen.count(eid) == 1 for eid in expected)
