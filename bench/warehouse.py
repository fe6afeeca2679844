"""The local warehouse endpoint under concurrent work (#18), one source tree beside another.

Each tree runs its own endpoint on a fresh DuckDB file: the tree's star schema, seeded by
INSERT ... SELECT over a numbers table. A statement is timed from ExecuteStatement to FINISHED
and its result read, polled as the platform's client polls; warm-ups are not timed. Analytics:
the Analytics page's statements `rounds` times, idle and while other threads repeat an ETL load
cycle and a retraining extract. Loads: a load cycle `rounds` times, idle and while 4 threads
repeat a heavy analytic query.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx

from consumers.tables import table_schemas
from consumers.warehouse.client import DataApiWarehouse, WarehouseSettings
from functions.dashboard import analytics

Progress = Callable[[str], None] | None
Job = Callable[["Session", int], object]

ARTISTS, VENUES, CONCERTS = 1_000, 200, 3_000
CUSTOMERS = 19_997  # a prime: a customer buys from many artists (the heavy query joins on them)
LOAD_ROWS = 20_000  # ticket sales in one load cycle
HEAVY_THREADS = 4
STATEMENT_S = 180.0  # the longest a statement may take before the bench fails
T0 = "CAST('2025-01-01 00:00:00+00' AS TIMESTAMPTZ)"
# The Analytics page's panels (web/src/pages/analytics.ts), metric by group; top 10, the default.
PANELS = (("tickets", "day"), ("revenue", "day"), ("tickets", "venue"), ("tickets", "artist"),
          ("revenue", "city"), ("sell_through", "concert"))  # fmt: skip
FACT_COLUMNS = tuple(table_schemas()["fact_ticket_sales"].names)  # the seed's values follow this order
# The retraining run's extract: per-concert features over every sale.
EXTRACT_SQL = (
    "SELECT concert_id, COUNT(*) AS sales, SUM(quantity) AS tickets, SUM(revenue) AS revenue, "
    "COUNT(DISTINCT customer_id) AS customers, MIN(sold_at) AS first_sale, MAX(sold_at) AS last_sale, "
    "AVG(days_to_show) AS mean_days_to_show, SUM(CASE WHEN price_band = 'high' THEN quantity ELSE 0 END) "
    "AS high_band FROM fact_ticket_sales GROUP BY concert_id"
)
# A heavy analytic query: how many other artists' concerts each artist's fans went to (a self-join).
HEAVY_SQL = (
    "SELECT a.artist_id, COUNT(DISTINCT b.concert_id) AS shared FROM fact_ticket_sales AS a "
    "JOIN fact_ticket_sales AS b ON b.customer_id = a.customer_id AND b.artist_id <> a.artist_id "
    "GROUP BY a.artist_id ORDER BY shared DESC LIMIT 100"
)


def percentile(samples: list[float], q: float) -> float:
    """The nearest-rank `q` quantile (0 < q <= 1) of non-empty `samples`."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, Any]:
    """Count, p50, p95 and max, in seconds."""
    quantiles = {"p50_s": 0.5, "p95_s": 0.95, "max_s": 1.0}
    return {"n": len(samples), **{k: round(percentile(samples, q), 3) for k, q in quantiles.items()}}


def ratios(baseline: dict[str, Any], current: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Baseline over current for each condition both have (above 1: the current is faster)."""
    keys = ("p50_s", "p95_s", "max_s")
    return {c: {k: round(baseline[c][k] / current[c][k], 2) for k in keys} for c in current if c in baseline}


def schema_statements(text: str) -> list[str]:
    """The statements of a DDL script: `--` comments dropped, split on `;`."""
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    return [s.strip() for s in code.split(";") if s.strip()]


def numbers(count: int, offset: int = 0) -> str:
    """A query of `i` from `offset` to `offset + count - 1` (count at most 1,000,000) over the
    1,000-row numbers table (the endpoint refuses generate_series)."""
    return (
        f"SELECT {offset} + x.n * 1000 + y.n AS i FROM bench_numbers AS x CROSS JOIN bench_numbers AS y "
        f"WHERE x.n * 1000 + y.n < {count}"
    )


def _pick(expr: str, *choices: str) -> str:
    """One of `choices` by `expr` modulo their number."""
    whens = " ".join(f"WHEN {k} THEN '{c}'" for k, c in enumerate(choices[:-1]))
    return f"CASE {expr} % {len(choices)} {whens} ELSE '{choices[-1]}' END"


def seed_statements(sales_rows: int) -> list[str]:
    """The numbers table, the dimensions, `sales_rows` ticket sales and their daily aggregates."""
    genre, name = _pick("i", "rock", "pop", "jazz", "hip-hop", "folk"), "|| CAST(i AS VARCHAR)"
    fact = (  # {} stands for the numbers' query: one statement per million
        f"INSERT INTO fact_ticket_sales ({', '.join(FACT_COLUMNS)}) SELECT 'sale-' || CAST(i AS VARCHAR), i, "
        f"c.concert_id, c.artist_id, c.venue_id, CAST(i AS BIGINT) * 7919 % {CUSTOMERS}, sold_at, "
        f"CAST(TO_CHAR(sold_at, 'YYYYMMDD') AS INTEGER), {_pick('i', 'general', 'floor', 'vip')}, "
        "CAST(1 + i % 4 AS SMALLINT), CAST(c.min_price + i % 150 AS DECIMAL(12,2)), "
        f"CAST((1 + i % 4) * (c.min_price + i % 150) AS DECIMAL(14,2)), 'USD', {_pick('i', 'web', 'app')}, "
        f"{_pick('i', 'low', 'mid', 'high')}, v.city, v.state, v.capacity, c.capacity, a.genre, "
        "a.popularity, DATEDIFF(day, sold_at, c.starts_at), i % 1000, "
        "CAST(i % 1000 AS DOUBLE PRECISION) / c.capacity "
        f"FROM (SELECT i, DATEADD(minute, (i * 37) % 525600, {T0}) AS sold_at FROM ({{}}) AS n) AS g "
        f"JOIN dim_concert AS c ON c.concert_id = g.i % {CONCERTS} JOIN dim_venue AS v "
        "ON v.venue_id = c.venue_id JOIN dim_artist AS a ON a.artist_id = c.artist_id"
    )
    return [
        "CREATE TABLE bench_digits (d INTEGER)",
        f"INSERT INTO bench_digits (d) VALUES {', '.join(f'({d})' for d in range(10))}",
        "CREATE TABLE bench_numbers (n INTEGER)",
        "INSERT INTO bench_numbers (n) SELECT a.d * 100 + b.d * 10 + c.d FROM bench_digits AS a "
        "CROSS JOIN bench_digits AS b CROSS JOIN bench_digits AS c",
        f"INSERT INTO dim_artist SELECT i, 'Artist ' {name}, {genre}, {genre}, CAST(i % 100 AS SMALLINT), "
        f"'US', {T0}, 'a-' {name} FROM ({numbers(ARTISTS)}) AS n",
        f"INSERT INTO dim_venue SELECT i, 'Venue ' {name}, 'City ' || CAST(i % 60 AS VARCHAR), "
        f"{_pick('i', 'IL', 'NY', 'CA', 'TX', 'WA')}, 2000 + (i % 40) * 500, {T0}, 'v-' {name} "
        f"FROM ({numbers(VENUES)}) AS n",
        f"INSERT INTO dim_concert SELECT i, i % {ARTISTS}, i % {VENUES}, DATEADD(day, 30 + i % 365, {T0}), "
        f"DATEADD(day, i % 365 - 60, {T0}), 1000 + (i % 20) * 250, 20, 200, CASE WHEN i % 50 = 0 "
        f"THEN 'cancelled' ELSE 'scheduled' END, NULL, {T0}, 'c-' {name} FROM ({numbers(CONCERTS)}) AS n",
        *(fact.format(numbers(min(10**6, sales_rows - at), at)) for at in range(0, sales_rows, 10**6)),
        "INSERT INTO agg_daily_sales SELECT date_key, concert_id, venue_id, artist_id, SUM(quantity), "
        "SUM(revenue), 0, 0 FROM fact_ticket_sales GROUP BY date_key, concert_id, venue_id, artist_id",
    ]


def load_cycle(tag: str) -> list[str]:
    """One ETL load of LOAD_ROWS sales in one transaction, shaped like consumers/warehouse/load_sql
    (temp staging, dedup, MERGE, the touched daily aggregates rebuilt) with an INSERT from the seed
    for the COPY from the lake; the previous cycle's rows are deleted first (the table keeps its size)."""
    stg, touched, cols = f"stg_fact_ticket_sales_{tag}", f"touched_{tag}", ", ".join(FACT_COLUMNS)
    latest, at = f"{stg}_latest", "ON x.date_key = f.date_key AND x.concert_id = f.concert_id"
    sums = (
        "SELECT f.date_key, f.concert_id, SUM(f.quantity) AS tickets, SUM(f.revenue) AS revenue FROM "
        f"fact_ticket_sales AS f JOIN {touched} AS x {at} GROUP BY f.date_key, f.concert_id"
    )
    return [
        f"CREATE TEMP TABLE {stg} AS SELECT * FROM fact_ticket_sales WHERE 1 = 0",
        f"INSERT INTO {stg} ({cols}) SELECT 'load-' || CAST(sale_id AS VARCHAR), {cols.split(', ', 1)[1]} "
        f"FROM fact_ticket_sales WHERE sale_id < {LOAD_ROWS} AND event_id LIKE 'sale-%'",
        f"CREATE TEMP TABLE {latest} AS SELECT {cols} FROM (SELECT *, ROW_NUMBER() OVER "
        f"(PARTITION BY event_id ORDER BY event_id) AS rn FROM {stg}) AS ranked WHERE rn = 1",
        "DELETE FROM fact_ticket_sales WHERE event_id LIKE 'load-%'",
        f"MERGE INTO fact_ticket_sales USING {latest} ON fact_ticket_sales.event_id = {latest}.event_id "
        f"WHEN MATCHED THEN UPDATE SET sale_id = {latest}.sale_id WHEN NOT MATCHED THEN INSERT ({cols}) "
        f"VALUES ({', '.join(f'{latest}.{c}' for c in FACT_COLUMNS)})",
        f"CREATE TEMP TABLE {touched} AS SELECT DISTINCT date_key, concert_id FROM {stg}",
        f"DELETE FROM agg_daily_sales USING {touched} WHERE agg_daily_sales.date_key = {touched}.date_key "
        f"AND agg_daily_sales.concert_id = {touched}.concert_id",
        "INSERT INTO agg_daily_sales (date_key, concert_id, venue_id, artist_id, tickets, revenue, "
        "refunded_tickets, refunded_amount) SELECT x.date_key, x.concert_id, c.venue_id, c.artist_id, "
        f"COALESCE(f.tickets, 0), COALESCE(f.revenue, 0), 0, 0 FROM {touched} AS x JOIN dim_concert AS c "
        f"ON c.concert_id = x.concert_id LEFT JOIN ({sums}) AS f {at}",
        *(f"DROP TABLE {t}" for t in (touched, latest, stg)),
    ]


def page_statements(last_sale: date) -> list[str]:
    """The Analytics page's statements: its filter options, then its panels from 90 days before
    the newest sale to that day (the page's default)."""
    period = {"from": (last_sale - timedelta(days=90)).isoformat(), "to": last_sale.isoformat(), "top": "10"}
    panels = (analytics.statement({"metric": m, "group": g, **period})[0] for m, g in PANELS)
    return [*analytics.options_sql().values(), *panels]


class Session:
    """One client of the endpoint (a thread's own): runs a statement or a batch to its end."""

    def __init__(self, url: str) -> None:
        self.client = boto3.client(
            "redshift-data", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x",
        )  # fmt: skip
        settings = WarehouseSettings(workgroup="concert", db_user="", timeout_s=STATEMENT_S)
        self.warehouse = DataApiWarehouse(self.client, settings)  # its wait is bounded, raises the Error
        self.submitted = threading.Event()

    def timed(self, sqls: list[str]) -> float:
        """Seconds from submission to FINISHED and every result page read."""
        db, started = "concert", time.perf_counter()  # the database, and its workgroup's name
        if len(sqls) == 1:
            sid = self.client.execute_statement(Sql=sqls[0], Database=db, WorkgroupName=db)["Id"]
        else:
            sid = self.client.batch_execute_statement(Sqls=sqls, Database=db, WorkgroupName=db)["Id"]
        self.submitted.set()
        token: str | None = "" if self.warehouse.wait(sid).get("HasResultSet") else None
        while token is not None:  # every page of the result
            page = (
                self.client.get_statement_result(Id=sid, NextToken=token)
                if token
                else self.client.get_statement_result(Id=sid)
            )
            token = page.get("NextToken") or None
        return time.perf_counter() - started


@contextmanager
def running(work: list[tuple[Session, Job]]) -> Iterator[list[int]]:
    """Repeat each job in a thread of its own (job(session, 0), job(session, 1), ...) from when
    each has submitted its first statement to the end of the block; yields how many each did."""
    stop, done = threading.Event(), [0] * len(work)
    errors: list[BaseException] = []

    def loop(k: int) -> None:
        session, job = work[k]
        try:
            while not stop.is_set():
                job(session, done[k])
                done[k] += 1
        except BaseException as exc:  # raised by the main thread
            errors.append(exc)
            session.submitted.set()

    threads = [threading.Thread(target=loop, args=(k,), daemon=True) for k in range(len(work))]
    for (session, _), thread in zip(work, threads, strict=True):
        session.submitted.clear()
        thread.start()
    try:
        if not all(session.submitted.wait(30) for session, _ in work) or errors:
            raise errors[0] if errors else TimeoutError("a background job submitted nothing in 30 s")
        yield done
    finally:
        stop.set()
        deadline = time.monotonic() + 2 * STATEMENT_S
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    if errors or any(t.is_alive() for t in threads):
        raise errors[0] if errors else TimeoutError("a background job did not end")


@contextmanager
def endpoint(tree: Path, data: Path) -> Iterator[str]:
    """The tree's endpoint on `data`/w.duckdb, ready; stopped at the end (SIGTERM, then killed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log, url, db = data / "endpoint.log", f"http://127.0.0.1:{port}", str(data / "w.duckdb")
    with log.open("wb") as out:
        argv = [sys.executable, "-m", "cloud.dataapi.server", "--port", str(port), "--db", db]
        env = {**os.environ, "PYTHONPATH": str(tree)}
        proc = subprocess.Popen(argv, cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the endpoint of {tree} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def bench_tree(tree: Path, label: str, *, sales_rows: int, rounds: int, progress: Progress) -> dict[str, Any]:
    """Every workload on a fresh endpoint of `tree`."""
    say, cycles = progress or (lambda _m: None), itertools.count()
    describe = ["git", "-C", str(tree), "describe", "--always", "--dirty", "--exclude=*"]
    commit = subprocess.run(describe, capture_output=True, text=True, check=True).stdout.strip()
    out: dict[str, Any] = {"label": label, "tree": str(tree), "commit": commit}  # -dirty: uncommitted changes

    def load(session: Session, _n: int = 0) -> float:
        return session.timed(load_cycle(f"c{next(cycles)}"))

    with tempfile.TemporaryDirectory(prefix="bench-warehouse-") as tmp, endpoint(tree, Path(tmp)) as url:
        main, other = Session(url), [Session(url) for _ in range(HEAVY_THREADS)]
        say(f"{label} ({commit}): the schema and {sales_rows:,} sales")
        started, schema = time.perf_counter(), (tree / "consumers" / "warehouse" / "schema.sql").read_text()
        for sqls in [schema_statements(schema), *([s] for s in seed_statements(sales_rows))]:
            main.timed(sqls)
        out["seed_s"] = round(time.perf_counter() - started, 1)
        last = main.warehouse.query("SELECT MAX(sold_at) AS last FROM fact_ticket_sales")[0]["last"]
        page = page_statements(datetime.fromisoformat(str(last)).date())

        def pages() -> list[float]:
            return [main.timed([s]) for _ in range(rounds) for s in page]

        load(main)  # the warm-ups, and the idle times of a page and of the background queries
        out["page_idle_s"] = round(sum(main.timed([s]) for s in page), 2)
        out["extract_idle_s"] = round(main.timed([EXTRACT_SQL]), 2)
        out["heavy_idle_s"] = round(main.timed([HEAVY_SQL]), 2)
        say(f"{label}: analytics idle, then under an ETL load cycle and a retraining extract")
        cond = {"analytics idle": summary(pages())}
        with running([(other[0], load), (other[1], lambda x, _n: x.timed([EXTRACT_SQL]))]) as done:
            cond["analytics under ETL + retraining"] = summary(pages())
        out["background"] = {"load_cycles": done[0], "extracts": done[1]}
        say(f"{label}: loads idle, then under {HEAVY_THREADS} heavy queries")
        cond["loads idle"] = summary([load(main) for _ in range(rounds)])
        with running([(s, lambda x, _n: x.timed([HEAVY_SQL])) for s in other]) as done:
            cond[f"loads under {HEAVY_THREADS} heavy queries"] = summary([load(main) for _ in range(rounds)])
        out["background"]["heavy_queries"] = sum(done)
    return {**out, "conditions": cond}


def run_warehouse_bench(
    trees: list[Path], *, sales_rows: int = 1_000_000, rounds: int = 5, progress: Progress = None
) -> dict[str, Any]:
    """The workloads on each tree in turn (the first is the current, a second the baseline), with
    baseline/current ratios when both ran."""
    labels = ("current", "baseline", *(f"tree {i}" for i in range(2, len(trees))))[: len(trees)]
    results = [
        bench_tree(t, x, sales_rows=sales_rows, rounds=rounds, progress=progress)
        for t, x in zip(trees, labels, strict=True)
    ]
    out: dict[str, Any] = {"sales_rows": sales_rows, "rounds": rounds, "trees": results}
    if len(results) > 1:
        out["ratios_baseline_over_current"] = ratios(results[1]["conditions"], results[0]["conditions"])
    return out
