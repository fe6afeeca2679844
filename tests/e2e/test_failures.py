"""The failure suite, on the embedded default while events stream: the KCL worker killed, the
local cloud restarted, the warehouse endpoint down for a while, the Lambda consumer failing
every third delivery. Each ends with `concert reconcile` clean (every produced event in the
warehouse or the DLQ, none twice) and no workflow execution still running.

The other faults of the suite are tested where they live: PutRecords throttling and partial
failures (tests/integration/test_publisher_local.py), a poison record and duplicates
(test_cli.py::test_malformed_and_duplicate_records...), a full replay
(test_cli.py::test_replaying_everything_loads_nothing_twice), a crash between durable write
and checkpoint and a warehouse endpoint SIGKILLed mid-load (tests/integration/test_kcl_worker.py).
Runs after test_cli.py and test_cli_chat.py on the same platform; alone, it starts one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

import pytest

from cloud.clients import client
from tests.e2e.conftest import CONCERT, Cli, activated, wait_for


@pytest.fixture(scope="module", autouse=True)
def running(cli: Cli) -> None:
    if not cli.cloud.healthy():
        cli.json("up", "--events", "500", "--rate", "20000", "--exit-when-done", timeout=900)


def _loaded(cli: Cli) -> int:
    proc = cli.run("query", "SELECT COUNT(*) AS n FROM event_log", "--json")
    return int(json.loads(proc.stdout)["rows"][0]["n"]) if proc.returncode == 0 else -1


def _produce(cli: Cli, events: int, rate: int, seed: int) -> subprocess.Popen[str]:
    """`concert produce` in the background, as a producer would run while things break."""
    args = [CONCERT, "produce", "--events", str(events), "--rate", str(rate), "--seed", str(seed), "--json"]
    return subprocess.Popen(args, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _streaming(cli: Cli, before: int) -> None:
    wait_for(lambda: _loaded(cli) > before, 180, "the first events of the stream loaded")


def _caught_up(cli: Cli, seed: int) -> dict[str, Any]:
    """Restart whatever is down (`up` reuses what runs), stream 10 more events, wait until all is
    placed; then reconcile must be clean and no ETL execution still running."""
    summary = cli.json("up", "--events", "10", "--seed", str(seed), "--exit-when-done", timeout=900)
    assert summary["reconciled"], summary
    report = cli.json("reconcile", timeout=300)
    assert report["ok"] and report["missing_from_warehouse_count"] == 0, report
    assert (
        report["warehouse_events"]
        + report["held"]
        + report.get("gave_up", 0)
        + report.get("quality_rejected", 0)
        == report["produced_events"]
    )
    wait_for(
        lambda: not cli.json("workflows", "executions", "--status", "RUNNING")["executions"],
        300,
        "the ETL executions to finish",
    )
    return report


def test_kcl_worker_killed_mid_stream_is_restarted_and_loses_nothing(cli: Cli) -> None:
    before = _loaded(cli)
    producer = _produce(cli, 3000, 300, seed=8101)
    _streaming(cli, before)
    with activated(cli) as rt:
        pid = rt.worker.process.running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    out, err = producer.communicate(timeout=300)
    assert producer.returncode == 0, err
    assert json.loads(out)["accepted"] == 3000
    _caught_up(cli, seed=8102)


def test_local_cloud_restarted_mid_stream_loses_nothing_it_accepted(cli: Cli) -> None:
    before = _loaded(cli)
    producer = _produce(cli, 3000, 300, seed=8111)
    _streaming(cli, before)
    assert cli.cloud.stop()  # SIGTERM: ministack saves its state, as `concert down` does
    producer.communicate(timeout=300)  # it reports what the stream refused while it was down
    report = _caught_up(cli, seed=8112)  # what the stream accepted, before and after, all landed
    assert report["produced_events"] > before


def test_warehouse_endpoint_down_for_a_while_loses_and_doubles_nothing(cli: Cli) -> None:
    before = _loaded(cli)
    producer = _produce(cli, 2000, 200, seed=8121)
    _streaming(cli, before)
    with activated(cli) as rt:
        assert rt.endpoint.stop()
    time.sleep(15)  # the outage itself: loads and ETL tasks fail and retry meanwhile
    out, err = producer.communicate(timeout=300)
    assert producer.returncode == 0 and json.loads(out)["accepted"] == 2000, err
    _caught_up(cli, seed=8122)


def test_lambda_consumer_failing_every_third_delivery_counts_every_sale_once(cli: Cli) -> None:
    with activated(cli) as rt:
        lam = client("lambda")
        name = rt.outputs()["LiveAggregatesFunctionName"]
        env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {**env, "FAULT_FAIL_EVERY_N_BATCHES": "3"}}
        )
    started_ms = int(time.time() * 1000)
    try:
        report = cli.json("produce", "--events", "2000", "--rate", "400", "--seed", "8131")
        assert report["accepted"] == 2000
        _caught_up(cli, seed=8132)

        def injected() -> bool:
            with activated(cli):
                found = client("logs").filter_log_events(
                    logGroupName=f"/aws/lambda/{name}", startTime=started_ms
                )
            return any("injected fault" in e["message"] for e in found["events"])

        wait_for(injected, 60, "a delivery failed by request (the function's log)")

        def same_totals() -> bool:
            live = cli.json("status", "--no-count").get("live_totals", {})
            wh = cli.json(
                "query", "SELECT COUNT(*) AS orders, SUM(quantity) AS tickets FROM fact_ticket_sales"
            )
            row = wh["rows"][0]
            return bool(live.get("orders") == row["orders"] and live.get("tickets") == row["tickets"])

        wait_for(same_totals, 300, "the live totals to equal the warehouse's")
    finally:
        with activated(cli):
            lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})
