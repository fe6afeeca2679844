"""The live-aggregates Lambda handler with real AWS sample Kinesis events and KPL aggregates."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_kinesis_agg.aggregator import RecordAggregator

from functions.live_aggregates import handler, wiring
from functions.live_aggregates.settings import LiveAggregatesSettings
from producers.synthetic import Spec, generate
from schemas import TicketSold, to_json
from tests.fakes.aggregates import FakeAggregateStore
from tests.fakes.clients import lambda_client
from tests.fakes.lambda_context import LambdaContext

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aws"
WORKLOAD = generate(Spec().scaled(0.005))
RAW = [to_json(e) for e in WORKLOAD.events]
SOLD = sum(e.data.quantity for e in WORKLOAD.events if isinstance(e.data, TicketSold))


class LambdaInvokes:
    """Records asynchronous invokes; fails them when asked."""

    def __init__(self) -> None:
        self.fail = False
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kw: Any) -> dict[str, Any]:
        if self.fail:
            raise RuntimeError("lambda unreachable")
        self.calls.append(kw)
        return {"StatusCode": 202}


@dataclass
class Live:
    """The handler's parts over in-memory fakes."""

    parts: wiring.Parts
    store: FakeAggregateStore
    lambdas: LambdaInvokes


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Live:
    monkeypatch.setenv("AGGREGATES_TABLE", "concert-live-aggregates")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "test")
    store, lambdas = FakeAggregateStore(), LambdaInvokes()
    parts = wiring.Parts(LiveAggregatesSettings(), store, lambda_client(lambdas))
    monkeypatch.setattr(wiring, "parts", lambda: parts)
    return Live(parts, store, lambdas)


def _sample(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / name).read_text()))


def _with_data(sample: dict[str, Any], payloads: list[bytes]) -> dict[str, Any]:
    """The sample's record shape, one record per payload, sequence numbers increasing."""
    template = sample["Records"][0]
    shard = template["eventID"].split(":")[0]
    records = []
    for i, data in enumerate(payloads):
        rec = copy.deepcopy(template)
        seq = str(int(template["kinesis"]["sequenceNumber"]) + i)
        rec["kinesis"]["data"] = base64.b64encode(data).decode()
        rec["kinesis"]["sequenceNumber"] = seq
        rec["eventID"] = f"{shard}:{seq}"
        records.append(rec)
    return {**sample, "Records": records}


def _tickets(store: FakeAggregateStore) -> int:
    """Tickets counted overall; the per-minute buckets must add up to the total."""
    minutes = sum(
        c.get("tickets", 0) for (pk, sk), c in store.counters.items() if pk == "ALL" and sk != "TOTAL"
    )
    total = store.counters[("ALL", "TOTAL")].get("tickets", 0) if ("ALL", "TOTAL") in store.counters else 0
    assert minutes == total
    return total


@pytest.mark.parametrize("sample", ["kinesis_powertools.json", "kinesis_sam.json"])
def test_the_samples_own_text_records_are_skipped_not_failed(live: Live, sample: str) -> None:
    response = handler.handler(_sample(sample), LambdaContext("concert-live-aggregates"))
    assert response == {"batchItemFailures": []}
    assert not live.store.counters


@pytest.mark.parametrize("sample", ["kinesis_powertools.json", "kinesis_sam.json"])
def test_plain_records_in_the_sample_shape_are_counted(live: Live, sample: str) -> None:
    response = handler.handler(_with_data(_sample(sample), RAW), LambdaContext("concert-live-aggregates"))
    assert response == {"batchItemFailures": []}
    assert _tickets(live.store) == SOLD > 0


def test_kpl_aggregated_records_count_the_same(live: Live) -> None:
    aggregated: list[bytes] = []
    agg = RecordAggregator(256 * 1024)
    for e, raw in zip(WORKLOAD.events, RAW, strict=True):
        full = agg.add_user_record(e.partition_key(), raw)
        if full is not None:
            aggregated.append(full.get_contents()[2])
    aggregated.append(agg.clear_and_get().get_contents()[2])
    assert len(aggregated) < len(RAW) / 10
    response = handler.handler(
        _with_data(_sample("kinesis_powertools.json"), aggregated), LambdaContext("concert-live-aggregates")
    )
    assert response == {"batchItemFailures": []}
    assert _tickets(live.store) == SOLD


def test_failing_records_are_reported_and_a_redelivery_counts_once(live: Live) -> None:
    """The ESM re-delivers from the lowest failed sequence number; the mark skips the repeats."""
    sales = [raw for e, raw in zip(WORKLOAD.events, RAW, strict=True) if isinstance(e.data, TicketSold)][:80]
    live.store.fail_on_apply = {2}
    event = _with_data(_sample("kinesis_powertools.json"), sales)
    response = handler.handler(event, LambdaContext("concert-live-aggregates"))
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    sequences = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
    assert failed and failed < set(sequences)
    lowest = min(sequences.index(seq) for seq in failed)
    retry = {**event, "Records": event["Records"][lowest:]}
    assert handler.handler(retry, LambdaContext("concert-live-aggregates")) == {"batchItemFailures": []}
    expected = sum(
        e.data.quantity for e in WORKLOAD.events if isinstance(e.data, TicketSold) and to_json(e) in sales
    )
    assert _tickets(live.store) == expected


def test_injected_failures_fail_every_nth_delivery_and_retries_count_once(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live.parts.settings, "fail_every", 3)
    event = _with_data(_sample("kinesis_powertools.json"), RAW)
    outcomes = []
    for _ in range(6):  # the mapping delivers the same batch again after each failure
        try:
            outcomes.append(handler.handler(event, LambdaContext("concert-live-aggregates")))
        except handler.InjectedFault:
            outcomes.append(None)
    assert [o is None for o in outcomes] == [False, False, True, False, False, True]
    assert _tickets(live.store) == SOLD, "every redelivery after the first counts nothing again"


def test_the_broadcaster_hears_of_counted_changes_and_its_failure_costs_nothing(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live.parts.settings, "broadcast_function", "concert-dashboard-broadcast")
    client = live.lambdas
    event = _with_data(_sample("kinesis_powertools.json"), RAW)
    assert handler.handler(event, LambdaContext("concert-live-aggregates")) == {"batchItemFailures": []}
    (call,) = client.calls
    assert call["FunctionName"] == "concert-dashboard-broadcast" and call["InvocationType"] == "Event"
    keys = json.loads(call["Payload"])["keys"]
    assert ["ALL", "TOTAL"] in keys and all(sk == "TOTAL" or pk == "ALL" for pk, sk in keys)
    assert handler.handler(event, LambdaContext("concert-live-aggregates")) == {
        "batchItemFailures": []
    }  # a redelivery: no change
    assert len(client.calls) == 1
    client.fail = True
    fresh = generate(Spec(seed=77).scaled(0.002))
    more = _with_data(_sample("kinesis_powertools.json"), [to_json(e) for e in fresh.events])
    assert handler.handler(more, LambdaContext("concert-live-aggregates")) == {
        "batchItemFailures": []
    }  # counted all the same
