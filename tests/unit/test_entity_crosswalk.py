"""Entity resolution in the warehouse (the local engine, in process): two sources' catalogs
become one artist and one venue, the facts follow, a person's split puts history back, and no
sale is lost or counted twice at any step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cloud.dataapi.engine import Engine
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


def test_answers_read_one_entity_each_and_another_sources_spelling_finds_it(
    warehouse: DataApiWarehouse,
) -> None:
    """The chat counts and lists the catalog as one entity each (dim_* keep every published id),
    and a name as the second source spelt it finds the entity it was merged into."""
    from chat.analytics import compile_slots
    from chat.vocabulary import Vocabulary

    def value(slots: dict[str, object]) -> int:
        return int(warehouse.query(compile_slots(slots).sql)[0]["value"])

    assert value({"metric": "artists"}) == len(ARTISTS)
    resolve_pass(warehouse)
    assert value({"metric": "artists"}) == len(ARTISTS) - 1  # the feed's Elton John is Elton John
    assert value({"metric": "venues", "filters": {"state": "IL"}}) == 1
    assert value({"metric": "concerts", "filters": {"artist": [1, "Elton John"]}}) == 2  # both sources' shows
    assert value({"metric": "tickets", "filters": {"venue": [11, "Lyric Opera House"]}}) == 18
    found = Vocabulary.read(warehouse.query).find("tickets for ELTNO JOHN at The Lyric Opera House")
    assert [(f.entity.kind, f.entity.key) for f in found] == [("artist", 1), ("venue", 11)]
    assert warehouse.query("SELECT artist_id, venue_id FROM resolved_concert WHERE concert_id = 1002") == [
        {"artist_id": 1, "venue_id": 11}
    ]


def _concert_sources(warehouse: DataApiWarehouse, sources: dict[int, str]) -> None:
    warehouse.batch([
        "INSERT INTO event_log (event_id, event_type, occurred_at, source, batch_id, shard_id, sequence_number, "
        f"sub_sequence_number) VALUES ('c{cid}', 'ConcertScheduled', '2026-01-01 00:00:00+00', '{source}', 'b', "
        "'s', '1', 0)"
        for cid, source in sources.items()
    ])  # fmt: skip


def _lineage(warehouse: DataApiWarehouse) -> dict[int, int]:
    rows = warehouse.query("SELECT concert_id, COUNT(*) AS n FROM fact_concert_published GROUP BY concert_id")
    return {int(r["concert_id"]): int(r["n"]) for r in rows}


def test_the_same_show_from_two_sources_becomes_one_concert_and_its_sales_follow_both_ways(
    warehouse: DataApiWarehouse,
) -> None:
    """Concerts follow their artists and venues: the feed's Elton John at the feed's Lyric, same
    night, is the first source's show; its sales move onto it and back, nothing lost or doubled."""
    from chat.analytics import compile_slots

    _concert_sources(warehouse, {1001: "tickit", 1002: "feed", 1003: "feed", 1004: "feed"})
    before = _total(warehouse)
    done = resolve_pass(warehouse)
    assert (done.shows_decided, done.shows_merged, done.shows_unmerged) == (4, 1, 0)
    one_show = {1001: 12, 1003: 6, 1004: 6}  # Bryan Adams waits for a person; Wolf Parade is another act
    assert _by(warehouse, "concert_id") == one_show == _by(warehouse, "concert_id", "agg_daily_sales")
    assert _total(warehouse) == before and _lineage(warehouse) == {1002: 3}
    concerts = warehouse.query(compile_slots({"metric": "concerts"}).sql)[0]["value"]
    assert concerts == 3  # the chat counts the show once
    assert resolve_pass(warehouse).shows_decided == 0  # decided once

    warehouse.batch(split_statements("concert", 1002))  # a person: two shows after all
    assert _by(warehouse, "concert_id") == {1001: 6, 1002: 6, 1003: 6, 1004: 6}
    assert _by(warehouse, "concert_id", "agg_daily_sales") == {1001: 6, 1002: 6, 1003: 6, 1004: 6}
    assert _lineage(warehouse) == {} and _total(warehouse) == before
    warehouse.batch(merge_statements("concert", 1002, canonical=1001))  # and the same one again
    assert _by(warehouse, "concert_id") == one_show and _lineage(warehouse) == {1002: 3}


def test_a_show_merged_on_an_artist_a_person_splits_is_two_shows_again_at_the_next_pass(
    warehouse: DataApiWarehouse,
) -> None:
    _concert_sources(warehouse, {1001: "tickit", 1002: "feed", 1003: "feed", 1004: "feed"})
    before = _total(warehouse)
    resolve_pass(warehouse)
    warehouse.batch(split_statements("artist", 101))  # the feed's Elton John is someone else
    assert _by(warehouse, "concert_id") == {1001: 12, 1003: 6, 1004: 6}  # until the next pass
    again = resolve_pass(warehouse)
    assert (again.shows_decided, again.shows_unmerged) == (0, 1)
    assert _by(warehouse, "concert_id") == {1001: 6, 1002: 6, 1003: 6, 1004: 6}
    assert _by(warehouse, "concert_id", "agg_daily_sales") == {1001: 6, 1002: 6, 1003: 6, 1004: 6}
    assert _by(warehouse, "artist_id") == {1: 6, 101: 6, 102: 6, 103: 6}  # each show's sales on its artist
    assert _total(warehouse) == before and _lineage(warehouse) == {}
    # a person merges the artist back: its shows are decided again, and are one show again
    warehouse.batch(merge_statements("artist", 101, canonical=1))
    third = resolve_pass(warehouse)
    assert (third.shows_decided, third.shows_merged) == (2, 1)  # both its shows, decided again
    assert _by(warehouse, "concert_id") == {1001: 12, 1003: 6, 1004: 6}
    assert _total(warehouse) == before and _lineage(warehouse) == {1002: 3}


class _Reads:
    """The warehouse, with each query's rows kept (what a pass reads)."""

    def __init__(self, warehouse: DataApiWarehouse) -> None:
        self.warehouse = warehouse
        self.read: list[tuple[str, list[dict[str, Any]]]] = []

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        rows = self.warehouse.query(sql, params)
        self.read.append((sql, rows))
        return rows

    def batch(self, sqls: list[str]) -> dict[str, Any]:
        return self.warehouse.batch(sqls)

    def known(self, what: str) -> list[dict[str, Any]]:
        """The rows the pass read of the known (canonical) entities or shows."""
        known = "AND x.canonical_id = x.entity_id"
        return [r for sql, rows in self.read if sql.startswith(what) and known in sql for r in rows]


def _add_artist_and_show(
    warehouse: DataApiWarehouse, aid: int, name: str, cid: int, vid: int, source: str
) -> None:
    warehouse.batch([
        f"INSERT INTO dim_artist VALUES ({aid}, '{name}', 'pop', 'pop', 50, NULL, '2026-02-01 00:00:00+00', 'a{aid}')",
        f"INSERT INTO dim_concert VALUES ({cid}, {aid}, {vid}, '2026-06-01 21:00:00+00', '2026-01-01 00:00:00+00', "
        f"1000, 10, 90, 'scheduled', NULL, '2026-02-01 00:00:00+00', 'c{cid}')",
        *(
            "INSERT INTO event_log (event_id, event_type, occurred_at, source, batch_id, shard_id, sequence_number, "
            f"sub_sequence_number) VALUES ('{eid}', '{kind}', '2026-02-01 00:00:00+00', '{source}', 'b', 's', '2', 0)"
            for eid, kind in ((f"a{aid}", "ArtistUpserted"), (f"c{cid}", "ConcertScheduled"))
        ),
    ])  # fmt: skip


@pytest.mark.parametrize("narrowed", [True, False], ids=["narrowed", "whole catalog"])
def test_a_pass_reads_only_what_its_new_rows_can_match_and_decides_the_same(
    warehouse: DataApiWarehouse, monkeypatch: pytest.MonkeyPatch, narrowed: bool
) -> None:
    """A later pass brings one source's new artist and show: it reads the other sources'
    entities and the shows of that artist and venue only, and decides as reading everything does."""
    from consumers.entities import concerts, crosswalk

    if not narrowed:
        monkeypatch.setattr(crosswalk, "known_sql", lambda _rows: crosswalk.KNOWN_SQL)
        monkeypatch.setattr(concerts, "known_shows_sql", lambda _rows: concerts.KNOWN_SHOWS_SQL)
    _concert_sources(warehouse, {1001: "tickit", 1002: "feed", 1003: "feed", 1004: "feed"})
    resolve_pass(warehouse)
    _add_artist_and_show(warehouse, 104, "Elton Jon", 1005, 111, "feed")  # the feed's spelling, same night
    reads = _Reads(warehouse)
    done = resolve_pass(reads)
    assert (done.decided, done.merged, done.shows_decided, done.shows_merged) == (1, 1, 1, 1)
    rows = warehouse.query(
        "SELECT kind, entity_id, canonical_id FROM entity_crosswalk WHERE entity_id IN (104, 1005)"
    )
    assert {(r["kind"], r["entity_id"]): r["canonical_id"] for r in rows} == {
        ("artist", 104): 1,
        ("concert", 1005): 1001,
    }
    known_entities = reads.known("SELECT 'artist' AS kind")
    known_shows = [
        int(r["concert_id"]) for r in reads.known("SELECT c.concert_id") if r["concert_id"] != 1005
    ]
    if narrowed:
        assert known_entities and {r["source"] for r in known_entities} == {"tickit"}, (
            "the feed's own: not read"
        )
        assert known_shows == [1001], "only the show of the same artist and venue, of another source"
    else:
        assert {r["source"] for r in known_entities} == {"tickit", "feed"} and len(known_shows) >= 3


def test_a_sources_own_new_look_alike_is_still_never_merged_with_it(warehouse: DataApiWarehouse) -> None:
    _concert_sources(warehouse, {1001: "tickit", 1002: "feed", 1003: "feed", 1004: "feed"})
    resolve_pass(warehouse)
    _add_artist_and_show(warehouse, 5, "Elton Johnn", 1006, 11, "tickit")
    reads = _Reads(warehouse)
    done = resolve_pass(reads)
    assert (done.decided, done.merged, done.shows_merged) == (1, 0, 0)
    assert all(r["source"] != "tickit" for r in reads.known("SELECT 'artist' AS kind"))
