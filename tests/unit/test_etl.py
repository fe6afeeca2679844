"""The ETL's domain and task functions: manifests, quality gates, the ASL, handlers with fakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from consumers.core import ConsumerCore
from consumers.etl.cycle import BufferingPolicy, plan_cycle, unique_batches
from consumers.etl.landing_ledger import LandingLedger
from consumers.etl.manifest import LakeFile, check_files, copy_manifests, files_field, files_of
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
    return {
        "batch_id": out.batch_id,
        "bucket": "lake",
        "files": files_field(written.curated),
        "rows": written.rows(),
    }


def _size(s3: MemoryS3) -> Any:
    return lambda b, k: len(s3.objects[(b, k)]) if (b, k) in s3.objects else None


def test_a_batch_files_are_checked_against_the_lake() -> None:
    s3 = MemoryS3()
    batch = _landed(s3)
    check = check_files(files_of(batch, lambda _b, _k: None), _size(s3))
    assert check.ok and check.rows() == batch["rows"]
    victim = next(k for (_, k) in s3.objects if k.startswith("curated/fact_ticket_sales/"))
    s3.objects[("lake", victim)] = b"truncated"
    gone = next(k for (_, k) in s3.objects if k.startswith("curated/dim_venue/"))
    del s3.objects[("lake", gone)]
    problems = check_files(files_of(batch, lambda _b, _k: None), _size(s3)).problems
    assert any(gone in p and "missing" in p for p in problems)
    assert any(victim in p and "9 bytes" in p for p in problems)
    assert files_of({**batch, "files": {"dim_venue": [{"key": "k"}]}}, lambda _b, _k: None).problems
    assert files_of({**batch, "files": {}}, lambda _b, _k: None).problems == ["the batch names no file"]


def test_an_older_entry_is_read_through_its_manifests() -> None:
    """A batch landed by a worker from before the entries named their files (one COPY manifest
    per table) is checked and loaded all the same."""
    s3 = MemoryS3()
    batch = _landed(s3)
    files = files_of(batch, lambda _b, _k: None).entries
    legacy = {"batch_id": batch["batch_id"], "bucket": "lake", "rows": batch["rows"], "manifests": {}}
    for table, body in copy_manifests(files).items():
        legacy["manifests"][table] = f"manifests/{table}/{batch['batch_id']}.manifest"
        s3.objects[("lake", legacy["manifests"][table])] = body
    read = LakeObjects(s3_client(s3)).read_or_none
    assert files_of(legacy, read).entries == sorted(files, key=lambda f: f.table)
    legacy["manifests"]["dim_artist"] = "manifests/missing.manifest"
    assert "dim_artist: manifest missing" in files_of(legacy, read).problems


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


def test_a_copy_manifest_names_each_file_once_in_order() -> None:
    files = [LakeFile("t", "b", k, 10, 1) for k in ("1", "2", "2", "3")] + [LakeFile("u", "b", "4", 7, 2)]
    manifests = copy_manifests(files)
    entries = json.loads(manifests["t"])["entries"]
    assert [e["url"] for e in entries] == ["s3://b/1", "s3://b/2", "s3://b/3"]
    assert entries[0] == {
        "url": "s3://b/1",
        "mandatory": True,
        "meta": {"content_length": 10, "record_count": 1},
    }
    assert json.loads(manifests["u"])["entries"][0]["meta"]["record_count"] == 2


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
