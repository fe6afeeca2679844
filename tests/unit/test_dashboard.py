"""The dashboard's back end without a network: tokens, frames, analytics parameters, the
authorizers, the WebSocket routes and the broadcaster on AWS sample events with fakes, and
the local web server (static files, config, API pass-through)."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from cloud.web_server import local_execute_api
from cloud.web_server_main import make_handler
from functions.dashboard import analytics, broadcast, frames, tokens, wiring, ws
from functions.dashboard import api as dashboard_api
from functions.dashboard import auth as auth
from functions.dashboard.connections_api import Delivery, management_endpoint
from functions.dashboard.settings import DashboardSettings
from functions.dashboard.signing_key import SigningKey
from functions.dashboard.tickets import DynamoTicketLedger
from tests.fakes.clients import dynamodb_client
from tests.fakes.lambda_context import LambdaContext
from tests.fakes.secrets import MemorySecrets
from tests.fakes.stepfunctions import MemoryStepFunctions
from tests.fakes.tickets import MemoryTicketLedger

FIXTURES = Path(__file__).parent.parent / "fixtures" / "aws"
KEY = b"k" * 64


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())  # type: ignore[no-any-return]


# -- tokens -----------------------------------------------------------------------------------


def test_a_token_opens_its_scope_until_it_expires() -> None:
    now = time.time()
    t = tokens.mint(KEY, subject="ana", scope="api", ttl_s=60, now=now)
    claims = tokens.verify(KEY, t, scope="api")
    assert (claims.subject, claims.scope, claims.expires_at) == ("ana", "api", int(now) + 60)
    assert len(claims.token_id) >= 16
    late = tokens.mint(KEY, subject="ana", scope="api", ttl_s=60, now=now - 60 - tokens.LEEWAY_S - 1)
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.verify(KEY, late, scope="api")
    with pytest.raises(tokens.InvalidToken, match="another scope"):
        tokens.verify(KEY, t, scope="ws")
    with pytest.raises(tokens.InvalidToken, match="bad signature"):
        tokens.verify(b"other" * 10, t, scope="api")


def test_every_token_has_its_own_id() -> None:
    minted = [tokens.mint(KEY, subject="ana", scope="ws", ttl_s=60, now=time.time()) for _ in range(50)]
    assert len({tokens.verify(KEY, t, scope="ws").token_id for t in minted}) == 50


@pytest.mark.parametrize("bad", ["", "abc", "abc.", ".sig", "a.b.c", "x" * 500])
def test_malformed_tokens_are_refused(bad: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(KEY, bad, scope="api")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@given(st.text(max_size=40), st.binary(max_size=8))
def test_a_tampered_claim_never_verifies(subject: str, junk: bytes) -> None:
    t = tokens.mint(KEY, subject=subject, scope="ws", ttl_s=60, now=time.time())
    header, _body, sig = t.split(".")
    claims = {"iss": "concert-dashboard", "aud": "concert-dashboard:api", "sub": subject,
              "iat": 0, "nbf": 0, "exp": 10**10, "jti": "x"}  # fmt: skip
    forged = _b64(json.dumps(claims).encode() + junk)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(KEY, f"{header}.{forged}.{sig}", scope="api")


def test_minting_checks_scope_and_lifetime() -> None:
    with pytest.raises(ValueError, match="scope"):
        tokens.mint(KEY, subject="x", scope="admin", ttl_s=60, now=0)
    with pytest.raises(ValueError, match="ttl"):
        tokens.mint(KEY, subject="x", scope="api", ttl_s=0, now=0)
    with pytest.raises(ValueError, match="ttl"):
        tokens.mint(KEY, subject="x", scope="api", ttl_s=tokens.MAX_TTL_S + 1, now=0)


# -- frames -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (None, "empty"),
        ("not json", "not JSON"),
        ("[1]", "JSON object"),
        ('{"action": "drop tables"}', "unknown action"),
        ('{"action": "subscribe", "channel": "admin"}', "unknown channel"),
        ('{"action": "ping", "pad": "' + "x" * 5000 + '"}', "over 4096 bytes"),
    ],
)
def test_bad_client_messages_get_a_reason(text: str | None, reason: str) -> None:
    with pytest.raises(frames.BadMessage, match=reason):
        frames.parse_client_message(text)


def test_images_become_one_item_per_key_at_its_newest_values() -> None:
    images = [r["dynamodb"]["NewImage"] for r in _fixture("dynamodb_stream.json")["Records"]]
    frame = frames.delta_frame(images, sent_ms=5)
    assert frame is not None and frame["type"] == "delta"
    items = {i["k"]: i["c"] for i in frame["items"]}
    assert items == {
        "ALL|TOTAL": {"orders": 12, "tickets": 29, "revenue_cents_usd": 290000},
        "ALL|MINUTE#2026-11-22T16:50": {"orders": 2, "tickets": 5, "revenue_cents_usd": 50000},
    }
    mark = {
        "pk": {"S": "SHARD#s#0"},
        "sk": {"S": "MARK"},
        "page": {"N": "3"},
        "newest_arrival_ms": {"N": "9"},
    }
    page = {"pk": {"S": "SHARD#s#0"}, "sk": {"S": "SEEN#0000000003"}, "expires_at": {"N": "9"}}
    profile = {"pk": {"S": "CONCERT#1"}, "sk": {"S": "PROFILE"}, "capacity": {"N": "9"}}
    assert frames.delta_frame([mark, page, profile], sent_ms=5) is None


@given(st.lists(st.dictionaries(st.sampled_from(["tickets", "orders"]), st.integers(0, 10**6)), max_size=8))
def test_merging_is_order_free(counters: list[dict[str, int]]) -> None:
    items = [{"k": "ALL|TOTAL", "c": c} for c in counters]
    assert frames.merge(items) == frames.merge(list(reversed(items)))


# -- analytics parameters ---------------------------------------------------------------------


def test_analytics_parameters_become_guarded_sql() -> None:
    sql, describes = analytics.statement(
        {"metric": "tickets", "group": "day", "from": "2026-01-01", "to": "2026-01-31", "city": "Austin, TX"}
    )
    assert "DATE_TRUNC('DAY'" in sql.upper() and "'Austin'" in sql and "LIMIT 1000" in sql
    assert "2026-02-01" in sql and "by day" in describes


def test_the_analytics_page_panels_share_its_filters_and_run_on_the_warehouse(tmp_path: Path) -> None:
    from cloud.dataapi.server import dispatch
    from tests.unit.local_warehouse import run, star_schema

    asked = {"from": "2026-01-01", "to": "2026-01-31", "genre": "rock", "metric": "ignored", "top": "99"}
    filters = analytics.page_filters(asked, "2026-05-16T09:37:25+00:00")
    assert filters == {"from": "2026-01-01", "to": "2026-01-31", "genre": "rock"}  # the request's dates win
    statements = analytics.panel_statements(filters)
    assert list(statements) == list(analytics.PANELS)
    for sql, _ in statements.values():  # every panel takes the page's filters and only those
        assert "2026-02-01" in sql and "'rock'" in sql and "LIMIT 99" not in sql
    with pytest.raises(analytics.BadRequest, match="from must be a date"):
        analytics.panel_statements(analytics.page_filters({"from": "last week"}, None))
    engine = star_schema(tmp_path / "w.duckdb")
    try:
        for name, (sql, _) in statements.items():
            done = run(engine, sql)
            assert done["Status"] == "FINISHED", (name, done.get("Error"))
            assert dispatch(engine, "GetStatementResult", {"Id": done["Id"]})["Records"] == []
    finally:
        engine.close()


def test_without_dates_the_page_shows_the_90_days_ending_on_the_newest_sale() -> None:
    newest = "2026-05-16 09:37:25.468052+00:00"
    assert analytics.page_filters({"city": "Austin, TX"}, newest) == {
        "from": "2026-02-15", "to": "2026-05-16", "city": "Austin, TX"
    }  # fmt: skip
    assert analytics.page_filters({"to": "2026-03-01"}, newest) == {"to": "2026-03-01"}  # one date: as asked
    assert analytics.page_filters({}, None) == {}  # no sales yet: all time


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"metric": "secrets"}, "metric must be"),
        ({"group": "password"}, "group must be"),
        ({"from": "yesterday"}, "from must be a date"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "not be after"),
        ({"city": "Austin'; DROP TABLE x; --"}, "city must look like"),
        ({"genre": "rock'); DELETE"}, "genre has characters"),
        ({"top": "1e9"}, "top must be an integer"),
        ({"top": "0"}, "between 1 and 100"),
    ],
)
def test_bad_analytics_parameters_are_refused(params: dict[str, str], error: str) -> None:
    with pytest.raises(analytics.BadRequest, match=error):
        analytics.statement(params)


# -- URLs -------------------------------------------------------------------------------------


def test_local_urls_take_the_path_form() -> None:
    assert (
        local_execute_api("https://abc123.execute-api.localhost:4566", "http://localhost:4566")
        == "http://localhost:4566/_aws/execute-api/abc123/$default"
    )
    assert (
        local_execute_api("wss://ws9.execute-api.us-east-1.amazonaws.com/live", "http://localhost:4599")
        == "ws://localhost:4599/_aws/execute-api/ws9/live"
    )
    callback = "https://ws9.execute-api.us-east-1.amazonaws.com/live"
    assert management_endpoint(callback, None) == callback
    assert management_endpoint(callback, "http://h:1/") == "http://h:1/_aws/execute-api/ws9/live"


# -- handlers ---------------------------------------------------------------------------------


class Table:
    """The connections table and the aggregates reader, in memory."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.fail = False

    def add(self, cid: str, subject: str) -> None:
        self.rows[cid] = {"subject": subject, "subscribed": False}

    def subscribe(self, cid: str) -> None:
        if self.fail:
            raise RuntimeError("table down")
        self.rows.setdefault(cid, {})["subscribed"] = True

    def remove(self, cid: str) -> None:
        self.rows.pop(cid, None)

    def subscribers(self) -> list[str]:
        return [c for c, r in self.rows.items() if r.get("subscribed")]

    def current(self, *, minutes: int, top: int) -> list[dict[str, Any]]:
        return [{"pk": {"S": "ALL"}, "sk": {"S": "TOTAL"}, "tickets": {"N": "7"}}]

    def items(self, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [i for i in self.current(minutes=1, top=1) if (i["pk"]["S"], i["sk"]["S"]) in keys]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {
        "SIGNING_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:k",
        "CONNECTIONS_TABLE": "connections",
        "AGGREGATES_TABLE": "aggregates",
        "CONNECTIONS_URL": "https://ws9.execute-api.us-east-1.amazonaws.com/live",
    }.items():
        monkeypatch.setenv(k, v)


def _key() -> SigningKey:
    return SigningKey(MemorySecrets(KEY), "arn:aws:secretsmanager:us-east-1:1:secret:k")


def test_the_authorizers_allow_valid_tokens_only(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = wiring.AuthParts(_key(), MemoryTicketLedger())
    monkeypatch.setattr(wiring, "auth_parts", lambda: parts)
    ws_event = _fixture("websocket_connect_authorizer.json")
    good_ticket = tokens.mint(KEY, subject="ana", scope="ws", ttl_s=60, now=time.time())
    for ticket, effect in [
        (good_ticket, "Allow"),
        (good_ticket, "Deny"),  # spent: a ticket opens one connection
        (tokens.mint(KEY, subject="ana", scope="api", ttl_s=60, now=time.time()), "Deny"),
        ("forged.token", "Deny"),
    ]:
        ws_event["queryStringParameters"]["ticket"] = ticket
        answer = auth.ws_authorizer(ws_event, None)
        assert answer["policyDocument"]["Statement"][0]["Effect"] == effect
        assert answer["policyDocument"]["Statement"][0]["Resource"] == ws_event["methodArn"]
        assert answer["principalId"] == ("ana" if effect == "Allow" else "anonymous")
    http_event = _fixture("http_api_v2_authorizer.json")
    good = tokens.mint(KEY, subject="ana", scope="api", ttl_s=60, now=time.time())
    for header, ok in [(f"Bearer {good}", True), (good, False), ("Bearer x.y", False), ("", False)]:
        http_event["headers"]["authorization"] = header
        answer = auth.http_authorizer(http_event, None)
        assert answer["isAuthorized"] is ok
        assert (answer.get("context") or {}).get("subject") == ("ana" if ok else None)
    assert auth.http_authorizer(http_event | {"headers": {"authorization": f"Bearer {good}"}}, None)[
        "isAuthorized"
    ]  # a session token is not single-use


class Dynamo:
    """put_item with `attribute_not_exists` conditions, as DynamoDB answers them."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, TableName: str, Item: dict[str, Any], ConditionExpression: str) -> None:
        assert ConditionExpression == "attribute_not_exists(connection_id)"
        if Item["connection_id"]["S"] in self.items:
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem")
        self.items[Item["connection_id"]["S"]] = Item


def test_a_ticket_is_spent_once_in_the_connections_table() -> None:
    ddb = Dynamo()
    ledger = DynamoTicketLedger(dynamodb_client(ddb), "connections")
    assert ledger.spend("abc", expires_at=1070) is True
    assert ledger.spend("abc", expires_at=1070) is False
    assert ledger.spend("abd", expires_at=1070) is True
    assert ddb.items["TICKET#abc"] == {"connection_id": {"S": "TICKET#abc"}, "expires_at": {"N": "1070"}}


def test_the_message_route_answers_every_message_on_the_socket(
    env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = Table()
    parts = wiring.WsParts(DashboardSettings(), table, table)
    monkeypatch.setattr(wiring, "ws_parts", lambda: parts)
    replies: list[tuple[str, dict[str, Any]]] = []

    def answer(e: dict[str, Any], frame: dict[str, Any]) -> None:
        replies.append((e["requestContext"]["connectionId"], frame))

    monkeypatch.setattr(ws, "post_to_caller", answer)
    event = _fixture("websocket_message.json")
    cid = event["requestContext"]["connectionId"]

    def reply(body: str | None) -> dict[str, Any]:
        assert ws.message({**event, "body": body}, None) == {"statusCode": 200}
        to, frame = replies.pop()
        assert to == cid and not replies
        return frame

    frame = reply(event["body"])
    assert frame["type"] == "snapshot" and frame["items"] == [{"k": "ALL|TOTAL", "c": {"tickets": 7}}]
    assert table.subscribers() == [cid]
    for body, kind in [('{"action": "ping"}', "pong"), ("garbage", "error"), ('{"action": "x"}', "error")]:
        assert reply(body)["type"] == kind
    table.fail = True  # the table fails: an error frame, not an exception
    assert reply(event["body"]) == {"type": "error", "reason": "server error: RuntimeError"}

    def gone(e: dict[str, Any], frame: dict[str, Any]) -> None:
        raise RuntimeError("GoneException")

    monkeypatch.setattr(ws, "post_to_caller", gone)  # the caller left before its answer: still no exception
    assert ws.message(event, None) == {"statusCode": 200}
    connect = copy.deepcopy(event)
    connect["requestContext"]["connectionId"] = "new"
    ws.connect(connect, None)
    assert table.rows["new"]["subject"] == "cli"
    ws.disconnect(connect, None)
    assert "new" not in table.rows


class Posts:
    """The @connections API: `gone` ids answer 410, `slow` ones fail."""

    def __init__(self, gone: set[str], broken: set[str]) -> None:
        self.gone, self.broken, self.sent = gone, broken, []  # type: ignore[var-annotated]

    def broadcast(self, connection_ids: Iterable[str], frame: dict[str, Any]) -> Delivery:
        d = Delivery()
        for cid in connection_ids:
            if cid in self.gone:
                d.gone.append(cid)
            elif cid in self.broken:
                d.failed[cid] = "timeout"
            else:
                d.sent += 1
                self.sent.append((cid, frame))
        return d


def test_the_broadcaster_sends_one_delta_and_forgets_gone_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = Table()
    for cid in ("a", "b", "c", "d"):
        table.add(cid, "x")
        table.subscribe(cid)
    table.add("idle", "x")  # connected, never subscribed
    posts = Posts(gone={"b"}, broken={"c"})
    images = [r["dynamodb"]["NewImage"] for r in _fixture("dynamodb_stream.json")["Records"]]
    asked: list[list[tuple[str, str]]] = []

    class Aggregates:
        def current(self, *, minutes: int, top: int) -> list[dict[str, Any]]:
            raise AssertionError("the broadcaster reads only the changed keys")

        def items(self, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
            asked.append(keys)
            return images

    parts = wiring.BroadcastParts(table, Aggregates(), posts)
    monkeypatch.setattr(wiring, "broadcast_parts", lambda: parts)
    keys = [["ALL", "TOTAL"], ["ALL", "MINUTE#2026-11-22T16:50"]]
    result = broadcast.handler({"keys": keys}, LambdaContext("broadcast", 128, "req"))
    assert asked == [[("ALL", "TOTAL"), ("ALL", "MINUTE#2026-11-22T16:50")]]
    assert result == {"items": 2, "sent": 2, "gone": 1, "failed": 1}
    assert sorted(cid for cid, _ in posts.sent) == ["a", "d"] and "b" not in table.rows
    assert {i["k"] for i in posts.sent[0][1]["items"]} == {"ALL|TOTAL", "ALL|MINUTE#2026-11-22T16:50"}
    assert broadcast.handler({"keys": []}, LambdaContext("broadcast", 128, "req")) == {"items": 0, "sent": 0}
    images = [{"pk": {"S": "SHARD#s#0"}, "sk": {"S": "MARK"}}]  # nothing the dashboard shows
    assert broadcast.handler({"keys": [["SHARD#s#0", "MARK"]]}, LambdaContext("broadcast", 128, "req")) == {
        "items": 0,
        "sent": 0,
    }


# -- local web server -------------------------------------------------------------------------


class FakeApi(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization")}).encode()
        self.send_response(401 if "deny" in self.path else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_web_server_serves_the_app_its_config_and_the_api(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html>app</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path.parent / "secret.txt").write_text("no")
    api, api_url = _serve(FakeApi)
    web, web_url = _serve(make_handler(tmp_path, api_url + "/_aws/execute-api/x/$default", "ws://h/live"))
    try:
        assert _get(web_url + "/config.json") == (200, b'{"apiUrl": "/api", "wsUrl": "ws://h/live"}')
        assert _get(web_url + "/assets/app.js") == (200, b"console.log(1)")
        assert _get(web_url + "/ops/anything") == (200, b"<html>app</html>")  # the app routes it
        assert _get(web_url + "/../secret.txt")[1] == b"<html>app</html>"  # never outside dist
        status, body = _get(web_url + "/api/live?x=1", {"Authorization": "Bearer t"})
        assert status == 200 and json.loads(body) == {
            "path": "/_aws/execute-api/x/$default/live?x=1",
            "auth": "Bearer t",
        }
        assert _get(web_url + "/api/deny")[0] == 401
    finally:
        api.shutdown()
        web.shutdown()


def test_the_api_is_warmed_by_as_many_calls_at_once_as_a_first_view_makes() -> None:
    from concert.dashboard import FIRST_VIEW_REQUESTS, warm_api

    together = threading.Barrier(FIRST_VIEW_REQUESTS, timeout=10)
    seen: list[tuple[str, str | None]] = []

    class Api(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            return

        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            try:
                together.wait()  # answers only once every call is in flight at the same time
                status = 200
            except threading.BrokenBarrierError:
                status = 503
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server, url = _serve(Api)
    try:
        assert warm_api(url + "/", "tok") == FIRST_VIEW_REQUESTS
        assert seen == [("/api/health", "Bearer tok")] * FIRST_VIEW_REQUESTS
    finally:
        server.shutdown()


def test_the_web_server_compresses_large_assets_for_clients_that_accept_it(tmp_path: Path) -> None:
    script = "const charts = 1;\n" * 500
    (tmp_path / "index.html").write_text("<html>app</html>")
    (tmp_path / "charts.js").write_text(script)
    web, web_url = _serve(make_handler(tmp_path, "http://127.0.0.1:9", "ws://h/live"))
    try:
        req = urllib.request.Request(web_url + "/charts.js", headers={"Accept-Encoding": "gzip, br"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.headers["Content-Encoding"] == "gzip" and r.headers["Vary"] == "Accept-Encoding"
            packed = r.read()
        assert len(packed) < len(script) / 10 and gzip.decompress(packed).decode() == script
        assert _get(web_url + "/charts.js") == (200, script.encode())  # plain for the others
        small = urllib.request.Request(web_url + "/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(small, timeout=5) as r:  # too small to be worth it
            assert r.headers["Content-Encoding"] is None and r.read() == b"<html>app</html>"
    finally:
        web.shutdown()


class ManagementApi:
    """post_to_connection: `slow` blocks until every other client got its frame; `gone` is 410."""

    def __init__(self, others: int) -> None:
        self.others, self.done = others, 0
        self.lock = threading.Lock()
        self.all_others = threading.Event()
        self.slow_saw_others_first = False

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        from botocore.exceptions import ClientError

        if ConnectionId == "slow":
            self.slow_saw_others_first = self.all_others.wait(10)
            return
        if ConnectionId == "gone":
            raise ClientError({"Error": {"Code": "GoneException", "Message": "gone"}}, "PostToConnection")
        with self.lock:
            self.done += 1
            if self.done == self.others:
                self.all_others.set()


def test_a_slow_client_does_not_hold_up_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.dashboard.connections_api import ConnectionsApi

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    api = ConnectionsApi("https://ws9.execute-api.us-east-1.amazonaws.com/live", workers=8)
    fake = ManagementApi(others=20)
    api._client = fake
    delivery = api.broadcast(["slow", "gone", *(f"c{i}" for i in range(20))], {"type": "delta", "items": []})
    assert fake.slow_saw_others_first, "the other clients waited for the slow one"
    assert delivery.sent == 21 and delivery.gone == ["gone"] and not delivery.failed


# -- the HTTP API's routes --------------------------------------------------------------------


@pytest.fixture
def api_parts(env: None, monkeypatch: pytest.MonkeyPatch) -> wiring.ApiParts:
    """The HTTP API's parts: an in-memory key and live aggregates, one state machine."""
    parts = wiring.ApiParts(
        DashboardSettings(), _key(), Table(), MemoryStepFunctions({"concert-etl": "arn:etl"})
    )
    monkeypatch.setattr(wiring, "api_parts", lambda: parts)
    return parts


@pytest.fixture
def api(api_parts: wiring.ApiParts) -> Any:
    return dashboard_api


def _call(
    module: Any, method: str, path: str, query: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(_fixture("http_api_v2_get.json"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["authorizer"] = {"lambda": {"subject": "ana"}}
    event["queryStringParameters"] = query or {}
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    out = module.handler(event, LambdaContext("broadcast", 128, "req"))
    return out["statusCode"], json.loads(out["body"])


def test_the_api_mints_tickets_for_its_caller_and_refuses_bad_requests(api: Any) -> None:
    status, body = _call(api, "POST", "/ticket")
    assert status == 200
    claims = tokens.verify(KEY, body["ticket"], scope="ws")
    assert claims.subject == "ana" and claims.expires_at == body["expires_at"]
    assert _call(api, "GET", "/analytics", {"metric": "secrets"})[0] == 400
    assert _call(api, "GET", "/executions/history")[0] == 400
    status, body = _call(api, "GET", "/workflows/nope/executions")
    assert status == 404 and "no state machine named 'nope'" in body["message"]
    assert _call(api, "GET", "/workflows")[1]["state_machines"][0]["name"] == "concert-etl"
    assert _call(api, "GET", "/workflows/concert-etl/executions")[1] == {"executions": []}
    assert _call(api, "GET", "/workflows/concert-etl/executions", {"limit": "lots"})[0] == 400
    assert _call(api, "GET", "/executions/recent")[1] == {"executions": []}
    assert _call(api, "GET", "/executions/recent", {"limit": "x"})[0] == 400
    assert _call(api, "GET", "/models/sales/abc")[0] == 400  # the predictions routes, under /models
    assert _call(api, "POST", "/chat/ask")[0] == 400  # the chat routes, under /chat


def test_the_analytics_page_comes_in_one_request(
    api: Any, api_parts: wiring.ApiParts, tmp_path: Path
) -> None:
    from consumers.warehouse.client import DataApiWarehouse
    from tests.unit.local_warehouse import LocalDataApi, run, star_schema

    engine = star_schema(tmp_path / "w.duckdb")
    try:
        api_parts.warehouse = DataApiWarehouse(LocalDataApi(engine))
        status, empty = _call(api, "GET", "/analytics/panels")
        assert status == 200 and empty["filters"] == {}  # no sales yet: all time, nothing to show
        assert set(empty["panels"]) == set(analytics.PANELS) and empty["options"]["cities"] == []
        from bench.warehouse import seed_statements

        for sql in seed_statements(3_000):  # a year of sales over 1,000 artists in five genres
            assert run(engine, sql)["Status"] == "FINISHED", sql[:80]
        status, page = _call(api, "GET", "/analytics/panels", {"genre": "jazz"})
        assert status == 200, page
        last = page["options"]["range"]["last"][:10]
        since = (date.fromisoformat(last) - timedelta(days=90)).isoformat()
        assert page["filters"] == {"genre": "jazz", "from": since, "to": last}
        assert page["options"]["genres"] == ["folk", "hip-hop", "jazz", "pop", "rock"]
        expected = run(
            engine,
            "SELECT SUM(quantity) AS n FROM fact_ticket_sales WHERE genre = 'jazz' AND sold_at >= "
            f"TIMESTAMPTZ '{since} 00:00:00+00'",
        )
        from cloud.dataapi.server import dispatch

        tickets = dispatch(engine, "GetStatementResult", {"Id": expected["Id"]})["Records"][0][0]["longValue"]
        assert sum(r["value"] for r in page["panels"]["sales"]["rows"]) == tickets > 0
        assert all(len(page["panels"][p]["rows"]) == 10 for p in ("venues", "artists", "cities"))
        assert _call(api, "GET", "/analytics/options") == (200, page["options"])  # the same choices
        status, refused = _call(api, "GET", "/analytics/panels", {"from": "soon"})
        assert status == 400 and "from must be a date" in refused["message"]
    finally:
        engine.close()


def test_the_dashboard_api_starts_without_the_models_libraries(tmp_path: Path) -> None:
    """Its cold start serves every page; scikit-learn is imported by the predictions that use it."""
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "SIGNING_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:k",
        "AGGREGATES_TABLE": "aggregates",
        "MODELS_BUCKET": "models",
        "REGISTRY_TABLE": "registry",
        "SESSIONS_TABLE": "sessions",
        "CHAT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:1:stateMachine:concert-chat",
    }
    probe = "import sys, functions.dashboard.api; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.replace("'", '"')))
    assert "functions" in loaded and not loaded & {"sklearn", "scipy"}, loaded & {"sklearn", "scipy"}


def test_concert_names_take_integers_only() -> None:
    assert "IN (3, 7)" in analytics.concert_names_sql("7,3, 7")
    for bad in ("", "1; DROP TABLE x", ",".join(map(str, range(101)))):
        with pytest.raises(analytics.BadRequest):
            analytics.concert_names_sql(bad)


def test_concert_names_name_a_merged_listing_as_its_show(tmp_path: Path) -> None:
    """The Live page adds a show's listings up: a listing another source published (merged
    by entity resolution) is named as its show, and the show it is comes with it."""
    from consumers.warehouse.client import DataApiWarehouse
    from tests.unit.local_warehouse import LocalDataApi, star_schema

    engine = star_schema(tmp_path / "w.duckdb")
    wh = DataApiWarehouse(LocalDataApi(engine))
    concert = "'2026-06-01 20:00:00+00', '2026-01-01 00:00:00+00', 900, 10, 90, 'scheduled', NULL, GETDATE()"
    wh.batch([
        "INSERT INTO dim_artist VALUES (1, 'Elton John', 'pop', 'pop', 50, NULL, GETDATE(), 'a1'), "
        "(101, 'ELTNO JOHN', 'pop', 'pop', 50, NULL, GETDATE(), 'a101')",
        "INSERT INTO dim_venue VALUES (11, 'Lyric Opera House', 'Chicago', 'IL', 900, GETDATE(), 'v11'), "
        "(111, 'The Lyric Opera House', 'Chicago', 'IL', 900, GETDATE(), 'v111')",
        f"INSERT INTO dim_concert VALUES (1001, 1, 11, {concert}, 'c1'), (1002, 101, 111, {concert}, 'c2'), "
        f"(1003, 101, 11, {concert}, 'c3')",
        "INSERT INTO entity_crosswalk VALUES ('artist', 101, 'feed', 1, 'merge', 1, 95, '', GETDATE()), "
        "('venue', 111, 'feed', 11, 'merge', 11, 95, '', GETDATE()), "
        "('concert', 1002, 'feed', 1001, 'merge', 1001, 100, '', GETDATE())",
    ])  # fmt: skip
    try:
        rows = wh.query(analytics.concert_names_sql("1001,1002,1003,4040"))
    finally:
        engine.close()
    named = {int(r["key"]): (int(r["show"]), r["label"]) for r in rows}
    assert named == {
        1001: (1001, "Elton John at Lyric Opera House"),
        1002: (1001, "Elton John at Lyric Opera House"),  # the feed's listing: the same show
        1003: (
            1003,
            "Elton John at Lyric Opera House",
        ),  # another show (its own concert) of the same act and room
    }


def test_the_newest_arrival_travels_with_the_total_and_the_newer_wins() -> None:
    """Two shards' deliveries may write the total out of order; the client keeps the newer."""
    older = {
        "pk": {"S": "ALL"},
        "sk": {"S": "TOTAL"},
        "orders": {"N": "5"},
        "newest_arrival_ms": {"N": "2000"},
    }
    newer = {
        "pk": {"S": "ALL"},
        "sk": {"S": "TOTAL"},
        "orders": {"N": "4"},
        "newest_arrival_ms": {"N": "3000"},
    }
    frame = frames.delta_frame([newer, older], sent_ms=1)
    assert frame is not None
    assert frame["items"] == [{"k": "ALL|TOTAL", "c": {"orders": 5, "newest_arrival_ms": 3000}}]


def test_recent_executions_of_every_workflow_come_failed_first_then_newest() -> None:
    from datetime import UTC, datetime, timedelta

    from functions.ops import workflows

    t0 = datetime(2026, 12, 5, 9, tzinfo=UTC)
    runs = {
        "arn:etl": [("e1", "SUCCEEDED", 5), ("e2", "FAILED", 1), ("e3", "RUNNING", 9)],
        "arn:retrain": [("r1", "TIMED_OUT", 3), ("r2", "SUCCEEDED", 7)],
    }

    sfn = MemoryStepFunctions({n: f"arn:{n}" for n in ("etl", "retrain")})
    for arn, executions in runs.items():
        for name, status, minutes in executions:
            sfn.add(arn, name, status, t0 + timedelta(minutes=minutes))
    recent = workflows.recent(sfn, limit=4)
    assert [(e["machine"], e["name"]) for e in recent] == [
        ("retrain", "r1"), ("etl", "e2"), ("etl", "e3"), ("retrain", "r2")
    ]  # fmt: skip


def test_the_prediction_pickers_run_on_the_warehouse_and_pass_its_guard(tmp_path: Path) -> None:
    from cloud.dataapi.server import dispatch
    from consumers.warehouse.guard import guard
    from tests.unit.local_warehouse import run, star_schema

    engine = star_schema(tmp_path / "w.duckdb")
    try:
        for name, sql in analytics.pickers_sql().items():
            guard(sql, analytics.DASHBOARD)  # what the dashboard sends passes the warehouse's guard
            done = run(engine, sql)
            assert done["Status"] == "FINISHED", (name, done.get("Error"))
            result = dispatch(engine, "GetStatementResult", {"Id": done["Id"]})
            assert [c["name"] for c in result["ColumnMetadata"]] == ["key", "label"]
    finally:
        engine.close()
