"""The KCL worker end to end on a fresh local cloud: exactly once into lake and warehouse, invalid
records in the DLQ, a crash between landing and checkpoint changes nothing, and the worker
lands on while the warehouse is away."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cloud.clients import client
from cloud.kcl_launcher import KclWorker
from cloud.local_cloud import LocalCloud
from cloud.warehouse_endpoint import WarehouseEndpoint
from concert.reconcile import Reconciliation, lake_event_ids, reconcile
from consumers.etl.landing_ledger import LandingLedger
from consumers.warehouse.client import DataApiWarehouse
from functions.ops.workflows import executions
from producers.publisher import KinesisPublisher
from producers.synthetic import Spec, generate
from schemas import (
    ArtistUpserted,
    ConcertScheduled,
    Money,
    PriceTier,
    TicketSold,
    VenueUpserted,
    new_event,
    to_json,
)
from tests.conftest import own_platform


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
    with own_platform(data_dir) as (platform, endpoint):
        yield Stack(platform.cloud, endpoint, platform.outputs, platform.env, data_dir)


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
    try:  # what the load cycles were doing, for the message of a failed wait
        etl = [
            (e["name"][-8:], e["status"]) for e in executions(client("stepfunctions"), "concert-etl", limit=4)
        ]
        lease = DataApiWarehouse(client("redshift-data")).query("SELECT holder, expires_epoch FROM etl_lease")
    except Exception as err:
        etl, lease = [], [{"error": str(err)}]
    LAST["reconciliation"] = r.summary() | {
        "etl": etl,
        "lease": lease,
        "dlq": client("sqs").get_queue_attributes(
            QueueUrl=stack.outputs["DlqUrl"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"],
    }
    done = (
        r.ok
        and r.produced_events == expected_events
        and r.warehouse_events + r.held == expected_events
        and r.waiting_for_dimension == 0
    )
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


def test_the_worker_lands_while_the_warehouse_is_away_and_nothing_is_lost_or_doubled(stack: Stack) -> None:
    """Land, then load: the worker never waits for the warehouse; load cycles that fail while it
    is away are asked for again once it is back, and every event ends in it once."""
    before = stack.reconcile()
    workload = generate(Spec(seed=23).scaled(0.02))
    worker = KclWorker(stack.data_dir, stack.cloud.port)
    worker.start(stack.env, {**stack.worker_settings(), "max_records": "200", "nudge_after_s": "5"})
    try:
        pid = stack.endpoint.process.running_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # no clean shutdown: the warehouse is simply gone
        _produce(stack, workload.events, [])
        bucket = stack.outputs["LakeBucketName"]
        wait_until(
            lambda: len(lake_event_ids(client("s3"), bucket)) == before.lake_records + len(workload.events),
            180,
            "every event landed in the lake while the warehouse is away",
        )
        assert LandingLedger(client("s3"), bucket).keys(), "landed batches wait in the ledger"
        stack.endpoint.process.pid_file.unlink(missing_ok=True)
        stack.endpoint.start(stack.cloud.env())
        expected = before.produced_events + len(workload.events)
        r = wait_until(lambda: _settled(stack, expected), 300, "reconciliation after the warehouse is back")
    finally:
        worker.stop()
    assert r.warehouse_events == r.lake_records == expected and r.pending_load == 0
    assert r.warehouse_ticket_sales == before.warehouse_ticket_sales + sum(
        1 for e in workload.events if e.event_type == "TicketSold"
    )


def _late_catalog(concerts: int, sales_per_concert: int) -> tuple[list[Any], list[Any]]:
    """Concerts (with their artists and venues) no other test uses, and sales for them."""
    base = 1_800_000_000
    starts = datetime(2027, 7, 1, 20, tzinfo=UTC)
    tiers = [PriceTier(tier="ga", price=Money(amount=Decimal("40.00")), seats=900)]
    catalog: list[Any] = []
    sales: list[Any] = []
    for i in range(concerts):
        cid = base + i
        catalog += [
            new_event(
                ArtistUpserted(artist_id=cid, name=f"Late {i}", genres=["rock"], popularity=50), source="it"
            ),
            new_event(
                VenueUpserted(venue_id=cid, name=f"Hall {i}", city="Austin", state="TX", capacity=900),
                source="it",
            ),
            new_event(
                ConcertScheduled(
                    concert_id=cid,
                    artist_id=cid,
                    venue_id=cid,
                    starts_at=starts,
                    on_sale_at=starts - timedelta(days=30),
                    price_tiers=tiers,
                ),
                source="it",
            ),
        ]
        sales += [
            new_event(
                TicketSold(
                    sale_id=cid + n * 1000,
                    concert_id=cid,
                    customer_id=n + 1,
                    tier="ga",
                    quantity=2,
                    unit_price=Money(amount=Decimal("40.00")),
                ),
                source="it",
            )
            for n in range(sales_per_concert)
        ]
    return catalog, sales


def test_out_of_order_and_oversize_records_through_the_worker(stack: Stack) -> None:
    """Sales published before their concerts wait in the warehouse as pending facts (nothing is
    held in the worker), then become facts when their catalog arrives; oversize records are
    dead letters."""
    before = stack.reconcile()
    catalog, sales = _late_catalog(concerts=6, sales_per_concert=20)
    padded = to_json(sales[0])[:-1] + b" " * 900_000 + b"}"  # valid content, 900 KB
    oversize = [padded, b"\xff" * 1_000_000]
    _produce(stack, sales, oversize)
    worker = KclWorker(stack.data_dir, stack.cloud.port)
    worker.start(stack.env, stack.worker_settings())
    try:
        wait_until(
            lambda: stack.reconcile().waiting_for_dimension == len(sales),
            180,
            "sales pending for their concerts",
        )
        assert stack.reconcile().held == 0, "nothing waits in the worker"
        _produce(stack, catalog, [])
        expected = before.produced_events + len(sales) + len(catalog)
        r = wait_until(lambda: _settled(stack, expected), 300, "reconciliation after the catalog arrived")
    finally:
        worker.stop()
    assert r.held == 0 and r.waiting_for_dimension == 0 and r.warehouse_events == r.lake_records == expected
    assert r.warehouse_ticket_sales == before.warehouse_ticket_sales + len(sales)
    assert r.dlq_records == before.dlq_records + 2 and r.invalid_in_stream == before.invalid_in_stream + 2
    spilled = [m for m in _dlq_messages(stack) if m.get("raw_s3_uri")]
    assert sorted(len(_raw_of(m)) for m in spilled) == sorted(len(d) for d in oversize)
    assert all(m["reason"].startswith("oversize") for m in spilled)


def _dlq_messages(stack: Stack) -> list[dict[str, Any]]:
    """Every DLQ message, read and left in the queue (visibility 0)."""
    sqs = client("sqs")
    out: dict[str, dict[str, Any]] = {}
    for _ in range(20):
        resp = sqs.receive_message(
            QueueUrl=stack.outputs["DlqUrl"], MaxNumberOfMessages=10, VisibilityTimeout=0
        )
        for m in resp.get("Messages", []):
            out[m["MessageId"]] = json.loads(m["Body"])
    return list(out.values())


def _raw_of(message: dict[str, Any]) -> bytes:
    bucket, key = message["raw_s3_uri"].removeprefix("s3://").split("/", 1)
    return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]
