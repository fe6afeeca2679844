"""The live feed (`concert produce --follow`, and `concert up` after its history), last of the
end-to-end modules: its sales are timed now, which moves the data's clock that the chat and the
models' windows read (the replayed history ends months earlier)."""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import UTC, datetime

from tests.e2e.conftest import CONCERT, Cli, wait_for


def test_a_live_feed_adds_sales_timed_now_until_its_bound(cli: Cli) -> None:
    started = datetime.now(UTC).isoformat()
    # the workload the platform holds (`up --events 2000`, seed 42): its concerts, no sale held
    fed = cli.json("produce", "--follow", "--events", "2000", "--rate", "50", "--seconds", "4", timeout=300)
    assert fed["accepted"] >= 100 and fed["failed"] == 0 and fed["refused"] == 0 and fed["seconds"] >= 4
    recent = f"SELECT COUNT(*) AS n FROM fact_ticket_sales WHERE sold_at >= CAST('{started}' AS TIMESTAMPTZ)"

    def loaded() -> bool:
        return bool(cli.json("query", recent)["rows"][0]["n"] == fed["accepted"])

    wait_for(loaded, 300, "every sale of the feed in the warehouse, timed now")
    usage = cli.run("produce", "--follow", "--source", "csv")
    assert usage.returncode == 2 and "--follow" in usage.stderr


def test_up_keeps_a_live_feed_until_ctrl_c_then_stops_without_a_traceback(cli: Cli) -> None:
    started = datetime.now(UTC).isoformat()
    proc = subprocess.Popen(
        [CONCERT, "up", "--events", "2000", "--follow-rate", "20", "--json"],  # what it holds, again
        env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        recent = (
            f"SELECT COUNT(*) AS n FROM fact_ticket_sales WHERE sold_at >= CAST('{started}' AS TIMESTAMPTZ)"
        )
        wait_for(
            lambda: cli.json("query", recent)["rows"][0]["n"] > 0,
            600,
            "the live feed's sales in the warehouse",
        )
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
    summary = json.loads(out)
    assert summary["interrupted"] and summary["follow"]["accepted"] > 0 and summary["follow"]["failed"] == 0
    assert summary["local_cloud"] == "stopped (state saved)"
    # started again, every sale of the interrupted feed is placed (and the next modules find it up)
    again = cli.json("up", "--events", "2000", "--exit-when-done", timeout=1200)
    assert again["reconciled"] and again["caught_up"]["settled"], again
