"""Concerts in the warehouse's crosswalk: one show, whatever the source, and its facts on it.

The concerts the crosswalk does not know yet are decided (`shows.decide_shows`) once their
artists and venues are: against the other sources' shows of the same artist and venue. A
merged concert's sales and refunds move onto the show's one id (`move_statements`), each
keeping in `fact_concert_published` the id its event named (a load moves the facts of a
concert merged already as it loads them, and records the same: consumers/warehouse/load_sql.py);
daily aggregates are rebuilt for the days and concerts a move touched. Ids change, never rows:
no sale is lost or counted twice. A person's split, or a split of the artist or venue a merge
stood on, moves them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from consumers.entities.shows import Show, ShowDecision, ShowPolicy, decide_shows
from consumers.warehouse.load_sql import rebuild_aggregates

# A concert's artist and venue as decided (`c` a dim_concert row), and the source of its newest version.
_SHOW = (
    "SELECT c.concert_id, COALESCE(e.source, '') AS source, "
    "COALESCE(xa.canonical_id, c.artist_id) AS artist_id, COALESCE(xv.canonical_id, c.venue_id) AS venue_id, "
    "c.starts_at, c.updated_at FROM dim_concert AS c "
    "LEFT JOIN event_log AS e ON e.event_id = c.event_id "
    "LEFT JOIN entity_crosswalk AS xa ON xa.kind = 'artist' AND xa.entity_id = c.artist_id "
    "LEFT JOIN entity_crosswalk AS xv ON xv.kind = 'venue' AND xv.entity_id = c.venue_id "
)
UNRESOLVED_SHOWS_SQL = (  # (once its artist and venue are decided: both may arrive later)
    _SHOW + "WHERE NOT EXISTS (SELECT 1 FROM entity_crosswalk AS x WHERE x.kind = 'concert' "
    "AND x.entity_id = c.concert_id) AND xa.entity_id IS NOT NULL AND xv.entity_id IS NOT NULL "
    "ORDER BY c.updated_at, c.concert_id"
)
KNOWN_SHOWS_SQL = (
    _SHOW + "JOIN entity_crosswalk AS x ON x.kind = 'concert' AND x.entity_id = c.concert_id "
    "AND x.canonical_id = x.entity_id"
)
MAX_NAMED_IDS = 1_000  # artists or venues named in one narrowed query (the Data API takes 100 KB of SQL)


def known_shows_sql(unresolved: Sequence[dict[str, Any]]) -> str:
    """KNOWN_SHOWS_SQL narrowed to the shows an unresolved one can match (`shows.ShowResolver`):
    the same artist and venue as decided, of another source when all come from one. A pass
    reads the shows of the artists and venues it brought, not every show ever known (too many
    to name: all of them, as before)."""
    where = []
    artists = sorted({int(r["artist_id"]) for r in unresolved})
    venues = sorted({int(r["venue_id"]) for r in unresolved})
    if len(artists) <= MAX_NAMED_IDS and len(venues) <= MAX_NAMED_IDS:
        where.append(f"COALESCE(xa.canonical_id, c.artist_id) IN ({', '.join(map(str, artists))})")
        where.append(f"COALESCE(xv.canonical_id, c.venue_id) IN ({', '.join(map(str, venues))})")
    sources = {str(r["source"]) for r in unresolved}
    if len(sources) == 1:
        where.append("COALESCE(e.source, '') <> '" + sources.pop().replace("'", "''") + "'")
    return KNOWN_SHOWS_SQL + (" WHERE " + " AND ".join(where) if where and unresolved else "")


MERGED_SHOWS_SQL = (
    "SELECT COUNT(*) AS n FROM entity_crosswalk WHERE kind = 'concert' AND canonical_id <> entity_id"
)


def show_of(row: dict[str, Any]) -> Show:
    """A show from a row of UNRESOLVED_SHOWS_SQL or KNOWN_SHOWS_SQL."""
    return Show(
        int(row["concert_id"]),
        str(row["source"]),
        int(row["artist_id"]),
        int(row["venue_id"]),
        row["starts_at"],
    )


def decide(
    unresolved: Sequence[dict[str, Any]], known: Sequence[dict[str, Any]], policy: ShowPolicy | None = None
) -> list[ShowDecision]:
    """The verdict on each unresolved concert row, in order."""
    return decide_shows([show_of(r) for r in unresolved], [show_of(r) for r in known], policy)


def _moves(table: str, fact: str, full: bool) -> str:
    """The facts of `table` not on the concert their published one is now (its canonical show),
    with that show's artist and venue as decided."""
    published = "COALESCE(p.concert_id, f.concert_id)"
    target = f"COALESCE(xc.canonical_id, {published})"
    only_merged = (
        " AND f.concert_id IN (SELECT entity_id FROM entity_crosswalk "
        "WHERE kind = 'concert' AND canonical_id <> entity_id)"
    )
    return (
        f"SELECT f.event_id, f.date_key, f.concert_id AS current_id, {published} AS published_id, "
        f"{target} AS target_id, COALESCE(xa.canonical_id, t.artist_id) AS artist_id, "
        f"COALESCE(xv.canonical_id, t.venue_id) AS venue_id, '{fact}' AS fact FROM {table} AS f "
        "LEFT JOIN fact_concert_published AS p ON p.event_id = f.event_id "
        f"LEFT JOIN entity_crosswalk AS xc ON xc.kind = 'concert' AND xc.entity_id = {published} "
        f"JOIN dim_concert AS t ON t.concert_id = {target} "
        "LEFT JOIN entity_crosswalk AS xa ON xa.kind = 'artist' AND xa.entity_id = t.artist_id "
        "LEFT JOIN entity_crosswalk AS xv ON xv.kind = 'venue' AND xv.entity_id = t.venue_id "
        f"WHERE {target} <> f.concert_id" + ("" if full else only_merged)
    )


def move_statements(*, full: bool = False) -> list[str]:
    """One transaction (temp tables) moving every fact onto its show: by default only facts
    still on a merged concert id (cheap, each cycle); `full` checks every fact (after a split).
    The lineage is kept for a fact moved off its published concert, dropped when it is home."""
    return [
        "CREATE TEMP TABLE concert_moves AS "
        + _moves("fact_ticket_sales", "sale", full)
        + " UNION ALL "
        + _moves("fact_refunds", "refund", full),
        "INSERT INTO fact_concert_published (event_id, concert_id) SELECT m.event_id, m.published_id "
        "FROM concert_moves AS m WHERE m.target_id <> m.published_id "
        "AND NOT EXISTS (SELECT 1 FROM fact_concert_published AS k WHERE k.event_id = m.event_id)",
        "DELETE FROM fact_concert_published USING concert_moves WHERE fact_concert_published.event_id = "
        "concert_moves.event_id AND concert_moves.target_id = concert_moves.published_id",
        *(
            f"UPDATE {table} SET concert_id = m.target_id, artist_id = m.artist_id, venue_id = m.venue_id "
            f"FROM concert_moves AS m WHERE {table}.event_id = m.event_id AND m.fact = '{fact}'"
            for table, fact in (("fact_ticket_sales", "sale"), ("fact_refunds", "refund"))
        ),
        "CREATE TEMP TABLE concert_moved_days AS SELECT DISTINCT date_key, current_id AS concert_id "
        "FROM concert_moves UNION SELECT DISTINCT date_key, target_id AS concert_id FROM concert_moves",
        *rebuild_aggregates("concert_moved_days"),
    ]


_DECIDED = (
    "SELECT c.concert_id, COALESCE(xa.canonical_id, c.artist_id) AS artist_id, "
    "COALESCE(xv.canonical_id, c.venue_id) AS venue_id FROM dim_concert AS c "
    "LEFT JOIN entity_crosswalk AS xa ON xa.kind = 'artist' AND xa.entity_id = c.artist_id "
    "LEFT JOIN entity_crosswalk AS xv ON xv.kind = 'venue' AND xv.entity_id = c.venue_id"
)
# The resolver's concert merges whose artist or venue no longer agree with their show's (a
# person split one, or the concert moved to another venue).
STALE_MERGES_SQL = (
    f"SELECT t.concert_id FROM ({_DECIDED}) AS t JOIN entity_crosswalk AS x ON x.kind = 'concert' "
    f"AND x.entity_id = t.concert_id AND x.verdict = 'merge' AND x.canonical_id <> x.entity_id "
    f"JOIN ({_DECIDED}) AS b ON b.concert_id = x.canonical_id "
    "WHERE t.artist_id <> b.artist_id OR t.venue_id <> b.venue_id ORDER BY t.concert_id"
)


def unmerge_statement(concert_ids: Sequence[int]) -> str:
    """These concerts (stale merges) are shows of their own again."""
    ids = ", ".join(str(int(i)) for i in concert_ids)
    return (
        "UPDATE entity_crosswalk SET canonical_id = entity_id, verdict = 'new', "
        "reason = 'its artist or venue is no longer its show''s', decided_at = GETDATE() "
        f"WHERE kind = 'concert' AND entity_id IN ({ids})"
    )


def redecide_statement(kind: str, canonical: int) -> str:
    """The concerts of an artist or venue a person merged, decided as new shows, are decided
    again by the next pass (their artist or venue is another now)."""
    return (
        "DELETE FROM entity_crosswalk WHERE kind = 'concert' AND verdict = 'new' AND entity_id IN ("
        f"SELECT c.concert_id FROM dim_concert AS c JOIN entity_crosswalk AS x ON x.kind = '{kind}' "
        f"AND x.entity_id = c.{kind}_id WHERE x.canonical_id = {int(canonical)}) AND entity_id NOT IN ("
        "SELECT canonical_id FROM entity_crosswalk WHERE kind = 'concert' AND canonical_id <> entity_id)"
    )  # (a show another concert was merged into keeps its decision)
