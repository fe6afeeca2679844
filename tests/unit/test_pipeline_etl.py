"""Land, then load: the pipeline lands a batch and is done without the warehouse; the load
cycle's tasks (plan, check, load) take everything landed, once, in one transaction per cycle."""

from __future__ import annotations

import importlib
import json
from types import ModuleType
from typing import Any

import pytest

from consumers.batch_events import CycleTrigger
from consumers.core import ConsumerCore
from consumers.etl.landing_ledger import LandingLedger
from consumers.etl.manifest import files_of
from consumers.lake import LakeWriter
from consumers.pipeline import Pipeline
from consumers.records import StreamRecord
from consumers.shard_state import ShardStateStore
from functions.etl import wiring
from producers.synthetic import Spec, generate
from schemas import to_json
from tests.fakes.clients import s3_client
from tests.fakes.dead_letters import MemoryDeadLetters
from tests.fakes.landings import MemoryAnnouncer, MemoryTrigger
from tests.fakes.s3 import MemoryS3
from tests.fakes.stepfunctions import MemoryStepFunctions
from tests.fakes.warehouse import LedgerWarehouse
from tests.unit.test_etl import CONTEXT, etl_parts

EVENTS = generate(Spec(seed=8).scaled(0.002)).events


def _pipeline(s3: MemoryS3, trigger: MemoryTrigger) -> Pipeline:
    return Pipeline(
        ConsumerCore(),
        LakeWriter(s3_client(s3), "lake"),
        MemoryDeadLetters(expected=False),
        ShardStateStore(s3_client(s3), "lake", "app"),
        LandingLedger(s3_client(s3), "lake"),
        lake_bucket="lake",
        trigger=trigger,
        max_backoff_s=0.01,
    )


def _records(events: list[Any], shard: str = "shard-0", start: int = 100) -> list[StreamRecord]:
    return [
        StreamRecord(to_json(e), e.partition_key(), str(start + i), shard, "s") for i, e in enumerate(events)
    ]


def _land(s3: MemoryS3, parts: int = 3) -> list[str]:
    """The workload in `parts` batches (in order: catalog before sales), landed; their ids."""
    trigger = MemoryTrigger()
    pipeline = _pipeline(s3, trigger)
    size = len(EVENTS) // parts + 1
    for i in range(parts):
        pipeline.handle("shard-0", _records(EVENTS[i * size : (i + 1) * size], start=1000 * i), lambda: False)
    return trigger.landed_ids


@pytest.fixture
def tasks(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[MemoryS3, LedgerWarehouse, dict[str, ModuleType]]:
    """The cycle's task modules wired to an in-memory lake and warehouse (every lease holder's
    execution still running, as Step Functions would say)."""
    s3, wh = MemoryS3(), LedgerWarehouse()
    etl_parts(monkeypatch, s3, wh)
    mods = {
        m: importlib.import_module(f"functions.etl.{m}")
        for m in ("plan_cycle", "check_batches", "load_cycle")
    }
    return s3, wh, mods


def _cycle(mods: dict[str, ModuleType], execution: str = "exec-1") -> dict[str, Any]:
    """One pass of the state machine's cycle: plan, check, load (as the ASL routes them)."""
    plan: dict[str, Any] = mods["plan_cycle"].handler({"execution": execution}, CONTEXT)
    if plan["action"] != "load":
        return plan
    checked: dict[str, Any] = mods["check_batches"].handler(plan, CONTEXT)
    if not checked["has_passed"]:
        return checked
    return dict(mods["load_cycle"].handler(checked, CONTEXT))


def test_a_batch_is_landed_and_done_without_the_warehouse() -> None:
    s3, trigger = MemoryS3(), MemoryTrigger()
    report = _pipeline(s3, trigger).handle("shard-0", _records(EVENTS), lambda: False)
    (entry,) = LandingLedger(s3_client(s3), "lake").pending()
    assert entry["batch_id"] == report.batch_id == trigger.landed_ids[0]
    assert entry["rows"]["event_log"] == report.loaded == len(EVENTS)
    named = files_of(entry, lambda _b, _k: None)  # everything the entry names is in the lake
    assert named.entries and not named.problems
    assert all(len(s3.objects[("lake", f.key)]) == f.size for f in named.entries)
    assert not [k for (_, k) in s3.objects if k.startswith("manifests/")], "no manifest per batch"


def test_one_cycle_loads_every_landed_batch_with_one_copy_per_table(tasks: Any) -> None:
    s3, wh, mods = tasks
    landed = _land(s3, parts=3)
    out = _cycle(mods)
    assert out["batches_loaded"] == 3 and {wh.status[b] for b in landed} == {"loaded"}
    dims, rest = [t for t in wh.transactions if any(s.startswith("COPY ") for s in t)]
    assert all(len(t) <= 40 for t in (dims, rest)), "each within the Data API's 40 statements"
    assert all(s.split()[1].startswith("stg_dim_") for s in dims if s.startswith("COPY "))
    assert any("INSERT INTO etl_batches" in s for s in rest[-2:]), "the ledger's rows commit with the facts"
    load = dims + rest
    copied = [s.split()[1] for s in load if s.startswith("COPY ")]
    assert len(copied) == len(set(copied)), "one COPY per table"
    manifest = next(s for s in load if s.startswith("COPY stg_event_log")).split("'")[1].split("/", 3)[3]
    entries = json.loads(s3.objects[("lake", manifest)])["entries"]
    assert sum(e["meta"]["record_count"] for e in entries) == len(EVENTS)
    assert sum(wh.rows_loaded[b] for b in landed) == sum(out["rows"].values())
    # The next plan removes the finished entries, gives the lease back and finds nothing to do.
    assert _cycle(mods)["action"] == "done" and wh.holder is None
    assert LandingLedger(s3_client(s3), "lake").keys() == []


def test_a_batch_failing_a_gate_is_rejected_alone(tasks: Any) -> None:
    s3, wh, mods = tasks
    landed = _land(s3, parts=3)
    ledger = LandingLedger(s3_client(s3), "lake").pending()
    victim = ledger[2]  # the last batch: no other batch needs its concerts
    s3.objects[("lake", victim["files"]["event_log"][0]["key"])] = b"not parquet"
    out = _cycle(mods)
    assert out["batches_loaded"] == 2
    assert wh.status == {landed[0]: "loaded", landed[1]: "loaded", landed[2]: "rejected"}
    assert ("lake", f"quality/{victim['batch_id']}.json") in s3.objects


def test_facts_of_a_concert_in_a_rejected_batch_are_rejected_too(tasks: Any) -> None:
    s3, wh, mods = tasks
    landed = _land(s3, parts=3)
    middle = LandingLedger(s3_client(s3), "lake").pending()[1]
    s3.objects[("lake", middle["files"]["event_log"][0]["key"])] = b"not parquet"
    _cycle(mods)
    assert wh.status[landed[0]] == "loaded" and wh.status[landed[1]] == "rejected"
    assert wh.status[landed[2]] == "rejected", "its sales need concerts only the rejected batch had"


def test_one_cycle_at_a_time_and_a_released_lease_is_taken_again(tasks: Any) -> None:
    s3, _wh, mods = tasks
    _land(s3, parts=1)
    first = mods["plan_cycle"].handler({"execution": "exec-1"}, CONTEXT)
    assert first["action"] == "load"
    assert mods["plan_cycle"].handler({"execution": "exec-2"}, CONTEXT)["action"] == "busy"
    mods["plan_cycle"].handler({"execution": "exec-1", "release": True, "error": {}}, CONTEXT)
    assert _cycle(mods, "exec-2")["batches_loaded"] == 1


def test_the_buffering_policy_waits_for_rows_or_age(tasks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s3, wh, mods = tasks
    _land(s3, parts=1)
    settings = wiring.parts().settings
    monkeypatch.setattr(settings, "min_rows", 10**9)
    monkeypatch.setattr(settings, "max_wait_s", 300.0)
    plan = mods["plan_cycle"].handler({"execution": "exec-1"}, CONTEXT)
    assert plan["action"] == "wait" and 295 <= plan["wait_s"] <= 300 and wh.holder == "exec-1"
    monkeypatch.setattr(settings, "min_rows", 1)
    assert _cycle(mods)["batches_loaded"] == 1


def test_a_cycle_asks_the_warehouse_for_its_concerts_once_whatever_its_batches(tasks: Any) -> None:
    s3, wh, mods = tasks
    _land(s3, parts=6)  # sales in later batches name concerts landed by earlier ones
    assert _cycle(mods)["batches_loaded"] == 6
    assert len(wh.asked) <= 1, "one question per cycle, not one per batch"


def test_a_batch_landed_twice_after_a_crash_is_loaded_once(tasks: Any) -> None:
    s3, wh, mods = tasks
    trigger = MemoryTrigger()
    records = _records(EVENTS)
    _pipeline(s3, trigger).handle("shard-0", records, lambda: False)
    _pipeline(s3, trigger).handle("shard-0", records, lambda: False)  # re-delivered after a restart
    assert len(LandingLedger(s3_client(s3), "lake").keys()) == 2
    out = _cycle(mods)
    assert out["batches_loaded"] == 1 and list(wh.status) == [trigger.landed_ids[0]]
    load = [s for t in wh.transactions if any(s.startswith("COPY ") for s in t) for s in t]
    assert any("ROW_NUMBER() OVER (PARTITION BY event_id" in s for s in load), "facts deduplicated by id"


def test_a_failed_load_loads_nothing_and_the_next_cycle_loads_it(tasks: Any) -> None:
    s3, wh, mods = tasks
    landed = _land(s3, parts=2)
    plan = mods["plan_cycle"].handler({"execution": "exec-1"}, CONTEXT)
    checked = mods["check_batches"].handler(plan, CONTEXT)
    wh.fail_batch_after = 0
    with pytest.raises(RuntimeError):
        mods["load_cycle"].handler(checked, CONTEXT)
    assert wh.status == {}
    assert _cycle(mods)["batches_loaded"] == 2 and set(wh.status) == set(landed)


def test_a_load_failing_after_its_dimensions_committed_is_loaded_once_by_the_next_cycle(tasks: Any) -> None:
    s3, wh, mods = tasks
    landed = _land(s3, parts=2)
    plan = mods["plan_cycle"].handler({"execution": "exec-1"}, CONTEXT)
    checked = mods["check_batches"].handler(plan, CONTEXT)
    wh.fail_batch_after = 1  # the dimensions' transaction commits, the rest's fails
    with pytest.raises(RuntimeError):
        mods["load_cycle"].handler(checked, CONTEXT)
    loads = [t for t in wh.transactions if any(s.startswith("COPY ") for s in t)]
    assert wh.status == {} and len(loads) == 1, "the dimensions in, no batch marked loaded"
    wh.release_lease("exec-1")
    assert _cycle(mods, "exec-2")["batches_loaded"] == 2 and set(wh.status) == set(landed)


def test_the_trigger_sends_at_once_then_once_per_interval_and_after_the_last_landing() -> None:
    announcer = MemoryAnnouncer()
    trigger = CycleTrigger(announcer, min_interval_s=0.2)
    for b in ("b1", "b2", "b3"):
        trigger.landed({"batch_id": b, "bucket": "lake", "rows": {}})
    assert announcer.wait_until(lambda a: "b3" in a.sent, 5), "the last landing of a burst is announced"
    assert announcer.sent == ["b1", "b3"]


def test_a_failed_trigger_is_sent_again() -> None:
    announcer = MemoryAnnouncer(fail_first=2)
    CycleTrigger(announcer, min_interval_s=0.0, max_backoff_s=0.5).landed(
        {"batch_id": "b1", "bucket": "lake", "rows": {}}
    )
    assert announcer.wait_until(lambda a: bool(a.sent), 10)
    assert announcer.tried == ["b1"] * 3 and announcer.sent == ["b1"]


@pytest.mark.parametrize(("status", "action"), [("FAILED", "load"), ("RUNNING", "busy")])
def test_a_lease_held_by_an_ended_execution_is_taken_over(
    tasks: Any, monkeypatch: pytest.MonkeyPatch, status: str, action: str
) -> None:
    s3, wh, mods = tasks
    _land(s3, parts=1)
    wh.holder, wh.expires = "exec-old", 2**40  # valid for ages, but its execution may have ended

    sfn = wiring.parts().sfn
    assert isinstance(sfn, MemoryStepFunctions)
    sfn.described["exec-old"] = {"status": status}
    assert mods["plan_cycle"].handler({"execution": "exec-new"}, CONTEXT)["action"] == action
    assert sfn.asked == ["exec-old"], "only the holder's execution is asked after"
    assert wh.holder == ("exec-new" if action == "load" else "exec-old")


def test_a_restarted_worker_knows_the_dimensions_it_landed_but_not_loaded() -> None:
    from consumers.catalog import CatalogState
    from consumers.kcl_worker import landed_catalog

    s3, wh = MemoryS3(), LedgerWarehouse()
    landed = _land(s3, parts=2)
    wh.status[landed[0]] = "loaded"  # the first batch is in the warehouse, the second only landed
    state = CatalogState()
    waiting = landed_catalog(state, LandingLedger(s3_client(s3), "lake"), wh, s3_client(s3))
    assert [e["batch_id"] for e in waiting] == [landed[1]]
    second = LandingLedger(s3_client(s3), "lake").pending()[1]
    assert second["files"]["dim_concert"], "the second batch landed concerts"
    one_worker = ConsumerCore()
    size = len(EVENTS) // 2 + 1
    one_worker.process(_records(EVENTS[:size], start=0), "a")
    out = one_worker.process(_records(EVENTS[size:], start=1000), "b")
    assert {r["concert_id"] for r in out.tables["dim_concert"]} <= set(state.concerts)


def test_a_load_of_every_table_fits_the_data_apis_batches() -> None:
    from consumers.warehouse.load_sql import LOAD_ORDER, cycle_ledger_statements, load_transactions

    ledger = cycle_ledger_statements([(f"b{i}", "loaded", 1, "") for i in range(200)])
    txs = load_transactions({t: f"m/{t}" for t in LOAD_ORDER}, bucket="b", iam_role="r", ledger=ledger)
    assert len(txs) == 2 and all(len(t) <= 40 for t in txs), [len(t) for t in txs]
    assert all("stg_dim_" in s for s in txs[0] if s.startswith("COPY ")), "the dimensions alone, first"
    assert txs[-1][-2:] == ledger, "the ledger's rows commit last, with the facts"
    assert not any(s.startswith("DROP ") for t in txs for s in t), "temp tables end with the session"
