"""The upload-ingest Lambda handler with the real S3 sample event and in-memory fakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from functions.upload_ingest import handler, wiring
from functions.upload_ingest.settings import UploadIngestSettings
from producers.publisher import KinesisPublisher
from schemas import parse_event
from tests.fakes.clients import s3_client
from tests.fakes.kinesis import FakeKinesis
from tests.fakes.lambda_context import LambdaContext
from tests.fakes.s3 import MemoryS3

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _wire(monkeypatch: pytest.MonkeyPatch, s3: MemoryS3, kinesis: FakeKinesis, lanes: int = 4) -> None:
    """The handler's parts over the fakes, in place of `wiring.parts`."""
    monkeypatch.setenv("EVENTS_STREAM", "concert-events")
    monkeypatch.setenv("QUARANTINE_BUCKET", "quarantine")
    publisher = KinesisPublisher("concert-events", kinesis, lanes=lanes)
    parts = wiring.Parts(UploadIngestSettings(), s3_client(s3), publisher)
    monkeypatch.setattr(wiring, "parts", lambda: parts)


def test_upload_is_published_and_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = json.loads((FIXTURES / "aws" / "s3_put.json").read_text())
    s3 = MemoryS3(
        {("example-bucket", "uploads/march sales.csv"): (FIXTURES / "uploads" / "sales.csv").read_bytes()}
    )
    kinesis = FakeKinesis()
    _wire(monkeypatch, s3, kinesis)

    result = handler.handler(event, LambdaContext("concert-upload-ingest"))

    [report] = result["reports"]
    assert report["events"] == 3 and report["bad_rows"] == 7
    assert report["publish"]["accepted"] == 3
    stored = json.loads(s3.objects[("quarantine", "reports/uploads/march sales.csv.json")])
    assert [e["row"] for e in stored["errors"]] == [3, 4, 5, 6, 7, 8, 9]
    assert sorted(parse_event(d).data.sale_id for d in kinesis.all_data()) == [900001, 900002, 900007]  # type: ignore[union-attr]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [(m["Produced"], m["RowsRefused"]) for m in emf] == [([3.0], [7.0])], "the producer's EMF metrics"


def test_unsupported_upload_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    event = json.loads((FIXTURES / "aws" / "s3_put.json").read_text())
    event["Records"][0]["s3"]["object"]["key"] = "uploads/report.pdf"
    s3 = MemoryS3({("example-bucket", "uploads/report.pdf"): b"%PDF"})
    _wire(monkeypatch, s3, FakeKinesis())
    result = handler.handler(event, LambdaContext("concert-upload-ingest"))
    assert "unsupported file type" in result["reports"][0]["error"]


def test_settings_are_validated_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from functions.upload_ingest.settings import UploadIngestSettings

    monkeypatch.delenv("EVENTS_STREAM", raising=False)
    monkeypatch.setenv("QUARANTINE_BUCKET", "q")
    with pytest.raises(ValidationError, match="EVENTS_STREAM"):
        UploadIngestSettings()


def test_hostile_upload_is_streamed_in_batches_and_every_bad_row_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = b'{"event_type":"ConcertCancelled","concert_id":%d,"reason":"ok"}'
    rows = [good % n for n in range(1, 8)]
    rows[2] = b'{"event_type":"ConcertCancelled","concert_id":3,"concert_id":4,"reason":"ok"}'
    rows[4] = good % 5 + b"\xe2\x80\xa8" + b"x" * 2_000_000  # U+2028 then a row past the bound
    event = json.loads((FIXTURES / "aws" / "s3_put.json").read_text())
    event["Records"][0]["s3"]["object"]["key"] = "uploads/feed.jsonl"
    s3 = MemoryS3({("example-bucket", "uploads/feed.jsonl"): b"\n".join(rows) + b"\n"})
    kinesis = FakeKinesis()
    monkeypatch.setenv("PUBLISH_BATCH", "2")
    _wire(monkeypatch, s3, kinesis, lanes=1)

    [report] = handler.handler(event, LambdaContext("concert-upload-ingest"))["reports"]

    assert report["events"] == 5 and report["bad_rows"] == 2 and report["publish"]["accepted"] == 5
    assert report["publish"]["requests"] == 3, "five events published two at a time"
    stored = json.loads(s3.objects[("quarantine", "reports/uploads/feed.jsonl.json")])
    assert [(e["row"], e["reason"][:9]) for e in stored["errors"]] == [(3, "duplicate"), (5, "row is 20")]
    assert sorted(parse_event(d).data.concert_id for d in kinesis.all_data()) == [1, 2, 4, 6, 7]  # type: ignore[union-attr]
    etag = s3.etag("example-bucket", "uploads/feed.jsonl")
    assert s3.gets == [{}, {"IfMatch": etag}], "hashed, then parsed from the same object"
