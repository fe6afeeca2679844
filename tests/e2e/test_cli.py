"""The `concert` CLI end to end, as a user runs it: its own local cloud, deploy, produce, status, down."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter

import pytest

from producers.files import ingest_path
from producers.synthetic import events_for
from tests.e2e.conftest import CONCERT, UPLOADS, Cli


def test_unreachable_cloud_is_a_one_line_error(cli: Cli) -> None:
    proc = cli.run("produce", "--events", "5")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach" in lines[0] and "concert up" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["produce", "--events", "0"],
        ["produce", "--source", "parquet"],
        ["produce", "--rate", "fast"],
        ["nope"],
        ["produce", "--source", "csv"],
        ["produce", "--source", "csv", "/no/such/file.csv"],
    ],
)
def test_bad_arguments_are_one_line_errors(cli: Cli, args: list[str]) -> None:
    proc = cli.run(*args)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "error:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_up_starts_deploys_produces_and_waits_for_processing(cli: Cli) -> None:
    summary = cli.json("up", "--events", "2000", "--rate", "20000", "--exit-when-done")
    assert summary["produced"] == 2000 and summary["refused"] == 0 and summary["failed"] == 0
    assert summary["deploy"]["status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    assert (
        summary["reconciled"] is True and summary["rejected"] == 0 and summary["duplicates_suppressed"] == 0
    )
    assert summary["warehouse_events"] == summary["lake_records"] == 2000 - summary["held"]
    sales = sum(1 for e in events_for(2000, seed=42) if e.event_type == "TicketSold")
    assert summary["warehouse_ticket_sales"] == sales
    assert summary["latency_p95_s"] >= summary["latency_p50_s"] > 0
    # when the warehouse and the live totals reached the figures they agree on, after the last event
    caught = summary["caught_up"]
    assert caught["settled"] and caught["totals"]["orders"] == sales, caught
    assert caught["warehouse_s"] >= 0 and caught["live_s"] >= 0
    etl = summary["etl_executions"]
    assert etl.get("SUCCEEDED", 0) >= 1 and not etl.get("FAILED"), etl
    assert cli.cloud.healthy(), "--exit-when-done leaves the platform running for queries"


def test_workflows_show_the_etl_executions_started_by_events(cli: Cli) -> None:
    assert "concert-etl" in {m["name"] for m in cli.json("workflows", "list")["state_machines"]}
    runs = cli.json("workflows", "executions")
    assert runs["counts"].get("SUCCEEDED", 0) >= 1 and not runs["counts"].get("FAILED"), runs["counts"]
    # One execution at a time holds the load lease and loads in cycles; the others end at once.
    loaders: list[list[str]] = []
    others: list[list[str]] = []
    for run in (r for r in runs["executions"] if r["status"] == "SUCCEEDED"):
        events = cli.json("workflows", "history", run["arn"])["events"]
        entered = [e["state"] for e in events if e["type"].endswith("StateEntered")]
        (loaders if "LoadCycle" in entered else others).append(entered)
        if loaders:
            break
    assert loaders, "an execution loaded a cycle"
    assert all(h[:2] == ["Cycle", "PlanCycle"] and h[-1] == "Done" for h in loaders + others)
    assert "CheckBatches" in loaders[0] and "EmitUpdated" in loaders[0]
    agg = cli.json("query", "SELECT SUM(tickets) AS t, SUM(revenue) AS r FROM agg_daily_sales")["rows"]
    facts = cli.json("query", "SELECT SUM(quantity) AS t, SUM(revenue) AS r FROM fact_ticket_sales")["rows"]
    assert agg == facts and facts[0]["t"] > 0
    for view in ("agg_daily_venue_sales", "agg_daily_artist_sales"):
        assert cli.json("query", f"SELECT SUM(tickets) AS t, SUM(revenue) AS r FROM {view}")["rows"] == facts
    through = cli.json(
        "query", "SELECT MIN(sell_through) AS lo, MAX(sell_through) AS hi FROM agg_concert_sell_through"
    )
    assert 0 <= through["rows"][0]["lo"] <= through["rows"][0]["hi"] <= 1.5
    missing = cli.run("workflows", "history", "no-such-execution")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    bad = cli.run("workflows", "start", "--input", "[1")
    assert bad.returncode == 2 and "not JSON" in bad.stderr


def test_query_reads_the_warehouse_and_refuses_writes(cli: Cli) -> None:
    rows = cli.json("query", "SELECT COUNT(*) AS n, SUM(quantity) AS tickets FROM fact_ticket_sales")["rows"]
    sold = [e for e in events_for(2000, seed=42) if e.event_type == "TicketSold"]
    assert rows == [{"n": len(sold), "tickets": sum(e.data.quantity for e in sold)}]
    for bad in ("DELETE FROM fact_ticket_sales", "SELECT 1; DROP TABLE dim_venue", "SELEC 1"):
        proc = cli.run("query", bad)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, bad


def test_produce_20000_lands_exactly_once(cli: Cli) -> None:
    before = cli.stream_ids()
    report = cli.json("produce", "--events", "20000", "--seed", "7")
    assert report["accepted"] == 20_000 and report["failed"] == 0 and report["refused"] == 0
    after = cli.stream_ids()
    added = after - before
    expected = [str(e.event_id) for e in events_for(20_000, seed=7)]
    assert sum(added.values()) == 20_000 and added == Counter(expected)


def test_status_reports_resources_and_counts(cli: Cli) -> None:
    status = cli.json("status")
    assert status["local_cloud"]["running"] and status["stack"]["status"].endswith("_COMPLETE")
    assert status["warehouse_endpoint"]["running"] and status["kcl_worker"]["running"]
    assert {"EventsStreamName", "RawBucketName", "DlqUrl"} <= set(status["resources"])
    stream = status["streams"]["concert-events"]
    assert stream["events"] == sum(cli.stream_ids().values()) == 22_000 and stream["open_shards"] == 2
    assert status["dlq_depth"] == 0
    h = status["health"]
    assert set(h["dead_letters"]) == {
        "concert-events-dlq",
        "concert-upload-failures",
        "concert-live-aggregates-failures",
    }
    assert h["workflows"]["concert-etl"]["failed"] == 0 and h["warehouse"]["events"] > 0
    failed = any(w["failed"] for w in h["workflows"].values())
    assert h["healthy"] is (not any(h["dead_letters"].values()) and not failed and not h["alarms_firing"])


def test_produce_files_reports_bad_rows_and_publishes_good_ones(cli: Cli) -> None:
    before = cli.stream_ids()
    report = cli.json("produce", "--source", "csv", str(UPLOADS / "sales.csv"), expect=3)
    assert report["accepted"] == 3 and report["bad_rows"] == 7
    assert [e["row"] for e in report["files"][0]["errors"]] == [3, 4, 5, 6, 7, 8, 9]
    for fmt, name in (("json", "catalog.json"), ("xml", "concerts.xml")):
        r = cli.json("produce", "--source", fmt, str(UPLOADS / name), expect=3)
        assert r["accepted"] == len(ingest_path(UPLOADS / name).events) == 3
    added = cli.stream_ids() - before
    expected = [
        str(e.event_id)
        for n in ("sales.csv", "catalog.json", "concerts.xml")
        for e in ingest_path(UPLOADS / n).events
    ]
    assert added == Counter(expected)


def test_reconcile_is_clean_once_everything_is_processed(cli: Cli) -> None:
    deadline = time.monotonic() + 300
    while True:
        proc = cli.run("reconcile", "--json")
        report = json.loads(proc.stdout)
        placed = report["warehouse_events"] + report["held"] == report["produced_events"]
        if proc.returncode == 0 and placed:
            break
        assert time.monotonic() < deadline, f"not reconciled in time: {report}"
        time.sleep(2)
    assert report["ok"] and report["missing_from_warehouse_count"] == 0
    assert report["held"] == 1, "concerts.xml cancels concert 70011, never scheduled: it waits for it"


def test_train_registers_three_models_and_a_second_run_promotes_nothing(cli: Cli) -> None:
    first = cli.json("train", timeout=1200)
    models = {r["model"]: r for r in first["models"]}
    assert set(models) == {"ticket_sales", "venue_popularity", "recommendations"}
    sales = cli.json("query", "SELECT COUNT(*) AS n FROM fact_ticket_sales")["rows"][0]["n"]
    for r in models.values():
        assert r["status"] in ("promoted", "rejected"), r
        assert r["data"]["sales"] == sales and r["artifact"].endswith("/output/model.tar.gz")
        assert r["code_version"] and r["holdout"] and r["baselines"]
    assert models["recommendations"]["peers"]["implicit_als"]["ndcg_at_10"] >= 0
    second = {r["model"]: r for r in cli.json("train", timeout=1200)["models"]}
    for name, r in second.items():
        assert r["status"] == "rejected" and "not better than" in r["reason"], (name, r["reason"])
        assert r["metrics"] == models[name]["metrics"], "same data and seed: the same model again"
    history = cli.json("workflows", "history", first["execution"], "--state-machine", "concert-retrain")
    entered = [e.get("state") for e in history["events"]]
    assert "CheckTrigger" in entered and "EachModel" in entered
    current = {name: r["compared_with"]["version"] for name, r in second.items()}
    promoted = cli.json("status", "--no-count")["models"]
    assert {name: m["version"] for name, m in promoted.items()} == current

    concert = cli.json("query", "SELECT MIN(concert_id) AS c FROM fact_ticket_sales")["rows"][0]["c"]
    answer = cli.json("predict", "sales", "--concert", str(concert))
    assert answer["version"] == current["ticket_sales"] and answer["concert_id"] == concert
    assert answer["tickets"]["low_80"] <= answer["tickets"]["predicted"] <= answer["tickets"]["high_80"]
    buyer = cli.json(
        "query",
        "SELECT customer_id AS c, COUNT(*) AS n FROM fact_ticket_sales GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    )["rows"][0]["c"]
    recs = cli.json("recommend", "--customer", str(buyer), "--k", "5", "--as-of", "2026-01-01T00:00:00+00:00")
    assert (
        recs["version"] == current["recommendations"]
        and not recs["cold_start"]
        and len(recs["concerts"]) == 5
    )
    cold = cli.json("recommend", "--customer", "999999999", "--k", "3")
    assert cold["cold_start"] and cold["low_confidence"] and cold["reasons"]
    ranked = cli.json("venues", "rank", "--top", "3")
    assert ranked["version"] == current["venue_popularity"] and [v["rank"] for v in ranked["venues"]] == [
        1,
        2,
        3,
    ]

    for args, message in (
        (["predict", "sales", "--concert", "999999999"], "unknown concert 999999999"),
        (["train", "--model", "nope"], "unknown model 'nope'"),
        (["recommend", "--customer", "5", "--as-of", "soon"], "--as-of must be an ISO 8601 time"),
    ):
        proc = cli.run(*args)
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_replaying_everything_loads_nothing_twice(cli: Cli) -> None:
    before = cli.json("reconcile")
    empty = cli.json("replay", "--from", "dlq")
    assert empty["selected"] == 0 and empty["accepted"] == 0
    replayed = cli.json("replay", "--from", "lake")
    assert (
        replayed["selected"] == replayed["accepted"] == before["produced_records"]
        and replayed["refused"] == 0
    )
    deadline = time.monotonic() + 300
    while True:
        report = json.loads(cli.run("reconcile", "--json").stdout)
        if report["duplicates_in_stream"] == replayed["accepted"] and report["ok"]:
            break
        assert time.monotonic() < deadline, f"replay not absorbed in time: {report}"
        time.sleep(2)
    assert report["warehouse_events"] == before["warehouse_events"]
    assert report["lake_records"] == before["lake_records"]
    assert report["warehouse_ticket_sales"] == before["warehouse_ticket_sales"]
    bad = cli.run("replay", "--from", "lake", "--since", "yesterday")
    assert bad.returncode == 2 and "yyyy-mm-dd" in bad.stderr


def test_malformed_and_duplicate_records_are_rejected_and_suppressed_exactly(cli: Cli) -> None:
    before = cli.json("reconcile")
    summary = cli.json(
        "up", "--events", "1000", "--seed", "99", "--rate", "20000",
        "--malformed", "18", "--duplicates", "30", "--exit-when-done",
    )  # fmt: skip
    assert summary["malformed_injected"] == 18 and summary["duplicates_injected"] == 30
    assert summary["reconciled"] is True and summary["produced"] == 1000
    assert summary["rejected"] - before["dlq_records"] == 18
    assert summary["duplicates_suppressed"] - before["duplicates_in_stream"] == 30
    placed = summary["warehouse_events"] + summary["held"] - before["warehouse_events"] - before["held"]
    assert placed == 1000 and summary["lake_records"] - before["lake_records"] == 1000
    replay = cli.json("replay", "--from", "dlq")
    assert replay["selected"] == 18 and replay["accepted"] == 0 and replay["refused"] == 18


def test_human_output_and_progress(cli: Cli) -> None:
    proc = cli.run("produce", "--events", "50", "--seed", "9", "--aggregate")
    assert proc.returncode == 0, proc.stderr
    assert "50 accepted into concert-events" in proc.stdout
    narrow = subprocess.run(
        [CONCERT, "dashboard"], env={**cli.env, "COLUMNS": "40"}, capture_output=True, text=True, timeout=120
    )
    assert narrow.returncode == 0, narrow.stderr
    url = next(w for w in narrow.stdout.split() if w.startswith("http"))
    assert "token=" in url and url.endswith("#/live"), "the link is printed whole on a 40-column terminal"


def test_down_then_up_resumes_the_saved_state(cli: Cli) -> None:
    before = cli.stream_ids()
    assert cli.json("down")["stopped"] is True
    stopped = cli.json("status")
    assert not stopped["local_cloud"]["running"] and not stopped["kcl_worker"]["running"]
    assert not stopped["warehouse_endpoint"]["running"]
    summary = cli.json("up", "--events", "10", "--seed", "3", "--exit-when-done")
    assert summary["produced"] == 10
    after = cli.stream_ids()
    assert after - before == Counter(str(e.event_id) for e in events_for(10, seed=3))
    assert before - after == Counter(), "nothing produced before the restart was lost"
