"""Entity resolution through the whole pipeline: a catalog published by two sources (the
synthetic workload's second source) becomes one artist, one venue and one show each in the
warehouse, as part of the load cycles; look-alikes wait for a person; a person's split and merge move history;
every event stays placed exactly once.

On a platform of its own: the synthetic workload's ids (1..N) are reused by every seed, so on the
shared platform an id names whichever workload's artist loaded last, and a twin's truth by id
would not hold."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from cloud.local_cloud import LocalCloud
from producers.synthetic import SECOND_SOURCE_IDS, events_for
from tests.conftest import free_port
from tests.e2e.conftest import Cli, wait_for

SEED, EVENTS, SHARE = 91, 4000, 0.3


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """A platform holding this seed's workload from its first source only, then stopped."""
    data_dir = tmp_path_factory.mktemp("entities")
    port = free_port(13)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONCERT_"))}
    env.update({"CONCERT_PORT": str(port), "CONCERT_DATA_DIR": str(data_dir), "NO_COLOR": "1"})
    cli = Cli(env, LocalCloud(data_dir, port))
    up = ("up", "--events", str(EVENTS), "--seed", str(SEED), "--rate", "20000", "--exit-when-done")
    cli.json(*up, timeout=900)
    yield cli
    cli.run("down")


def _rows(cli: Cli, sql: str) -> list[dict[str, Any]]:
    return list(cli.json("query", sql)["rows"])


def _placed(cli: Cli) -> dict[str, Any] | None:
    proc = cli.run("reconcile", "--json")
    report: dict[str, Any] = json.loads(proc.stdout)
    done = report["warehouse_events"] + report["held"] == report["produced_events"]
    return report if proc.returncode == 0 and done else None


def test_a_catalog_from_two_sources_becomes_one_and_a_persons_decisions_move_history(own: Cli) -> None:
    cli = own
    feed = [e for e in events_for(EVENTS, seed=SEED, second_source=SHARE) if e.source == "feed"]
    twins = {e.data.artist_id if e.event_type == "ArtistUpserted" else e.data.venue_id
             for e in feed if e.event_type in ("ArtistUpserted", "VenueUpserted")}  # fmt: skip
    shows = {
        e.data.concert_id: (e.data.artist_id, e.data.venue_id)
        for e in feed
        if e.event_type == "ConcertScheduled"
    }
    assert len(twins) >= 10 and len(shows) >= 5
    report = cli.json("produce", "--events", str(EVENTS), "--seed", str(SEED), "--second-source", str(SHARE))
    assert report["accepted"] == EVENTS
    wait_for(lambda: _placed(cli), 300, "every event placed")
    ids = ", ".join(str(i) for i in sorted(twins))
    decided = wait_for(
        lambda: (rows := _rows(cli, f"SELECT kind, entity_id, canonical_id, verdict FROM entity_crosswalk "
                                    f"WHERE kind <> 'concert' AND entity_id IN ({ids})")) and len(rows) == len(twins) and rows,
        120, "the feed's artists and venues decided",
    )  # fmt: skip
    merged = [r for r in decided if r["verdict"] == "merge"]
    # every merge is right (the twin of the first source's entity) and most twins are found
    assert all(int(r["canonical_id"]) == int(r["entity_id"]) - SECOND_SOURCE_IDS for r in merged), merged
    assert len(merged) >= 0.7 * len(twins), decided
    review = cli.json("entities", "review")["pending"]
    to_review = {int(r["entity_id"]) for r in decided if r["verdict"] == "review"}
    assert {int(r["entity_id"]) for r in review if int(r["entity_id"]) in twins} == to_review
    # no fact is left on a merged id: history follows the canonical entity
    left = _rows(cli, "SELECT COUNT(*) AS n FROM fact_ticket_sales f JOIN entity_crosswalk x ON "
                      "x.kind = 'artist' AND x.entity_id = f.artist_id AND x.canonical_id <> x.entity_id")  # fmt: skip
    assert int(left[0]["n"]) == 0
    # the feed's listings of a show are that show: every merge pairs a listing with its show, every
    # listing whose artist and venue both merged is merged, and no fact stays on a merged concert
    pairs = ", ".join(str(i) for s in shows for i in (s, s - SECOND_SOURCE_IDS))
    listed = wait_for(
        lambda: (rows := _rows(cli, f"SELECT entity_id, canonical_id, verdict FROM entity_crosswalk "
                                    f"WHERE kind = 'concert' AND entity_id IN ({pairs})")) and len(rows) == 2 * len(shows) and rows,
        120, "the feed's listings decided",
    )  # fmt: skip
    moved = {
        (int(r["entity_id"]), int(r["canonical_id"])) for r in listed if r["entity_id"] != r["canonical_id"]
    }
    assert all(abs(a - b) == SECOND_SOURCE_IDS for a, b in moved), moved  # a listing and its own show
    merged_ids = {int(r["entity_id"]) for r in merged}
    expected = {s for s, (artist, venue) in shows.items() if {artist, venue} <= merged_ids}
    assert expected and expected == {max(a, b) for a, b in moved}, (expected, moved)
    # the dashboard names a listing as its show and says which show it is (the Live page, whose
    # counters are per listing, adds them up)
    listing, show = min(moved)
    board = cli.json("dashboard")
    token = board["url"].split("token=", 1)[1].split("#", 1)[0]
    with urllib.request.urlopen(f"{board['base'].rstrip('/')}/config.json", timeout=30) as r:
        api = urllib.parse.urljoin(board["base"], json.loads(r.read())["apiUrl"]).rstrip("/")
    asked = urllib.request.Request(
        f"{api}/concerts/names?ids={listing},{show}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(asked, timeout=30) as r:
        named = json.loads(r.read())
    assert named["shows"] == {str(listing): str(show)}, named
    assert named["names"][str(listing)] == named["names"][str(show)], named
    on_merged = _rows(cli, "SELECT COUNT(*) AS n FROM fact_ticket_sales f JOIN entity_crosswalk x ON "
                           "x.kind = 'concert' AND x.entity_id = f.concert_id AND x.canonical_id <> x.entity_id")  # fmt: skip
    assert int(on_merged[0]["n"]) == 0
    # the chat counts each artist once, whatever its sources (the dimension keeps every published id)
    published = int(_rows(cli, "SELECT COUNT(*) AS n FROM dim_artist")[0]["n"])
    merged_away = _rows(cli, "SELECT COUNT(*) AS n FROM entity_crosswalk WHERE kind = 'artist' "
                             "AND canonical_id <> entity_id")  # fmt: skip
    answer = cli.json("ask", "How many artists are there?")
    assert answer["result"]["value"] == published - int(merged_away[0]["n"]) < published, answer
    # a person splits a merged artist that has sales of its own, then merges it back
    with_sales = _rows(
        cli,
        "SELECT x.entity_id, x.canonical_id, COUNT(*) AS n FROM entity_crosswalk x JOIN dim_concert c ON "
        "c.artist_id = x.entity_id JOIN fact_ticket_sales f ON f.concert_id = c.concert_id "
        "WHERE x.kind = 'artist' AND x.verdict = 'merge' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
    )
    assert with_sales, "no merged artist has sales of its own"
    twin, base, sales = (int(with_sales[0][k]) for k in ("entity_id", "canonical_id", "n"))
    split = cli.json("entities", "split", "artist", str(twin))
    own_sales = _rows(cli, f"SELECT COUNT(*) AS n FROM fact_ticket_sales WHERE artist_id = {twin}")
    assert int(own_sales[0]["n"]) == sales
    merge = cli.json("entities", "merge", "artist", str(twin), "--into", str(base))
    assert (merge["sales"], merge["tickets"]) == (split["sales"], split["tickets"])
    back = _rows(cli, f"SELECT COUNT(*) AS n FROM fact_ticket_sales WHERE artist_id = {twin}")
    assert int(back[0]["n"]) == 0
    final = _placed(cli)
    assert final is not None and final["ok"] and final["missing_from_warehouse_count"] == 0
