"""`concert dashboard`: the link that opens the dashboard (a session token in it). Locally
it starts the web server if needed; on AWS the link is the CloudFront URL."""

from __future__ import annotations

import json
import mimetypes
import threading
import webbrowser
from collections.abc import Callable
from typing import Annotated, Any

import typer

from concert.cli_support import EXIT_USAGE, CommandError, emit, out, runtime_of
from concert.runtime import Runtime


def link(rt: Runtime, outputs: dict[str, str], *, hours: float) -> dict[str, Any]:
    """Serve the dashboard (locally) and return its URL with a fresh session token."""
    from cloud.clients import endpoint_url
    from concert.dashboard import session_token, warm_api

    token = session_token(outputs, hours=hours)
    if rt.local:
        started = rt.web.start(outputs, endpoint_url())
        base = rt.web.url
        # Warm the API's functions while the link is read (in the background: `up` goes on).
        threading.Thread(target=warm_api, args=(base, session_token(outputs, hours=0.1)), daemon=True).start()
    else:
        started, base = False, outputs["WebUrl"].rstrip("/") + "/"
    return {"url": f"{base}?token={token}#/live", "base": base, "expires_in_h": hours, "started": started}


def try_link(rt: Runtime, outputs: dict[str, str], *, hours: float) -> dict[str, Any]:
    """The link, or why there is none (the platform runs without its dashboard)."""
    from cloud.web_server import WebAppNotBuilt
    from concert.dashboard import DashboardError

    try:
        return link(rt, outputs, hours=hours)
    except (DashboardError, WebAppNotBuilt) as exc:
        return {"url": None, "error": f"no dashboard: {exc}"}


def dashboard(
    ctx: typer.Context,
    hours: Annotated[float, typer.Option(help="How long the link's session token is valid.")] = 8.0,
    open_browser: Annotated[bool, typer.Option("--open", help="Open it in the default browser.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the link as one JSON object.")] = False,
) -> None:
    """Print the dashboard's link (valid for --hours); locally, serve the app on port + 2."""
    if not 0 < hours <= 168:
        raise CommandError(f"--hours must be between 0 and 168, not {hours}", EXIT_USAGE)
    rt = runtime_of(ctx)
    d = link(rt, rt.outputs(), hours=hours)
    if open_browser:
        webbrowser.open(d["url"])
    emit(
        d,
        as_json,
        lambda x: out.print(
            f"dashboard: {x['url']}\n(the link carries a token valid {hours:g} h)", soft_wrap=True
        ),
    )


def publish_web(outputs: dict[str, str]) -> int:
    """Upload the built app and its config.json to the web bucket (AWS); the number of files."""
    from cloud.clients import client
    from concert.dashboard import DIST, DashboardError

    if not (DIST / "index.html").is_file():
        raise DashboardError(f"the web app is not built ({DIST} is missing): run `make web`")
    s3 = client("s3")
    bucket = outputs["WebBucketName"]
    files = [p for p in DIST.rglob("*") if p.is_file()]
    for path in files:
        key = path.relative_to(DIST).as_posix()
        s3.upload_file(
            str(path), bucket, key,
            ExtraArgs={
                "ContentType": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                "CacheControl": "no-cache" if key == "index.html" else "public, max-age=31536000, immutable",
            },
        )  # fmt: skip
    config = {"apiUrl": outputs["DashboardApiUrl"], "wsUrl": outputs["DashboardWebSocketUrl"]}
    s3.put_object(
        Bucket=bucket, Key="config.json", Body=json.dumps(config).encode(),
        ContentType="application/json", CacheControl="no-store",
    )  # fmt: skip
    return len(files) + 1


def bench(
    rt: Runtime,
    *,
    samples: int,
    clients: list[int],
    load_rates: list[float] | None = None,
    load_seconds: float = 30,
    progress: Any = None,
    live_feed: bool = False,
    first_view_repeats: int = 5,
    warm_up: int = 0,
) -> dict[str, Any]:
    """`concert bench dashboard` on the running platform (bench/dashboard.py); the loads'
    events stamped as sent with `live_feed`. Before the loads, `warm_up` events as the load
    bench's (`bench.load.warm_up`: queryable, and the first trainings they start done), so a
    load measures the live path, not a platform training its first models beside it."""
    import time

    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from bench.dashboard import (
        FIRST_VIEW,
        PAGE_OBSERVER,
        LoadProbes,
        ScreenProbes,
        run_fan_out,
        run_first_views,
        run_screen_latency,
        run_screen_under_load,
    )
    from cloud.clients import client, endpoint_url
    from cloud.web_server import local_execute_api
    from concert.browser import launch
    from functions.dashboard.tokens import WS_TICKET_TTL_S, mint
    from producers.pacing import publish_stream
    from producers.publisher import KinesisPublisher
    from producers.synthetic import as_live_feed, events_for
    from schemas import TicketSold

    outputs = rt.outputs()
    board = link(rt, outputs, hours=1)
    publisher = KinesisPublisher(rt.stream_name(), rt.kinesis())
    ddb = client("dynamodb")
    base_seed = int(time.time()) % 1_000_000 * 100  # new event ids each run (repeats would be deduplicated)

    def publish(i: int) -> float:
        events = list(events_for(40, seed=base_seed + i))
        sent = time.time()
        publish_stream(publisher, events)
        return sent

    def table_total() -> int:
        item = ddb.get_item(
            TableName=outputs["LiveAggregatesTableName"],
            Key={"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}},
            ConsistentRead=True,
        ).get("Item", {})
        return int(item.get("tickets", {}).get("N", "0"))

    def page_changes() -> list[tuple[float, int]]:
        return [(ms / 1000, value) for ms, value in page.evaluate("window.__changes")]

    def produce_at(rate: float, seconds: float, on_chunk: Any) -> int:
        events = list(events_for(int(rate * seconds), seed=base_seed + 7_000_000 + int(rate)))
        prefix = [0]
        for e in events:
            prefix.append(prefix[-1] + (e.data.quantity if isinstance(e.data, TicketSold) else 0))
        publish_stream(
            publisher, as_live_feed(events) if live_feed else events, rate=rate,
            on_chunk=lambda _r, seen: on_chunk(time.time(), prefix[seen]),
        )  # fmt: skip
        return prefix[-1]

    def page_value() -> int:
        return int(page.get_attribute("[data-testid='live-tickets']", "data-value") or 0)

    def ticket_url() -> str:
        ticket = mint(key, subject="bench", scope="ws", ttl_s=WS_TICKET_TTL_S, now=time.time())
        return f"{ws_url}?ticket={ticket}"

    def produce(run: int) -> float:
        started = time.monotonic()
        publish_stream(publisher, events_for(2000, seed=base_seed + 10_000 * (run + 1)), rate=200)
        return time.monotonic() - started

    key = str(
        client("secretsmanager").get_secret_value(SecretId=outputs["DashboardSigningSecretArn"])[
            "SecretString"
        ]
    ).encode()
    ws_url = (
        local_execute_api(outputs["DashboardWebSocketUrl"], endpoint_url())
        if rt.local
        else outputs["DashboardWebSocketUrl"]
    )

    def visit(name: str) -> tuple[float, bool]:
        tab = browser.new_page()  # a new tab: the app loads, its token comes with the link
        try:
            started = time.monotonic()
            tab.goto(board["url"].replace("#/live", f"#/{name}"))
            try:  # complete, or an error shown (a platform without models has no ranking)
                tab.wait_for_selector(f"{FIRST_VIEW[name]}, main [role='alert']", timeout=60_000)
            except PlaywrightTimeout:
                return time.monotonic() - started, False
            return time.monotonic() - started, tab.query_selector(FIRST_VIEW[name]) is not None
        finally:
            tab.close()

    with sync_playwright() as pw:
        browser = launch(pw)
        first_views = run_first_views(visit, first_view_repeats, progress=progress)
        page = browser.new_page()
        page.goto(board["url"])
        page.wait_for_selector("#ws-status[data-state='live']", timeout=60_000)
        page.evaluate(PAGE_OBSERVER)
        screen = run_screen_latency(
            ScreenProbes(publish=publish, table_total=table_total, page_changes=page_changes),
            samples,
            progress=progress,
        )
        under_load = []
        warmed = _warm_up(rt, warm_up, live_feed, table_total, page_value) if load_rates and warm_up else None
        for rate in load_rates or []:
            if progress:
                progress(f"under load: {rate:.0f} events/s for {load_seconds:.0f} s")
            under_load.append(
                run_screen_under_load(
                    LoadProbes(produce_at, page_value, page_changes, table_value=table_total),
                    rate,
                    load_seconds,
                )
            )
        browser.close()
    fan_out = run_fan_out(clients, ticket_url, produce, progress=progress)
    out = {"first_views": first_views, "screen": screen, "under_load": under_load, "fan_out": fan_out}
    return out | ({"warm_up": warmed} if warmed else {})


def _warm_up(
    rt: Runtime, events: int, live_feed: bool, table_total: Callable[[], int], page_value: Callable[[], int]
) -> dict[str, Any]:
    """The load bench's warm-up, then the page caught up with the live table (at most 2 min)."""
    import time

    from bench import load
    from concert import cli_load

    seed = int(time.time()) % 100_000 * 100 + 300_000
    warmed = load.warm_up(
        cli_load.probes(rt, live_feed=live_feed), events, rate=min(1_000.0, events), seed=seed, wait_s=600
    )
    deadline = time.monotonic() + 120
    while page_value() < table_total() and time.monotonic() < deadline:
        time.sleep(0.5)
    return warmed | {"page_caught_up": page_value() >= table_total()}


def render_bench(d: dict[str, Any]) -> None:
    """The dashboard bench as tables."""
    from rich.table import Table

    v = Table(title="each page's first view, opened from a link (the first visit may meet cold functions)")
    for col in ("page", "first visit ms", "then p50 ms", "p95 ms", "max ms", "not complete"):
        v.add_column(col)
    for name, r in d.get("first_views", {}).items():
        first = r["first_ms"] if r["first_ms"] is not None else "failed"
        v.add_row(name, *map(str, (first, r["p50_ms"], r["p95_ms"], r["max_ms"], r["failed"])))
    out.print(v)

    s = d["screen"]
    t = Table(title=f"produced -> on screen ({s['samples']} samples, {s['missed']} missed)")
    for col in ("path", "p50 ms", "p95 ms", "max ms"):
        t.add_column(col)
    for name, key in (
        ("produced -> live table (baseline)", "produced_to_table"),
        ("produced -> browser", "produced_to_screen"),
    ):
        r = s[key]
        t.add_row(name, str(r["p50_ms"]), str(r["p95_ms"]), str(r["max_ms"]))
    out.print(t)
    out.print(f"screen vs table p50: x{s['screen_vs_table_p50_ratio']}")
    if d.get("under_load"):
        u = Table(title="produced -> on screen under load (per ticket, from the cumulative curves)")
        cols = ("events/s", "seconds", "tickets", "shown", "p50 ms", "p95 ms", "max ms", "last shown after")
        for col in (*cols, "to the table p50 / p95 ms"):  # the consumer's leg alone
            u.add_column(col)
        for r in d["under_load"]:
            lat, table = r["produced_to_screen"], r.get("produced_to_table") or {}
            after = f"{r['screen_after_last_s']} s" if r["complete"] else "incomplete"
            u.add_row(f"{r['rate']:,.0f}", f"{r['seconds']:.0f}", f"{r['tickets']:,}", f"{r['shown']:,}",
                      str(lat["p50_ms"]), str(lat["p95_ms"]), str(lat["max_ms"]), after,
                      f"{table.get('p50_ms')} / {table.get('p95_ms')}")  # fmt: skip
        out.print(u)
    f = Table(title="WebSocket fan-out")
    for col in (
        "clients",
        "subscribed",
        "in s",
        "frames/s",
        "frames/client",
        "receipt p50 ms",
        "p95 ms",
        "frames/s vs base",
    ):
        f.add_column(col)
    for r in d["fan_out"]["runs"]:
        receipt = r["send_to_receipt"]
        cells = (r["clients"], r["subscribed"], r["subscribe_s"], r["frames_per_s"], r["frames_per_client"],
                 receipt["p50_ms"], receipt["p95_ms"], r["frames_per_s_vs_baseline"])  # fmt: skip
        f.add_row(*map(str, cells))
    out.print(f)
