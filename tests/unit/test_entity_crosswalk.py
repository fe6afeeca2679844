"""Entity resolution in the warehouse (the local engine, in process): two sources' catalogs
become one artist and one venue, the facts follow, a person's split puts history back, and no
sale is lost or counted twice at any step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from concert.dataapi.engine import Engine
from consumers.entities.crosswalk import REVIEW_SQL, merge_statements, resolve_pass, split_statements
from consumers.warehouse.client import DataApiWarehouse
from tests.unit.local_warehouse import LocalDataApi, run, star_schema

ARTISTS = [  # id, name, source
    (1, "Elton John", "tickit"), (2, "Ryan Adams", "tickit"), (3, "Phantom of the Opera", "tickit"),
    (101, "ELTNO JOHN", "feed"), (102, "Bryan Adams", "feed"), (103, "Wolf Parade", "feed"),
    (4, "The Phantom of the Opera", "tickit"),  # the same source: never merged with 3
]  # fmt: skip
VENUES = [  # id, name, city, state, seats, source
    (11, "Lyric Opera House", "Chicago", "IL", 3563, "tickit"),
    (111, "The Lyric Opera House", "chicago", "IL", 3500, "feed"),
    (112, "Lyric Opera House", "Baltimore", "MD", 2500, "feed"),
]
CONCERTS = [(1001, 1, 11), (1002, 101, 111), (1003, 102, 112), (1004, 103, 11)]  # id, artist, venue


def _sql(engine: Engine, sql: str) -> None:
    assert run(engine, sql)["Status"] == "FINISHED", sql


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DataApiWarehouse]:
    engine = star_schema(tmp_path / "w.duckdb")
    for aid, name, source in ARTISTS:
        _sql(engine, f"INSERT INTO dim_artist VALUES ({aid}, '{name}', 'pop', 'pop', 50, NULL, "
                     f"'2026-01-0{1 + aid % 5} 00:00:00+00', 'a{aid}')")  # fmt: skip
        _sql(engine, f"INSERT INTO event_log (event_id, event_type, occurred_at, source, batch_id, shard_id, "
                     f"sequence_number, sub_sequence_number) VALUES ('a{aid}', 'ArtistUpserted', "
                     f"'2026-01-01 00:00:00+00', '{source}', 'b', 's', '1', 0)")  # fmt: skip
    for vid, name, city, state, seats, source in VENUES:
        _sql(engine, f"INSERT INTO dim_venue VALUES ({vid}, '{name}', '{city}', '{state}', {seats}, "
                     f"'2026-01-01 00:00:00+00', 'v{vid}')")  # fmt: skip
        _sql(engine, f"INSERT INTO event_log (event_id, event_type, occurred_at, source, batch_id, shard_id, "
                     f"sequence_number, sub_sequence_number) VALUES ('v{vid}', 'VenueUpserted', "
                     f"'2026-01-01 00:00:00+00', '{source}', 'b', 's', '1', 0)")  # fmt: skip
    sale = 0
    for cid, aid, vid in CONCERTS:
        _sql(engine, f"INSERT INTO dim_concert VALUES ({cid}, {aid}, {vid}, '2026-06-01 20:00:00+00', "
                     "'2026-01-01 00:00:00+00', 1000, 10, 90, 'scheduled', NULL, '2026-01-01 00:00:00+00', "
                     f"'c{cid}')")  # fmt: skip
        for _ in range(3):
            sale += 1
            _sql(engine, f"INSERT INTO fact_ticket_sales VALUES ('s{sale}', {sale}, {cid}, {aid}, {vid}, 7, "
                         "'2026-02-01 10:00:00+00', 20260201, 'ga', 2, 50, 100, 'USD', 'web', 'mid', 'x', "
                         "'IL', 1000, 1000, 'pop', 50, 100, 1, 0.1)")  # fmt: skip
        _sql(engine, f"INSERT INTO agg_daily_sales VALUES (20260201, {cid}, {vid}, {aid}, 6, 300, 0, 0)")
    yield DataApiWarehouse(LocalDataApi(engine))
    engine.close()


def _by(warehouse: DataApiWarehouse, col: str, table: str = "fact_ticket_sales") -> dict[int, int]:
    measure = "tickets" if table == "agg_daily_sales" else "quantity"
    rows = warehouse.query(f"SELECT {col} AS k, SUM({measure}) AS n FROM {table} GROUP BY {col}")
    return {int(r["k"]): int(r["n"]) for r in rows}


def _total(warehouse: DataApiWarehouse) -> tuple[int, int, int]:
    sales = warehouse.query("SELECT COUNT(*) AS n, SUM(quantity) AS q FROM fact_ticket_sales")[0]
    agg = warehouse.query("SELECT SUM(tickets) AS t FROM agg_daily_sales")[0]
    return int(sales["n"]), int(sales["q"]), int(agg["t"])


def test_two_sources_become_one_artist_and_one_venue_and_their_sales_follow(
    warehouse: DataApiWarehouse,
) -> None:
    before = _total(warehouse)
    done = resolve_pass(warehouse)
    assert (done.decided, done.merged) == (10, 2) and done.repointed
    assert _total(warehouse) == before  # ids changed, never rows
    assert _by(warehouse, "artist_id") == {1: 12, 102: 6, 103: 6}  # Elton John's two ids are one
    assert _by(warehouse, "venue_id") == {11: 18, 112: 6}  # Chicago's Lyric is one; Baltimore's apart
    assert _by(warehouse, "artist_id", "agg_daily_sales") == {1: 12, 102: 6, 103: 6}
    sell = warehouse.query("SELECT venue_id, artist_id FROM agg_concert_sell_through WHERE concert_id = 1002")
    assert sell == [{"venue_id": 11, "artist_id": 1}]
    published = warehouse.query("SELECT artist_id FROM dim_concert WHERE concert_id = 1002")
    assert published == [{"artist_id": 101}]  # the concert keeps the id its source gave it


def test_look_alikes_wait_for_a_person_and_the_same_source_is_never_merged(
    warehouse: DataApiWarehouse,
) -> None:
    resolve_pass(warehouse)
    review = warehouse.query(REVIEW_SQL)
    assert [(r["entity_id"], r["source"], r["candidate_id"]) for r in review] == [
        (102, "feed", 2)
    ]  # not Ryan
    rows = warehouse.query(
        "SELECT entity_id, canonical_id, verdict FROM entity_crosswalk WHERE kind = 'artist'"
    )
    verdicts = {int(r["entity_id"]): (int(r["canonical_id"]), r["verdict"]) for r in rows}
    assert verdicts[4] == (4, "new") and verdicts[3] == (3, "new")  # one source's two shows stay two


def test_a_second_pass_decides_nothing_again_and_new_facts_of_a_merged_id_follow(
    warehouse: DataApiWarehouse,
) -> None:
    resolve_pass(warehouse)
    warehouse.batch([
        "INSERT INTO fact_ticket_sales VALUES ('late', 99, 1002, 101, 111, 7, '2026-02-02 10:00:00+00', 20260202, "
        "'ga', 5, 50, 250, 'USD', 'web', 'mid', 'x', 'IL', 1000, 1000, 'pop', 50, 99, 1, 0.1)"
    ])  # fmt: skip
    again = resolve_pass(warehouse)
    assert (again.decided, again.merged, again.repointed) == (0, 0, True)
    assert _by(warehouse, "artist_id")[1] == 17 and 101 not in _by(warehouse, "artist_id")


def test_a_persons_merge_and_split_move_history_and_lose_nothing(warehouse: DataApiWarehouse) -> None:
    resolve_pass(warehouse)
    before = _total(warehouse)
    warehouse.batch(merge_statements("artist", 102, canonical=2))  # a person: Bryan Adams is Ryan's feed
    assert _by(warehouse, "artist_id") == {1: 12, 2: 6, 103: 6}
    warehouse.batch(split_statements("artist", 101))  # and the feed's Elton John is someone else
    assert _by(warehouse, "artist_id") == {1: 6, 101: 6, 2: 6, 103: 6}
    assert _by(warehouse, "artist_id", "agg_daily_sales") == {1: 6, 101: 6, 2: 6, 103: 6}
    assert _total(warehouse) == before
    again = resolve_pass(warehouse)  # a person's decisions are not decided again
    assert again.decided == 0
    assert _by(warehouse, "artist_id") == {1: 6, 101: 6, 2: 6, 103: 6}
