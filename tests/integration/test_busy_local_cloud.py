"""The embedded default when it is busy (issue #25), on a local cloud and warehouse endpoint of
this module's own: a second start waits for ours and never doubles it, `concert status` says
busy instead of stopped, CloudWatch's CBOR protocol is accepted (metrics read back), and the
stream is counted incrementally."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from cloud.clients import client
from cloud.local_cloud import LocalCloud, LocalCloudError
from cloud.warehouse_endpoint import WarehouseEndpoint
from concert.resumable_stream_count import count_stream
from tests.conftest import ROOT, free_port


@dataclass
class Local:
    cloud: LocalCloud
    endpoint: WarehouseEndpoint


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Local]:
    data_dir = tmp_path_factory.mktemp("busy")
    endpoint = WarehouseEndpoint(data_dir, free_port())
    cloud = LocalCloud(data_dir, free_port(), warehouse_url=endpoint.url)
    saved = dict(os.environ)
    try:
        assert cloud.start() is True
        assert endpoint.start(cloud.env()) is True
        os.environ.update({**cloud.env(), **endpoint.env()})
        yield Local(cloud, endpoint)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        for pid in (cloud.running_pid(), endpoint.process.running_pid()):
            if pid is not None:
                os.kill(pid, signal.SIGCONT)
        endpoint.stop()
        cloud.stop()


def _in_thread(fn: Callable[[], Any]) -> queue.Queue[Any]:
    """Run `fn` in a thread; its result (or exception) arrives on the queue."""
    results: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            results.put(fn())
        except Exception as exc:
            results.put(exc)

    threading.Thread(target=run, daemon=True).start()
    return results


def _ours(module: str) -> list[int]:
    """Our child processes running `python -m <module>`."""
    return [
        p.pid
        for p in psutil.Process().children(recursive=True)
        if p.status() != psutil.STATUS_ZOMBIE and module in p.cmdline()
    ]


def _cli(local: Local, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CONCERT_PORT": str(local.cloud.port),
        "CONCERT_WAREHOUSE_PORT": str(local.endpoint.port),
        "CONCERT_DATA_DIR": str(local.cloud.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "concert.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_second_start_on_a_saturated_platform_waits_for_it_and_reuses_it(local: Local) -> None:
    cloud_pid, endpoint_pid = local.cloud.running_pid(), local.endpoint.process.running_pid()
    assert cloud_pid is not None and endpoint_pid is not None
    os.kill(cloud_pid, signal.SIGSTOP)  # saturated by construction: its port is bound, nothing answers
    os.kill(endpoint_pid, signal.SIGSTOP)
    try:
        status = _cli(local, "status", "--json")
        assert status.returncode == 0, status.stderr
        busy = json.loads(status.stdout)["local_cloud"]
        assert busy == {**busy, "running": True, "answering": False, "pid": cloud_pid}

        said: queue.Queue[str] = queue.Queue()
        again = LocalCloud(local.cloud.data_dir, local.cloud.port, warehouse_url=local.endpoint.url)
        cloud_started = _in_thread(lambda: again.start(wait_s=300, progress=said.put))
        message = said.get(timeout=60)
        assert f"ministack (pid {cloud_pid}, ours)" in message and "busy" in message
        endpoint_started = _in_thread(
            lambda: WarehouseEndpoint(local.cloud.data_dir, local.endpoint.port).start(
                local.cloud.env(), wait_s=300, progress=said.put
            )
        )
        message = said.get(timeout=60)
        assert f"dataapi (pid {endpoint_pid}, ours)" in message
        assert _ours("cloud.local_cloud_main") == [cloud_pid] and _ours("cloud.dataapi.server") == [
            endpoint_pid
        ]
    finally:
        os.kill(cloud_pid, signal.SIGCONT)
        os.kill(endpoint_pid, signal.SIGCONT)
    assert cloud_started.get(timeout=300) is False and endpoint_started.get(timeout=300) is False
    assert local.cloud.pid_file.read_text() == str(cloud_pid)
    assert local.endpoint.process.pid_file.read_text() == str(endpoint_pid)
    assert _ours("cloud.local_cloud_main") == [cloud_pid] and local.cloud.healthy()


def test_a_platform_that_never_answers_fails_clearly_and_stays_ours(local: Local) -> None:
    pid = local.cloud.running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(LocalCloudError) as failed:
            LocalCloud(local.cloud.data_dir, local.cloud.port).start(wait_s=3)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert f"ministack (pid {pid}, ours) is running on port {local.cloud.port}" in str(failed.value)
    assert "a second one was not started" in str(failed.value)
    assert local.cloud.pid_file.read_text() == str(pid) and _ours("cloud.local_cloud_main") == [pid]


def _cbor_cloudwatch() -> Any:
    """A CloudWatch client speaking smithy-rpc-v2-cbor, as the KCL worker's Rust SDK does
    (botocore prefers the JSON protocol the service also offers)."""
    from botocore.serialize import create_serializer

    cloudwatch = client("cloudwatch")
    assert "smithy-rpc-v2-cbor" in cloudwatch.meta.service_model.protocols
    cloudwatch.meta.service_model.__dict__["resolved_protocol"] = "smithy-rpc-v2-cbor"  # parse CBOR
    cloudwatch._serializer = create_serializer("smithy-rpc-v2-cbor", include_validation=True)
    return cloudwatch


def test_cloudwatch_metrics_sent_with_the_cbor_protocol_are_stored(local: Local) -> None:
    cloudwatch = _cbor_cloudwatch()
    sent: list[bytes] = []
    cloudwatch.meta.events.register(
        "before-send.cloudwatch.*", lambda request, **_: sent.append(request.headers.get("Content-Type"))
    )
    log_size = local.cloud.log_file.stat().st_size
    now = datetime.now(UTC).replace(microsecond=0)
    dims = [{"Name": "ShardId", "Value": "shardId-000000000000"}]
    cloudwatch.put_metric_data(
        Namespace="concert-kcl",
        MetricData=[{"MetricName": "RecordsProcessed", "Dimensions": dims, "Value": 42.0, "Unit": "Count"}],
    )
    assert sent == [b"application/cbor"]
    listed = cloudwatch.list_metrics(Namespace="concert-kcl")["Metrics"]
    assert {"MetricName": "RecordsProcessed", "Namespace": "concert-kcl", "Dimensions": dims} in listed
    data = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "records",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "concert-kcl",
                        "MetricName": "RecordsProcessed",
                        "Dimensions": dims,
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
    )["MetricDataResults"]
    assert sum(data[0]["Values"]) == 42.0 and set(sent) == {b"application/cbor"}
    assert "CBOR decode error" not in local.cloud.log_file.read_text(errors="replace")[log_size:]


def test_the_stream_is_counted_once_then_only_what_arrives(local: Local, tmp_path: Path) -> None:
    kinesis = client("kinesis")
    kinesis.create_stream(StreamName="counted", ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName="counted", WaiterConfig={"Delay": 0.2})

    def put(n: int, start: int) -> None:
        records = [{"Data": f"e{i}".encode(), "PartitionKey": str(i)} for i in range(start, start + n)]
        for i in range(0, n, 500):
            assert (
                kinesis.put_records(StreamName="counted", Records=records[i : i + 500])["FailedRecordCount"]
                == 0
            )

    read: list[int] = []
    positioned: list[str] = []
    kinesis.meta.events.register(
        "after-call.kinesis.GetRecords", lambda parsed, **_: read.append(len(parsed.get("Records", [])))
    )
    kinesis.meta.events.register(
        "provide-client-params.kinesis.GetShardIterator",
        lambda params, **_: positioned.append(params["ShardIteratorType"]),
    )
    cache = tmp_path / "counts.json"
    put(2000, 0)
    first = count_stream(kinesis, "counted", cache)
    assert first["events"] == first["records"] == 2000 and first["complete"] and sum(read) == 2000
    assert positioned == ["TRIM_HORIZON", "TRIM_HORIZON"]
    read.clear()
    positioned.clear()
    idle = count_stream(kinesis, "counted", cache)
    assert idle == first and sum(read) == 0 and len(read) == 2, "an idle stream: one empty read per shard"
    assert positioned == [], "the iterators the last count ended with are reused"
    put(7, 2000)
    read.clear()
    later = count_stream(kinesis, "counted", cache)
    assert later["events"] == 2007 and sum(read) == 7 and sum(later["by_shard"].values()) == 2007

    state = json.loads(cache.read_text())
    for entry in state["shards"].values():
        entry["iterator_at"] = 0  # the kept iterators are too old: resume after the sequence numbers
    cache.write_text(json.dumps(state))
    put(5, 3000)
    positioned.clear()
    assert count_stream(kinesis, "counted", cache)["events"] == 2012
    assert positioned == ["AFTER_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"]

    kinesis.delete_stream(StreamName="counted")
    kinesis.get_waiter("stream_not_exists").wait(StreamName="counted", WaiterConfig={"Delay": 0.2})
    kinesis.create_stream(StreamName="counted", ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName="counted", WaiterConfig={"Delay": 0.2})
    put(3, 0)
    assert count_stream(kinesis, "counted", cache)["events"] == 3, "a re-created stream is counted anew"
