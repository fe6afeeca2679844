"""The KCL worker end to end on a fresh local cloud: exactly once into lake and warehouse, invalid
records in the DLQ, and a crash between durable write and checkpoint changes nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from concert.aws import client
from concert.kcl import KclWorker
from concert.localcloud import LocalCloud
from concert.reconcile import Reconciliation, reconcile
from concert.runtime import synthesize_cached
from concert.warehouse_endpoint import WarehouseEndpoint
from consumers.warehouse.client import DataApiWarehouse
from infra.deploy import deploy_template
from producers.publisher import KinesisPublisher
from producers.synthetic import Spec, generate
from tests.conftest import free_port


@dataclass
class Stack:
    cloud: LocalCloud
    endpoint: WarehouseEndpoint
    outputs: dict[str, str]
    env: dict[str, str]
    data_dir: Path

    def worker_settings(self) -> dict[str, str]:
        return {
            "stream": self.outputs["EventsStreamName"],
            "lake_bucket": self.outputs["LakeBucketName"],
            "quarantine_bucket": self.outputs["QuarantineBucketName"],
            "dlq_url": self.outputs["DlqUrl"],
        }

    def reconcile(self) -> Reconciliation:
        return reconcile(
            kinesis=client("kinesis"),
            s3=client("s3"),
            sqs=client("sqs"),
            warehouse=DataApiWarehouse(client("redshift-data")),
            stream=self.outputs["EventsStreamName"],
            lake_bucket=self.outputs["LakeBucketName"],
            dlq_url=self.outputs["DlqUrl"],
        )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("kcl")
    cloud = LocalCloud(data_dir, free_port())
    endpoint = WarehouseEndpoint(data_dir, free_port())
    saved = dict(os.environ)
    cloud.start()
    try:
        endpoint.start(cloud.env())
        env = {**cloud.env(), **endpoint.env()}
        os.environ.update(env)
        cdk_out, _ = synthesize_cached(for_aws=False)
        outputs = deploy_template(cdk_out, local=True).outputs
        DataApiWarehouse(client("redshift-data")).create_schema()
        yield Stack(cloud, endpoint, outputs, env, data_dir)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        endpoint.stop()
        cloud.stop()


def wait_until(cond: Callable[[], Any], timeout_s: float, what: str, every_s: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what} not reached within {timeout_s}s; last: {LAST.get('reconciliation')}"
            )
        time.sleep(every_s)


def _produce(stack: Stack, events: list[Any], invalid: list[bytes]) -> None:
    report = KinesisPublisher(stack.outputs["EventsStreamName"], client("kinesis")).publish(events)
    assert report.ok
    if invalid:  # a foreign producer bypassing validation
        client("kinesis").put_records(
            StreamName=stack.outputs["EventsStreamName"],
            Records=[{"Data": d, "PartitionKey": f"bad-{i}"} for i, d in enumerate(invalid)],
        )


LAST: dict[str, Any] = {}


def _settled(stack: Stack, expected_events: int) -> Reconciliation | None:
    r = stack.reconcile()
    LAST["reconciliation"] = r.summary() | {
        "dlq": client("sqs").get_queue_attributes(
            QueueUrl=stack.outputs["DlqUrl"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
    }
    done = r.ok and r.produced_events == expected_events and r.warehouse_events + r.held == expected_events
    return r if done else None


def test_worker_loads_exactly_once_and_dead_letters_invalid_records(stack: Stack) -> None:
    workload = generate(Spec(seed=21).scaled(0.01))
    invalid = [b"{not json", b'{"event_type":"TicketSold","schema_version":7}', b"\x00\x01binary"]
    _produce(stack, workload.events, invalid)
    worker = KclWorker(stack.data_dir, stack.cloud.port)
    worker.start(stack.env, stack.worker_settings())
    try:
        r = wait_until(lambda: _settled(stack, len(workload.events)), 90, "reconciliation")
    finally:
        worker.stop()
    sales = sum(1 for e in workload.events if e.event_type == "TicketSold")
    assert r.invalid_in_stream == 3 and r.dlq_records == 3
    assert r.warehouse_events == r.lake_records == len(workload.events) and r.held == 0
    assert r.warehouse_ticket_sales == sales


def test_a_crash_between_durable_write_and_checkpoint_counts_nothing_twice(stack: Stack) -> None:
    before = stack.reconcile()
    workload = generate(Spec(seed=22).scaled(0.01))
    _produce(stack, workload.events, [])
    worker = KclWorker(stack.data_dir, stack.cloud.port)
    worker.start(stack.env, {**stack.worker_settings(), "crash_after_batches": "1", "max_records": "300"})
    wait_until(lambda: worker.process.running_pid() is None, 180, "the injected crash", every_s=0.5)
    assert "injected crash" in worker.process.log_file.read_text()
    worker.process.pid_file.unlink(missing_ok=True)
    worker.start(stack.env, stack.worker_settings())
    try:
        expected = before.produced_events + len(workload.events)
        r = wait_until(lambda: _settled(stack, expected), 300, "reconciliation after the restart")
    finally:
        worker.stop()
    assert r.warehouse_events == r.lake_records == expected
    assert r.warehouse_ticket_sales == before.warehouse_ticket_sales + sum(
        1 for e in workload.events if e.event_type == "TicketSold"
    )
