"""Peak memory of ingesting a 50 MB upload through the upload-ingest handler, before and after.

A throwaway measurement, not a test: `python -m bench.uploads_memory [--mb 50]` writes a CSV
and a JSON Lines file of valid TicketSold rows to a temp dir, then runs each in a fresh
subprocess through the handler (S3 served from the file, Kinesis answering every put) and
reports the subprocess's peak RSS. "before" runs the committed `producers/files.py`
(`git show HEAD:...`) the way the committed handler did: read the whole body, parse it, then
publish the list of events.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from unittest import mock

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "event_type,occurred_at,sale_id,concert_id,customer_id,tier,quantity,"
    "unit_price.amount,unit_price.currency,channel\n"
)


def _row(i: int, fmt: str) -> str:
    ids = (i, i % 997 + 1, i % 50_000 + 1)
    if fmt == "csv":
        return "TicketSold,2026-03-01T19:02:11Z,{},{},{},floor,2,89.99,USD,web\n".format(*ids)
    row = {"event_type": "TicketSold", "occurred_at": "2026-03-01T19:02:11Z", "tier": "floor", "quantity": 2}
    row |= dict(zip(("sale_id", "concert_id", "customer_id"), ids, strict=True))
    return json.dumps(row | {"unit_price": {"amount": 89.99, "currency": "USD"}}) + "\n"


def _write(path: Path, mb: int, fmt: str) -> None:
    """Write rows until the file holds `mb` MiB, a few thousand rows at a time."""
    with path.open("w") as f:
        size, i = f.write(HEADER) if fmt == "csv" else 0, 0
        while size < mb * 2**20:
            block = "".join(_row(n, fmt) for n in range(i + 1, i + 5_001))
            size, i = size + f.write(block), i + 5_000


def _peak_mb() -> int:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class _NullKinesis:
    """Accepts every record and keeps none."""

    def __init__(self) -> None:
        self.seq = 0

    def list_shards(self, **_: Any) -> dict[str, Any]:
        return {"Shards": []}  # asked only by an aggregating publisher, which this one is not

    def put_records(self, StreamName: str, Records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        self.seq += len(Records)
        return {
            "FailedRecordCount": 0,
            "Records": [{"ShardId": "shardId-0", "SequenceNumber": str(self.seq)} for _ in Records],
        }


class _FileS3:
    def __init__(self, path: Path) -> None:
        self.path = path

    def get_object(self, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:
        return {"Body": self.path.open("rb"), "ETag": '"x"'}

    def put_object(self, **_: Any) -> None:
        pass


@dataclass
class _Context:
    function_name: str = "bench"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    aws_request_id: str = "bench"


def _measure(impl: str, path: Path) -> dict[str, Any]:
    os.environ.update(EVENTS_STREAM="bench", QUARANTINE_BUCKET="bench", AWS_DEFAULT_REGION="us-east-1")
    import functions.upload_ingest.handler as handler
    from functions.upload_ingest import wiring
    from functions.upload_ingest.settings import UploadIngestSettings
    from producers.publisher import KinesisPublisher

    publisher = KinesisPublisher("bench", _NullKinesis())
    key = f"uploads/{path.name}"
    base = _peak_mb()
    started = time.monotonic()
    if impl == "after":
        parts = wiring.Parts(UploadIngestSettings(), cast("S3Client", _FileS3(path)), publisher)
        event = {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": key}}}]}
        with mock.patch.object(wiring, "parts", return_value=parts):  # the handler's parts, swapped
            report = handler.handler(event, _Context())["reports"][0]
        events, bad = report["events"], report["bad_rows"]
    else:
        spec = importlib.util.spec_from_file_location("old_files", "/tmp/old_files.py")
        assert spec is not None
        assert spec.loader is not None
        old = sys.modules["old_files"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old)
        result = old.ingest_bytes(path.read_bytes(), key)
        publisher.publish(result.events)
        events, bad = len(result.events), len(result.errors)
    peak = _peak_mb()
    return {
        "impl": impl,
        "file": path.name,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "peak_rss_mb": peak,
        "rss_after_imports_mb": base,
        "events": events,
        "bad_rows": bad,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    """Generate the files, measure each (format, implementation) in its own process, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--measure", nargs=3, metavar=("IMPL", "PATH", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--skip-before", action="store_true", help="only measure the new code")
    args = parser.parse_args()
    if args.measure:
        impl, path, out = args.measure
        Path(out).write_text(json.dumps(_measure(impl, Path(path))))
        return
    old = subprocess.run(["git", "show", "HEAD:producers/files.py"], cwd=ROOT, capture_output=True, text=True)
    impls = ["after"] if args.skip_before or old.returncode else ["before", "after"]
    if "before" in impls:
        Path("/tmp/old_files.py").write_text(old.stdout)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "jsonl"):
            path = Path(tmp) / f"tickets.{fmt}"
            _write(path, args.mb, fmt)
            for impl in impls:
                out = Path(tmp) / "result.json"
                cmd = [sys.executable, "-m", "bench.uploads_memory", "--measure", impl, str(path), str(out)]
                subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
                print(json.loads(out.read_text()), flush=True)


if __name__ == "__main__":
    main()
