"""Entity resolution through the whole pipeline: a catalog published by two sources (the
synthetic workload's second source) becomes one artist and one venue each in the warehouse, as
part of the load cycles; look-alikes wait for a person; a person's split and merge move history;
every event stays placed exactly once."""

from __future__ import annotations

import json
from typing import Any

from consumers.entities.normalise import artist_key, city_key, venue_key
from producers.synthetic import SECOND_SOURCE_IDS, events_for
from tests.e2e.conftest import Cli, wait_for

SEED, EVENTS, SHARE = 91, 4000, 0.3


def _rows(cli: Cli, sql: str) -> list[dict[str, Any]]:
    return list(cli.json("query", sql)["rows"])


def _placed(cli: Cli) -> dict[str, Any] | None:
    proc = cli.run("reconcile", "--json")
    report: dict[str, Any] = json.loads(proc.stdout)
    done = report["warehouse_events"] + report["held"] == report["produced_events"]
    return report if proc.returncode == 0 and done else None


def _keys(cli: Cli) -> dict[tuple[str, str], list[int]]:
    """The first sources' artists and venues by compared name (and a venue's city and state)."""
    found: dict[tuple[str, str], list[int]] = {}
    for r in _rows(
        cli, f"SELECT artist_id AS id, name FROM dim_artist WHERE artist_id < {SECOND_SOURCE_IDS}"
    ):
        found.setdefault(("artist", artist_key(r["name"])), []).append(int(r["id"]))
    venues = f"SELECT venue_id AS id, name, city, state FROM dim_venue WHERE venue_id < {SECOND_SOURCE_IDS}"
    for r in _rows(cli, venues):
        key = f"{venue_key(r['name'])}|{city_key(r['city'])}|{r['state']}"
        found.setdefault(("venue", key), []).append(int(r["id"]))
    return found


def test_a_catalog_from_two_sources_becomes_one_and_a_persons_decisions_move_history(cli: Cli) -> None:
    if not cli.cloud.healthy():
        cli.json("up", "--events", "1000", "--rate", "20000", "--exit-when-done", timeout=900)
    workload = list(events_for(EVENTS, seed=SEED, second_source=SHARE))
    # each twin's true entity, by what it is (the platform may hold other workloads under the same ids)
    truth: dict[int, tuple[str, str]] = {}
    for e in workload:
        d = e.data
        if e.event_type == "ArtistUpserted":
            truth[d.artist_id] = ("artist", artist_key(d.name))
        elif e.event_type == "VenueUpserted":
            truth[d.venue_id] = ("venue", f"{venue_key(d.name)}|{city_key(d.city)}|{d.state}")
    twins = {i: truth[i - SECOND_SOURCE_IDS] for i in truth if i >= SECOND_SOURCE_IDS}
    assert len(twins) >= 10
    report = cli.json("produce", "--events", str(EVENTS), "--seed", str(SEED), "--second-source", str(SHARE))
    assert report["accepted"] == EVENTS
    wait_for(lambda: _placed(cli), 300, "every event placed")
    ids = ", ".join(str(i) for i in sorted(twins))
    decided = wait_for(
        lambda: (rows := _rows(cli, f"SELECT kind, entity_id, canonical_id, verdict FROM entity_crosswalk "
                                    f"WHERE entity_id IN ({ids})")) and len(rows) == len(twins) and rows,
        120, "the feed's artists and venues decided",
    )  # fmt: skip
    known = _keys(cli)
    merged = [r for r in decided if r["verdict"] == "merge"]
    # every merge is right: into the one first-source entity that is the twin's performer or venue
    wrong = [r for r in merged if int(r["canonical_id"]) not in known.get(twins[int(r["entity_id"])], [])]
    assert not wrong, wrong
    # and most twins whose entity the platform knows once (not twice: that is for review) are found
    findable = [i for i, key in twins.items() if len(known.get(key, [])) == 1]
    found = [r for r in merged if int(r["entity_id"]) in findable]
    assert len(found) >= 0.7 * len(findable) and len(findable) >= 5, (len(found), len(findable))
    review = cli.json("entities", "review")["pending"]
    to_review = {int(r["entity_id"]) for r in decided if r["verdict"] == "review"}
    assert {int(r["entity_id"]) for r in review if int(r["entity_id"]) in twins} == to_review
    # no fact is left on a merged id: history follows the canonical entity
    left = _rows(cli, "SELECT COUNT(*) AS n FROM fact_ticket_sales f JOIN entity_crosswalk x ON "
                      "x.kind = 'artist' AND x.entity_id = f.artist_id AND x.canonical_id <> x.entity_id")  # fmt: skip
    assert int(left[0]["n"]) == 0
    # a person splits a merged artist that has sales of its own, then merges it back
    with_sales = _rows(
        cli,
        "SELECT x.entity_id, x.canonical_id, COUNT(*) AS n FROM entity_crosswalk x JOIN dim_concert c ON "
        "c.artist_id = x.entity_id JOIN fact_ticket_sales f ON f.concert_id = c.concert_id "
        "WHERE x.kind = 'artist' AND x.verdict = 'merge' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1",
    )
    if with_sales:
        twin, base, sales = (int(with_sales[0][k]) for k in ("entity_id", "canonical_id", "n"))
        split = cli.json("entities", "split", "artist", str(twin))
        own = _rows(cli, f"SELECT COUNT(*) AS n FROM fact_ticket_sales WHERE artist_id = {twin}")
        assert int(own[0]["n"]) == sales
        merge = cli.json("entities", "merge", "artist", str(twin), "--into", str(base))
        assert (merge["sales"], merge["tickets"]) == (split["sales"], split["tickets"])
        back = _rows(cli, f"SELECT COUNT(*) AS n FROM fact_ticket_sales WHERE artist_id = {twin}")
        assert int(back[0]["n"]) == 0
    final = _placed(cli)
    assert final is not None and final["ok"] and final["missing_from_warehouse_count"] == 0
