"""The dashboard in a real browser (Playwright driving Debian's Chromium) against the running
embedded default, and its WebSocket API as any client sees it: live numbers that move while
events are produced and equal the warehouse's once they stop, a dropped connection that
reconnects and catches up, the Ops page's execution history, a chat answer, refused
connections and bad messages. Screenshots of every page go to test-artifacts/screenshots/.
Runs after test_cli.py and test_cli_chat.py on the same platform; alone, it starts one."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
import websockets
from playwright.sync_api import Browser, Page, Route, sync_playwright
from websockets.exceptions import InvalidStatus

from bench.dashboard import FIRST_VIEW
from cloud.clients import client
from cloud.web_server import local_execute_api
from concert.browser import launch
from concert.settings import ROOT
from tests.e2e.conftest import CONCERT, Cli, activated, wait_for

SHOTS = ROOT / "test-artifacts" / "screenshots"
LAYOUT = "\n".join(
    line
    for line in (Path(__file__).parent / "layout.js").read_text().splitlines()
    if not line.startswith("//")
)


@pytest.fixture(scope="module")
def board(cli: Cli) -> dict[str, Any]:
    """The platform with sales and trained models, and the dashboard's link."""
    if not cli.cloud.healthy() or not cli.json("status", "--no-count")["health"]["warehouse"].get("events"):
        cli.json("up", "--events", "2000", "--rate", "20000", "--exit-when-done", timeout=900)
    if not all(cli.json("status", "--no-count").get("models", {}).values()):
        cli.json("train", timeout=1200)
    return cli.json("dashboard")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, board: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    p = context.new_page()
    p.goto(board["url"])
    p.wait_for_selector("#ws-status[data-state='live']", timeout=60_000)
    yield p
    context.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _warehouse_tickets(cli: Cli) -> int:
    proc = cli.run("query", "SELECT COALESCE(SUM(quantity), 0) AS n FROM fact_ticket_sales", "--json")
    assert proc.returncode == 0, proc.stderr
    return int(json.loads(proc.stdout)["rows"][0]["n"])


def _screen_tickets(page: Page) -> int:
    return int(page.get_attribute("[data-testid='live-tickets']", "data-value") or 0)


def _produce(cli: Cli, events: int, rate: int, seed: int) -> subprocess.Popen[str]:
    args = [CONCERT, "produce", "--events", str(events), "--rate", str(rate), "--seed", str(seed), "--json"]
    return subprocess.Popen(args, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _settled(cli: Cli, seed: int) -> None:
    summary = cli.json("up", "--events", "5", "--seed", str(seed), "--exit-when-done", timeout=900)
    assert summary["reconciled"], summary


def test_live_numbers_move_while_events_stream_and_match_the_warehouse(cli: Cli, page: Page) -> None:
    _shot(page, "live-before")
    start = _screen_tickets(page)
    producing_since_ms = int(time.time() * 1000)
    producer = _produce(cli, 4000, 200, seed=9201)
    seen = {start}
    while producer.poll() is None:  # sampled while production runs
        seen.add(_screen_tickets(page))
        time.sleep(0.5)
    assert producer.returncode == 0, producer.stderr.read() if producer.stderr else ""
    moving = sorted(seen)
    assert len(moving) >= 3 and moving[-1] > start, (
        f"the live number did not move during production: {moving}"
    )
    _settled(cli, seed=9202)
    expected = _warehouse_tickets(cli)
    wait_for(
        lambda: _screen_tickets(page) == expected, 60, f"the page showing the warehouse's {expected} tickets"
    )
    _shot(page, "live")
    newest = int(page.get_attribute("[data-testid='live-behind']", "data-newest-ms") or 0)
    assert newest >= producing_since_ms, "the age shown is that of an event produced in this test"
    cells = "[data-testid='live-top-table'] tbody tr td:first-child"
    assert page.locator(cells).count() >= 3
    page.wait_for_function(  # names ("artist at venue") come from the warehouse
        f"[...document.querySelectorAll(\"{cells}\")].some(td => td.textContent.includes(' at '))",
        timeout=60_000,
    )

    def only_unknown_concerts_unnamed() -> bool:
        """A concert the live totals count before the warehouse loaded it is named when the
        page asks again (15 s later); only concerts the warehouse does not know keep a number."""
        texts = page.locator(cells).all_inner_texts()
        unnamed = [int(t.split()[1]) for t in texts if re.fullmatch(r"Concert \d+", t)]
        if not unnamed:
            return True
        ids = ", ".join(map(str, unnamed))
        proc = cli.run("query", f"SELECT concert_id FROM dim_concert WHERE concert_id IN ({ids})", "--json")
        return proc.returncode == 0 and not json.loads(proc.stdout)["rows"]

    wait_for(only_unknown_concerts_unnamed, 60, "every concert the warehouse knows named on the page")
    assert page.inner_text("[data-testid='live-dlq']").strip().isdigit()
    _shot(page, "live")


def test_a_dropped_websocket_reconnects_and_catches_up(cli: Cli, page: Page) -> None:
    with activated(cli) as rt:
        outputs = rt.outputs()
        ddb = client("dynamodb")
        ids = [
            i["connection_id"]["S"]
            for i in ddb.scan(TableName=outputs["DashboardConnectionsTableName"]).get("Items", [])
            if not i["connection_id"]["S"].startswith("TICKET#")  # spent tickets, not connections
        ]
        assert ids, "the page's connection is not recorded"
        callback = local_execute_api(outputs["DashboardWebSocketUrl"], rt.cloud.env()["AWS_ENDPOINT_URL"])
        manage = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=callback.replace("ws://", "http://"),
            region_name="us-east-1",
        )
        dropped = 0
        for cid in ids:  # the server drops every connection, as an idle timeout or a deploy would
            try:
                manage.delete_connection(ConnectionId=cid)
                dropped += 1
            except manage.exceptions.GoneException:
                pass  # an earlier page's socket, closed before its $disconnect removed its row (410)
        assert dropped, "no open connection to drop"
    page.wait_for_function("window.concert.live.reconnects >= 1", timeout=60_000)
    page.wait_for_selector("#ws-status[data-state='live']", timeout=60_000)
    before = _screen_tickets(page)
    producer = _produce(cli, 300, 300, seed=9301)  # new sales, to reach the reconnected page
    assert producer.wait(timeout=300) == 0
    _settled(cli, seed=9302)
    expected = _warehouse_tickets(cli)
    assert expected > before
    wait_for(lambda: _screen_tickets(page) == expected, 60, "the reconnected page catching up")


def test_the_ops_page_shows_an_execution_history(page: Page) -> None:
    page.goto(page.url.split("#")[0] + "#/ops")
    # first view: the newest executions of every workflow, before any state machine is picked
    first = page.wait_for_selector("[data-testid='ops-executions-table'] tbody tr", timeout=30_000)
    assert first is not None and first.inner_text().startswith("concert-")
    assert page.locator("[data-testid='ops-executions-table'] th").first.inner_text() == "Workflow"
    page.click("[data-machine='concert-etl']", timeout=30_000)
    page.click("[data-testid='ops-executions-table'] a[data-execution]", timeout=30_000)
    page.wait_for_selector("[data-testid='ops-steps'] li.step", timeout=30_000)
    states = page.locator("[data-testid='ops-steps'] li.step .name").all_inner_texts()
    assert len(states) >= 2 and all(states)
    _shot(page, "ops")


def test_a_chat_question_gets_its_answer_with_the_sql(page: Page, cli: Cli) -> None:
    page.goto(page.url.split("#")[0] + "#/chat")
    page.fill("input[name='question']", "How many tickets were sold?")
    page.click("form.chat-form button[type='submit']")
    answer = page.wait_for_selector("[data-testid='chat-answer']", timeout=90_000)
    assert answer is not None
    expected = _warehouse_tickets(cli)
    assert f"{expected:,}" in answer.inner_text() or str(expected) in answer.inner_text()
    page.click("details summary")
    assert "fact_ticket_sales" in page.inner_text("[data-testid='chat-sql']").lower()
    _shot(page, "chat")


def test_a_series_answer_is_drawn_with_its_rows_and_a_ranking_as_bars(page: Page, cli: Cli) -> None:
    page.goto(page.url.split("#")[0] + "#/chat")
    months = cli.json(
        "query", "SELECT COUNT(DISTINCT DATE_TRUNC('month', sold_at)) AS n FROM fact_ticket_sales"
    )["rows"][0]["n"]
    page.fill("input[name='question']", "tickets sold by month")
    page.click("form.chat-form button[type='submit']")
    figure = page.wait_for_selector("[data-testid='chat-chart'][data-kind='timeline']", timeout=90_000)
    assert figure is not None and figure.query_selector("svg") is not None
    assert page.get_attribute("[data-testid='chat-timeline']", "data-points") == str(months)
    figure.query_selector("summary").click()  # type: ignore[union-attr]
    assert page.locator("[data-testid='chat-chart'] [data-testid='chat-rows'] tbody tr").count() == months
    page.fill("input[name='question']", "top 3 venues by revenue")
    page.click("form.chat-form button[type='submit']")
    page.wait_for_selector("[data-testid='chat-chart'][data-kind='bars'] svg", timeout=90_000)
    bars = page.locator("[data-testid='chat-ranking']")
    assert bars.get_attribute("data-points") == "3"
    values = [t for t in bars.locator("svg text").all_text_contents() if t.startswith("$")]
    assert len(values) == 3, values  # each bar with its value in dollars
    _shot(page, "chat-chart")


def test_the_charts_answer_a_pointer_zoom_and_the_filters_live_in_the_url(page: Page, cli: Cli) -> None:
    span = cli.json("query", "SELECT MIN(sold_at) AS a, MAX(sold_at) AS b FROM fact_ticket_sales")["rows"][0]
    first, last = str(span["a"])[:10], str(span["b"])[:10]
    days = cli.json(
        "query",
        "SELECT COUNT(DISTINCT DATE_TRUNC('day', sold_at)) AS n FROM fact_ticket_sales",
    )["rows"][0]["n"]
    # a link with filters opens the page with them: every day of the data
    page.goto(page.url.split("#")[0] + f"#/analytics?from={first}&to={last}")
    page.wait_for_selector("[data-testid='analytics-took'][data-ms]", timeout=60_000)
    assert page.input_value("input[name='from']") == first and page.input_value("input[name='to']") == last
    chart = page.locator("[data-testid='analytics-sales'] .chart")
    assert chart.get_attribute("data-points") == str(days) and days > 12
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4)
    tip = page.wait_for_selector(".chart-tooltip", state="visible", timeout=10_000)
    assert tip is not None
    assert re.search(r"\d{4}-\d{2}-\d{2}\s+tickets\s+[\d,]+", tip.inner_text()), tip.inner_text()
    page.mouse.wheel(0, -600)  # the wheel zooms a long series in
    wait_for(lambda: (chart.get_attribute("data-zoom") or "0-100") != "0-100", 10, "the series zoomed in")
    # a filter chosen on the page goes into the URL, and a reload keeps it
    page.select_option("select[name='genre']", index=1)
    genre = page.input_value("select[name='genre']")
    page.click("form.filters button[type='submit']")

    def in_url() -> bool:  # (Playwright's page.url does not follow history.replaceState)
        return urllib.parse.parse_qs(page.evaluate("location.hash").partition("?")[2]).get("genre") == [genre]

    wait_for(in_url, 30, f"the genre {genre!r} in the URL")
    page.reload()
    page.wait_for_selector("[data-testid='analytics-took'][data-ms]", timeout=60_000)
    assert page.input_value("select[name='genre']") == genre
    _shot(page, "analytics-zoomed")


def test_the_chat_keeps_its_conversation_and_offers_examples(page: Page) -> None:
    page.goto(page.url.split("#")[0] + "#/chat")
    examples = page.locator("[data-testid='chat-examples'] button")
    assert examples.count() >= 4
    answers = page.locator("[data-testid='chat-answer']")
    for i in range(examples.count()):  # every example offered is answered
        examples.nth(i).click()
        answers.nth(i).wait_for(timeout=90_000)
    unanswered = page.locator("[data-testid='chat-answer'].unanswered").all_inner_texts()
    assert not unanswered, unanswered
    page.reload()  # the conversation stays with the tab
    page.wait_for_selector("[data-testid='chat-answer']", timeout=30_000)
    assert page.locator("[data-testid='chat-answer']").count() == examples.count()
    page.click("[data-testid='chat-new']")
    assert page.locator(".turn").count() == 0
    page.reload()
    page.wait_for_selector("[data-testid='chat-examples'] button", timeout=30_000)
    assert page.locator(".turn").count() == 0


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_every_page_holds_its_layout_at_desktop_and_phone_widths(page: Page, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    base = page.url.split("#")[0]
    for name, ready in FIRST_VIEW.items():
        page.goto(f"{base}#/{name}")
        page.wait_for_selector(ready, timeout=60_000)
        problems = page.evaluate(LAYOUT)
        _shot(page, f"{name}-{width}")
        assert problems == [], f"{name} at {width}px: {problems}"


def test_the_analytics_and_predictions_pages_render_without_errors(page: Page) -> None:
    base = page.url.split("#")[0]
    page.goto(base + "#/analytics")
    for panel in ("analytics-sales", "analytics-venues", "analytics-artists", "analytics-cities"):
        page.wait_for_selector(f"[data-testid='{panel}'] :is(svg, ol, .empty)", timeout=60_000)
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()
    _shot(page, "analytics")
    page.goto(base + "#/predictions")
    page.wait_for_selector("[data-testid='venues-ranking'] svg", timeout=60_000)
    page.wait_for_selector("[data-testid='predictions-models'] table", timeout=60_000)
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()
    # nothing cut off: the models table fits its card (no sideways scroll inside it)
    fits = page.evaluate(
        "[...document.querySelectorAll(\"[data-testid='predictions-models'] .scroll\")]"
        ".every(e => e.scrollWidth <= e.clientWidth + 1)"
    )
    assert fits, "the models table is cut off"
    # a concert picked instead of typed: the busiest concerts are offered by name
    page.wait_for_selector("[data-testid='pick-concerts'][data-count]", state="attached", timeout=60_000)
    first = page.locator("[data-testid='pick-concerts'] option").first
    assert " at " in (first.get_attribute("label") or "")
    page.fill("input[list='pick-concerts']", first.get_attribute("value") or "")
    page.click("[data-testid='predictions-sales'] >> xpath=.. >> button")
    page.wait_for_selector("[data-testid='predictions-sales'] dl.facts", timeout=60_000)
    assert page.locator("[data-testid='pick-customers'] option").count() > 0
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(base + "#/live")
    page.wait_for_selector("[data-testid='live-dlq']", timeout=60_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the Live page scrolls sideways on a phone ({width}px)"
    _shot(page, "predictions-phone-live")


def test_a_platform_without_a_venue_model_says_so_rather_than_showing_an_error(page: Page) -> None:
    """A new platform has no model until its first retraining: the API answers 503 with the
    reason `untrained` (tests/unit/test_ml_serving.py), which the page shows as an empty state."""
    untrained = {
        "error": "model venue_popularity is not trained yet: run `concert train --model venue_popularity`",
        "reason": "untrained",
    }
    page.route(re.compile(r"/models/venues/rank"), lambda route: route.fulfill(status=503, json=untrained))
    page.goto(page.url.split("#")[0] + "#/predictions")
    empty = page.wait_for_selector("[data-testid='predictions-venues'] .empty", timeout=60_000)
    assert empty is not None and "concert train --model venues" in empty.inner_text()
    assert page.locator("[data-testid='predictions-venues'] [role='alert']").count() == 0
    assert page.query_selector(FIRST_VIEW["predictions"]) is not None  # the bench's first view is complete
    page.unroute(re.compile(r"/models/venues/rank"))
    # any other failure is still an error with its retry
    page.route(
        re.compile(r"/models/venues/rank"),
        lambda route: route.fulfill(status=502, json={"error": "warehouse: down"}),
    )
    page.goto(page.url.split("#")[0] + "#/live")
    page.goto(page.url.split("#")[0] + "#/predictions")
    alert = page.wait_for_selector("[data-testid='predictions-venues'] [role='alert']", timeout=60_000)
    assert alert is not None and "warehouse: down" in alert.inner_text()


def test_a_throttled_api_call_is_sent_again_after_a_backoff(page: Page) -> None:
    """API Gateway answers 429 past a stage's limit: the page waits and asks again, no error shown."""
    calls: list[int] = []

    def throttle_twice(route: Route) -> None:
        calls.append(len(calls) + 1)
        if len(calls) <= 2:
            route.fulfill(status=429, headers={"Retry-After": "1"}, json={"message": "Too Many Requests"})
        else:
            route.fallback()

    page.route(re.compile(r"/analytics/panels"), throttle_twice)
    page.goto(page.url.split("#")[0] + "#/analytics")
    page.wait_for_selector("[data-testid='analytics-sales'] :is(svg, ol, .empty)", timeout=60_000)
    assert len(calls) == 3, f"the panels were asked {len(calls)} times"
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()


# -- the WebSocket and HTTP APIs as a client sees them ----------------------------------------


def _ticket(api: str, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(f"{api}/api/ticket", method="POST", data=b"{}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_the_apis_refuse_the_unauthorized_and_answer_bad_messages(cli: Cli, board: dict[str, Any]) -> None:
    base = board["base"].rstrip("/")
    token = board["url"].split("token=", 1)[1].split("#", 1)[0]
    assert _ticket(base, None)[0] in (401, 403)
    assert _ticket(base, token[:-2] + "xx")[0] in (401, 403)
    status, body = _ticket(base, token)
    assert status == 200 and body["ticket"]
    config = json.loads(urllib.request.urlopen(f"{base}/config.json", timeout=10).read())

    async def scenario() -> None:
        for bad in ("", "forged.ticket", token):  # none, forged, and a session token (wrong scope)
            with pytest.raises(InvalidStatus):
                async with websockets.connect(f"{config['wsUrl']}?ticket={bad}", open_timeout=30):
                    pass
        async with websockets.connect(f"{config['wsUrl']}?ticket={body['ticket']}", open_timeout=30) as ws:
            for junk in ("not json", '{"action": "drop"}', "[]"):
                await ws.send(junk)
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                assert frame["type"] == "error" and frame["reason"]
            await ws.send(json.dumps({"action": "subscribe"}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            while frame["type"] != "snapshot":  # a delta may come first only if already subscribed
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert any(i["k"] == "ALL|TOTAL" for i in frame["items"])

    # Playwright's sync API holds an event loop in this thread (the module's browser): the
    # WebSocket clients run on their own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=300)


def test_live_frames_still_flow_after_the_local_cloud_restarts(cli: Cli) -> None:
    """The state of the local cloud survives a restart, and so must the live path (a stream
    mapping's saved position once outlived its stream there, and the page went quiet)."""
    assert cli.run("down").returncode == 0
    board = cli.json("up", "--events", "5", "--seed", "9401", "--exit-when-done", timeout=900)
    assert board["reconciled"]
    base, token = board["dashboard"].split("?token=")[0], board["dashboard"].split("token=")[1].split("#")[0]
    status, body = _ticket(base.rstrip("/"), token)
    assert status == 200
    config = json.loads(urllib.request.urlopen(f"{base}config.json", timeout=10).read())

    async def deltas() -> int:
        async with websockets.connect(f"{config['wsUrl']}?ticket={body['ticket']}", open_timeout=60) as ws:
            await ws.send(json.dumps({"action": "subscribe"}))
            producer = await asyncio.to_thread(_produce, cli, 300, 300, 9402)
            seen, deadline = 0, time.monotonic() + 120
            while seen == 0 and time.monotonic() < deadline:
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 2))
                except TimeoutError:
                    continue
                seen += frame["type"] == "delta"
            await asyncio.to_thread(producer.wait, 300)
            return seen

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, deltas()).result(timeout=400) > 0, "no live frame after the restart"
