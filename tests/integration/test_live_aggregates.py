"""The Lambda consumer on the local cloud: the deployed event source mapping feeds DynamoDB.

Plain and KPL-aggregated records, garbage and duplicates at new positions go through the
real ESM and function; each concert's totals must equal its sales exactly, and the table
holds items per counter key and per shard, none per event. A fence sale per
concert, published last, proves that everything before it (duplicates included) was seen:
a concert's events share one shard and the mapping reads a shard in order.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from cloud.clients import client
from producers.publisher import KinesisPublisher
from schemas import ConcertScheduled, Money, PriceTier, TicketSold, new_event
from tests.conftest import Platform

BASE_ID = 1_900_000_000  # ids no other test uses: the stream is shared by the session


def _concert(i: int) -> Any:
    starts = datetime(2027, 6, 1, 20, tzinfo=UTC)
    return new_event(
        ConcertScheduled(
            concert_id=BASE_ID + i,
            artist_id=BASE_ID + i,
            venue_id=BASE_ID + i % 3,
            starts_at=starts,
            on_sale_at=starts - timedelta(days=60),
            price_tiers=[PriceTier(tier="ga", price=Money(amount=Decimal("55.00")), seats=5000)],
        ),
        source="it-live",
    )


def _sale(concert: int, sale: int, quantity: int) -> Any:
    return new_event(
        TicketSold(
            sale_id=BASE_ID + sale,
            concert_id=BASE_ID + concert,
            customer_id=7,
            tier="ga",
            quantity=quantity,
            unit_price=Money(amount=Decimal("55.00")),
        ),
        source="it-live",
    )


def _totals(table: str, concerts: int) -> dict[int, int]:
    ddb = client("dynamodb")
    keys: list[Any] = [{"pk": {"S": f"CONCERT#{BASE_ID + i}"}, "sk": {"S": "TOTAL"}} for i in range(concerts)]
    items = ddb.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})["Responses"][
        table
    ]
    return {int(it["pk"]["S"].split("#")[1]) - BASE_ID: int(it["tickets"]["N"]) for it in items}


def test_esm_counts_every_sale_once_plain_aggregated_and_redelivered(aws_env: Platform) -> None:
    outputs = aws_env.outputs
    stream, table = outputs["EventsStreamName"], outputs["LiveAggregatesTableName"]
    kinesis = client("kinesis")
    rng = random.Random(7)
    concerts = 12
    sales = [_sale(i % concerts, n, rng.randint(1, 6)) for n, i in enumerate(range(360))]
    expected = {i: 0 for i in range(concerts)}
    for s in sales:
        expected[s.data.concert_id - BASE_ID] += s.data.quantity

    plain = KinesisPublisher(stream, kinesis)
    aggregated = KinesisPublisher(stream, kinesis, aggregate=True)
    assert len(plain.publish([_concert(i) for i in range(concerts)]).accepted) == concerts
    assert len(aggregated.publish(sales[:180]).accepted) == 180
    assert len(plain.publish(sales[180:]).accepted) == 180
    kinesis.put_record(StreamName=stream, PartitionKey=str(BASE_ID), Data=b"{not json")
    redelivered = rng.sample(sales, 90)
    assert len(plain.publish(redelivered).accepted) == 90  # same event ids: duplicates
    fences = [_sale(i, 10_000 + i, 1) for i in range(concerts)]
    assert len(plain.publish(fences).accepted) == concerts

    want = {i: n + 1 for i, n in expected.items()}
    deadline = time.monotonic() + 120
    got: dict[int, int] = {}
    while time.monotonic() < deadline:
        got = _totals(table, concerts)
        if got == want:
            break
        time.sleep(0.5)
    assert got == want

    ddb = client("dynamodb")
    venue = ddb.get_item(TableName=table, Key={"pk": {"S": f"VENUE#{BASE_ID}"}, "sk": {"S": "TOTAL"}})["Item"]
    assert int(venue["tickets"]["N"]) == sum(n for i, n in want.items() if i % 3 == 0)
    failures = client("sqs").get_queue_url(QueueName="concert-live-aggregates-failures")["QueueUrl"]
    attrs = client("sqs").get_queue_attributes(
        QueueUrl=failures, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"

    # Counted without a write per event: one mark per shard, pages of hashes, no per-event item.
    scanned = ddb.scan(TableName=table, ProjectionExpression="pk, sk, newest_arrival_ms")["Items"]
    assert not [i for i in scanned if i["pk"]["S"].startswith("EVENT#")]
    marks = [i for i in scanned if i["pk"]["S"].startswith("SHARD#") and i["sk"]["S"] == "MARK"]
    shards = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["OpenShardCount"]
    assert 1 <= len(marks) <= shards and all(int(m["newest_arrival_ms"]["N"]) > 0 for m in marks)
    pages = [i for i in scanned if i["pk"]["S"].startswith("SHARD#") and i["sk"]["S"].startswith("SEEN#")]
    assert pages and {p["pk"]["S"] for p in pages} <= {m["pk"]["S"] for m in marks}
    # The table's TTL is on locally too (the deploy turns it on: ministack's CloudFormation does not).
    ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires_at"
