"""The managed local cloud: start, health, reuse of a running one, stop, and state kept across restarts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cloud.clients import client
from cloud.local_cloud import LocalCloud
from concert.stream_stats import read_stream
from tests.conftest import free_port


@contextmanager
def pointed_at(cloud: LocalCloud) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(cloud.env())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_restart_keeps_streams_and_records(tmp_path: Path) -> None:
    cloud = LocalCloud(tmp_path, free_port())
    assert cloud.start() is True
    try:
        assert cloud.healthy() and cloud.running_pid()
        assert cloud.start() is False, "a healthy instance on the port is reused, not doubled"
        with pointed_at(cloud):
            kinesis = client("kinesis")
            kinesis.create_stream(StreamName="persist-me", ShardCount=1)
            kinesis.get_waiter("stream_exists").wait(StreamName="persist-me", WaiterConfig={"Delay": 0.2})
            kinesis.put_records(
                StreamName="persist-me",
                Records=[{"Data": f"r{i}".encode(), "PartitionKey": "k"} for i in range(3)],
            )
    finally:
        assert cloud.stop() is True
    assert not cloud.healthy() and cloud.running_pid() is None
    assert cloud.stop() is False

    assert cloud.start() is True
    try:
        with pointed_at(cloud):
            count = read_stream(client("kinesis"), "persist-me", keep_payloads=True)
        assert count.events == 3 and sorted(count.payloads) == [b"r0", b"r1", b"r2"]
    finally:
        cloud.stop()
    assert (tmp_path / "ministack-state").is_dir()


def _zip(handler_source: str) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", handler_source)
    return buf.getvalue()


def test_lambda_workers_unpack_into_the_clouds_own_scratch_emptied_at_stop(tmp_path: Path) -> None:
    cloud = LocalCloud(tmp_path, free_port())
    leftover = cloud.scratch_dir / "ministack-lambda-left-by-a-killed-run"
    leftover.mkdir(parents=True)
    assert cloud.start() is True
    try:
        assert not leftover.exists(), "what a killed run left is removed at start"
        with pointed_at(cloud):
            lam = client("lambda")
            lam.create_function(
                FunctionName="scratch-probe",
                Runtime="python3.11",
                Role="arn:aws:iam::000000000000:role/probe",
                Handler="app.handler",
                Code={
                    "ZipFile": _zip("import tempfile\ndef handler(e, c):\n    return tempfile.gettempdir()\n")
                },
            )
            out = lam.invoke(FunctionName="scratch-probe", Payload=b"{}")
        assert out["StatusCode"] == 200 and "FunctionError" not in out
        workers = [
            p.name
            for p in cloud.scratch_dir.iterdir()
            if p.name.startswith("ministack-lambda-scratch-probe-")
        ]
        assert workers, "the warm worker's code is unpacked under the cloud's own scratch directory"
    finally:
        assert cloud.stop() is True
    assert list(cloud.scratch_dir.iterdir()) == [], "nothing is left behind once the cloud has stopped"
