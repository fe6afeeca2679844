"""The ETL's domain and task functions: manifests, quality gates, the ASL, handlers with fakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from consumers.core import ConsumerCore
from consumers.etl.cycle import BufferingPolicy, combine_manifests, plan_cycle, unique_batches
from consumers.etl.landing_ledger import LandingLedger
from consumers.etl.manifest import check_manifests
from consumers.etl.quality import check_batch
from consumers.lake import LakeWriter
from consumers.records import StreamRecord
from consumers.tables import to_arrow
from functions.etl import emit_updated, wiring
from functions.etl.lake_objects import LakeObjects
from functions.etl.settings import EtlSettings
from producers.synthetic import Spec, generate
from schemas import to_json
from tests.fakes.clients import s3_client
from tests.fakes.event_bus import MemoryEventBus
from tests.fakes.lambda_context import LambdaContext
from tests.fakes.s3 import MemoryS3
from tests.fakes.stepfunctions import MemoryStepFunctions
from tests.fakes.warehouse import LedgerWarehouse

ASL = Path(__file__).parent.parent.parent / "state_machines" / "etl.asl.json"
WORKLOAD = generate(Spec(seed=5).scaled(0.003))


def _batch() -> Any:
    records = [
        StreamRecord(to_json(e), e.partition_key(), str(i), "s", "t") for i, e in enumerate(WORKLOAD.events)
    ]
    return ConsumerCore().process(records, "b1")


def _tables(out: Any) -> dict[str, pa.Table]:
    return {t: to_arrow(t, rows) for t, rows in out.tables.items()}


def _promised(out: Any) -> dict[str, int]:
    return {t: len(rows) for t, rows in out.tables.items()}


def _none_known(ids: set[int]) -> set[int]:
    return set()


def test_a_routed_batch_passes_every_gate() -> None:
    out = _batch()
    report = check_batch("b1", _tables(out), _promised(out), _none_known)
    assert report.passed, report.failures()
    assert {g.name for g in report.gates} >= {"row_count", "not_null", "unique_key", "referential_integrity"}


@pytest.mark.parametrize(
    ("gate", "tamper"),
    [
        ("range:quantity", lambda t: t["fact_ticket_sales"][0].update(quantity=99)),
        ("unique_key", lambda t: t["fact_ticket_sales"].append(dict(t["fact_ticket_sales"][0]))),
        ("referential_integrity", lambda t: t["fact_ticket_sales"][0].update(concert_id=1_999_999_999)),
    ],
)
def test_each_gate_fails_on_its_fault(gate: str, tamper: Any) -> None:
    out = _batch()
    tamper(out.tables)
    promised = _promised(out)
    report = check_batch("b1", _tables(out), promised, _none_known)
    assert [g.name for g in report.failures()] == [gate]


def test_row_counts_and_nulls_are_checked() -> None:
    out = _batch()
    tables = _tables(out)
    sales = tables["fact_ticket_sales"]
    nulls = pa.array([None] * sales.num_rows, type=sales.schema.field("city").type)
    tables["fact_ticket_sales"] = sales.set_column(sales.schema.get_field_index("city"), "city", nulls)
    promised = {**_promised(out), "fact_refunds": _promised(out).get("fact_refunds", 0) + 1}
    failed = {(g.name, g.table) for g in check_batch("b1", tables, promised, _none_known).failures()}
    assert failed == {("not_null", "fact_ticket_sales"), ("row_count", "fact_refunds")}


def test_concerts_known_to_the_warehouse_satisfy_integrity() -> None:
    out = _batch()
    del out.tables["dim_concert"]
    tables = _tables(out)
    assert not check_batch("b1", tables, _promised(out), _none_known).passed
    assert check_batch("b1", tables, _promised(out), lambda ids: set(ids)).passed


def _landed(s3: MemoryS3) -> dict[str, Any]:
    out = _batch()
    written = LakeWriter(s3_client(s3), "lake").write(out.batch_id, out.raw, out.tables)
    rows = {t: sum(n for _, n in f) for t, f in written.curated.items()}
    return {"batch_id": out.batch_id, "bucket": "lake", "manifests": written.manifests, "rows": rows}


def test_manifests_are_checked_against_the_files() -> None:
    s3 = MemoryS3()
    batch = _landed(s3)

    def body(t: str) -> bytes | None:
        return s3.objects.get(("lake", batch["manifests"][t]))

    def size(b: str, k: str) -> int | None:
        return len(s3.objects[(b, k)]) if (b, k) in s3.objects else None

    check = check_manifests({t: body(t) for t in batch["manifests"]}, size)
    assert check.ok and check.rows() == batch["rows"]
    victim = next(k for (_, k) in s3.objects if k.startswith("curated/fact_ticket_sales/"))
    s3.objects[("lake", victim)] = b"truncated"
    manifests: dict[str, bytes | None] = {t: body(t) for t in batch["manifests"]}
    manifests["dim_venue"] = None
    problems = check_manifests(manifests, size).problems
    assert any("dim_venue: manifest missing" in p for p in problems)
    assert any(victim in p and "9 bytes" in p for p in problems)


CONTEXT = LambdaContext("concert-etl-task", 1024)


def etl_parts(
    monkeypatch: pytest.MonkeyPatch,
    s3: MemoryS3 | None = None,
    warehouse: LedgerWarehouse | None = None,
    sfn: MemoryStepFunctions | None = None,
    events: MemoryEventBus | None = None,
) -> wiring.Parts:
    """The ETL tasks' parts over in-memory fakes (lake bucket `lake`), in place of `wiring.parts`."""
    monkeypatch.setenv("LAKE_BUCKET", "lake")
    client = s3_client(s3 or MemoryS3())
    parts = wiring.Parts(
        settings=EtlSettings(),
        lake=LakeObjects(client),
        warehouse=warehouse or LedgerWarehouse(),
        ledger=LandingLedger(client, "lake"),
        sfn=sfn or MemoryStepFunctions(),
        events=events or MemoryEventBus(),
    )
    monkeypatch.setattr(wiring, "parts", lambda: parts)
    return parts


def test_every_task_state_retries_and_catches_and_every_transition_exists() -> None:
    asl = json.loads(ASL.read_text())
    states = asl["States"]
    targets = {asl["StartAt"]}
    for name, state in states.items():
        if state["Type"] == "Task":
            assert state["Retry"] and state["Catch"], name
            assert state["Parameters"]["FunctionName"].startswith("${"), name
        targets |= {state.get("Next"), state.get("Default")} - {None}
        targets |= {c["Next"] for c in state.get("Choices", [])} | {c["Next"] for c in state.get("Catch", [])}
    assert targets <= set(states) and set(states) - targets == set(), "no dangling or unreachable state"


def test_emit_task_sends_warehouse_updated_once_per_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    bus = MemoryEventBus()
    etl_parts(monkeypatch, events=bus)
    mod = emit_updated
    execution = "arn:aws:states:us-east-1:000000000000:execution:concert-etl:e-1"
    cycle = {"cycle_id": "cycle-7", "plan": "ledger/cycles/cycle-7.json"}
    event = {"cycle": cycle, "rows": {"event_log": 3}, "bucket": "lake", "partitions": ["curated/x/"]}
    result = mod.handler({**event, "execution": execution}, CONTEXT)
    assert result["event_id"] == "e-1" and result["execution"] == execution
    (entry,) = bus.entries
    detail = json.loads(entry["Detail"])
    assert entry["DetailType"] == "warehouse.updated" and detail["batch_id"] == "cycle-7"
    assert detail["rows"] == {"event_log": 3} and detail["partitions"] == []
    assert mod.logger.get_current_keys()["execution"] == execution
    asl = json.loads(ASL.read_text())
    assert asl["States"]["Cycle"]["Parameters"]["execution.$"] == "$$.Execution.Id"


def test_the_buffering_policy_decides_load_wait_or_done() -> None:
    policy = BufferingPolicy(max_wait_s=300, min_rows=1_000, max_batches=2)
    now = 1_000_000
    small = [{"batch_id": "a", "rows": {"event_log": 10}, "landed_at_ms": now - 10_000}]
    assert plan_cycle([], now, policy).action == "done"
    waiting = plan_cycle(small, now, policy)
    assert waiting.action == "wait" and waiting.wait_s == 290
    old = [{**small[0], "landed_at_ms": now - 301_000}]
    assert plan_cycle(old, now, policy).action == "load"
    many = [{"batch_id": b, "rows": {"event_log": 600}, "landed_at_ms": now - i} for i, b in enumerate("cba")]
    plan = plan_cycle(many, now, policy)
    assert [b["batch_id"] for b in plan.batches] == ["a", "b"], "oldest first, at most max_batches"
    twice = [{**many[0], "landed_at_ms": now - 5}, many[0]]
    assert len(unique_batches(twice)) == 1


def test_combined_manifests_list_each_file_once() -> None:
    def manifest(*urls: str) -> bytes:
        return json.dumps({"entries": [{"url": u, "meta": {"record_count": 1}} for u in urls]}).encode()

    combined = combine_manifests({"t": [manifest("s3://b/1", "s3://b/2"), manifest("s3://b/2", "s3://b/3")]})
    assert [e["url"] for e in json.loads(combined["t"])["entries"]] == ["s3://b/1", "s3://b/2", "s3://b/3"]


def test_worker_emits_one_emf_line_per_batch(capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from consumers.kcl_worker import batch_metrics
    from consumers.pipeline import BatchReport

    report = BatchReport("b1", records=10, loaded=8, dead=1, duplicates=1, held=0, attempts=1, seconds=0.5)
    batch_metrics(report, 1200, int(time.time() * 1000) - 5_000)
    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ConcertDataPlatform" and emf["service"] == "kcl-worker"
    assert {m["Name"] for m in directive["Metrics"]} >= {"Consumed", "DeadLettered", "MillisBehindLatest"}
    assert emf["Consumed"] == [10.0] and emf["DeadLettered"] == [1.0] and emf["batch_id"] == "b1"
    assert 5_000 <= emf["OldestRecordAgeMillis"][0] < 60_000
