"""The local warehouse engine in a test: statements through the Data API as a client sends
them, waited for with a bound, and the platform's star schema created from its one DDL."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from cloud.dataapi.engine import Engine
from cloud.dataapi.server import dispatch
from cloud.dataapi.translate import split_statements

SCHEMA = Path(__file__).resolve().parents[2] / "consumers" / "warehouse" / "schema.sql"
ENDED = ("FINISHED", "FAILED", "ABORTED")
Described = TypeVar("Described", bound=Mapping[str, Any])  # the engine's dict, or boto3's TypedDict


def settled(describe: Callable[[], Described], what: str, bound_s: float = 30.0) -> Described:
    """DescribeStatement's answer once the statement has ended; fails past `bound_s`."""
    deadline = time.monotonic() + bound_s
    while (described := describe())["Status"] not in ENDED:
        assert time.monotonic() < deadline, f"statement did not end within {bound_s} s: {what}"
        time.sleep(0.002)
    return described


def run(engine: Engine, sql: str, **body: Any) -> dict[str, Any]:
    """ExecuteStatement (with any other request fields), then its ended DescribeStatement."""
    sid = dispatch(engine, "ExecuteStatement", {"Sql": sql, "Database": "concert", **body})["Id"]
    return settled(lambda: dispatch(engine, "DescribeStatement", {"Id": sid}), sql)


def star_schema(path: Path) -> Engine:
    """An engine on a new DuckDB file at `path` holding the platform's (empty) star schema."""
    engine = Engine(str(path), lambda: None)
    for sql in split_statements(SCHEMA.read_text()):
        assert run(engine, sql)["Status"] == "FINISHED", sql
    return engine


class LocalDataApi:
    """The boto3 `redshift-data` client's calls answered by the engine in-process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __getattr__(self, name: str) -> Callable[..., dict[str, Any]]:
        op = "".join(part.title() for part in name.split("_"))  # execute_statement: ExecuteStatement
        return lambda **body: dispatch(self.engine, op, body)


def catalog(engine: Engine, venues: list[dict[str, Any]], artists: list[dict[str, Any]]) -> None:
    """The venues (venue_id, name, city, state) and artists (artist_id, name, genre) of a chat
    test, as dimension rows."""
    for v in venues:
        sql = (
            f"INSERT INTO dim_venue VALUES ({v['venue_id']}, '{v['name']}', '{v['city']}', '{v['state']}', "
            f"1000, '2025-01-01 00:00:00+00', 'v{v['venue_id']}')"
        )
        assert run(engine, sql)["Status"] == "FINISHED", sql
    for a in artists:
        sql = (
            f"INSERT INTO dim_artist VALUES ({a['artist_id']}, '{a['name']}', '{a['genre']}', '{a['genre']}', "
            f"50, NULL, '2025-01-01 00:00:00+00', 'a{a['artist_id']}')"
        )
        assert run(engine, sql)["Status"] == "FINISHED", sql


def concert(engine: Engine, cid: int, aid: int, vid: int, starts: str, status: str = "scheduled") -> None:
    """A concert of a chat test as a dimension row (starts at 20:00 UTC on the day `starts`)."""
    sql = (
        f"INSERT INTO dim_concert VALUES ({cid}, {aid}, {vid}, '{starts} 20:00:00+00', '2025-01-01 00:00:00+00', "
        f"1000, 10, 90, '{status}', NULL, '2025-01-01 00:00:00+00', 'c{cid}')"
    )
    assert run(engine, sql)["Status"] == "FINISHED", sql


def sale(engine: Engine, n: int, concert_ids: tuple[int, int, int], sold: str, **sold_as: Any) -> None:
    """Sale `n` of a chat test (concert, artist, venue ids; sold at 10:00 UTC on the day `sold`), as a
    fact row: tier, channel, quantity, city, state and genre from `sold_as` (floor, web, 2, x, MA,
    pop by default), at $50 a ticket."""
    cid, aid, vid = concert_ids
    s = {
        "tier": "floor",
        "channel": "web",
        "quantity": 2,
        "city": "x",
        "state": "MA",
        "genre": "pop",
        **sold_as,
    }
    qty = int(s["quantity"])
    sql = (
        f"INSERT INTO fact_ticket_sales VALUES ('s{n}', {n}, {cid}, {aid}, {vid}, 7, '{sold} 10:00:00+00', "
        f"{sold.replace('-', '')}, '{s['tier']}', {qty}, 50, {qty * 50}, 'USD', '{s['channel']}', 'mid', "
        f"'{s['city']}', '{s['state']}', 1000, 1000, '{s['genre']}', 50, 30, {qty}, 0.1)"
    )
    assert run(engine, sql)["Status"] == "FINISHED", sql
