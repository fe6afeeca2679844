"""Entity resolution in the warehouse: one pass after each load cycle, and a person's decisions.

The pass reads the artists and venues the crosswalk does not know yet (with the source that
published each, from the event log), decides each against the canonical entities of the other
sources (`Resolver`: a source's own ids are distinct entities by its own word, so records of one
source are never merged with each other), writes one crosswalk row per id, and re-points the
facts and daily aggregates of merged ids to their canonical entity (later loads map a merged
id as they load: consumers/warehouse/load_sql.py). Concerts keep the ids as
published, so a split (`split_statements`) can put the history back: a fact's artist and venue
are always its concert's, through the crosswalk. Re-pointing changes ids, never rows: no sale is
lost or counted twice, and `concert reconcile` is unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from consumers.entities import concerts
from consumers.entities.resolve import Decision, Entity, Kind, Policy, Record, Resolver, Verdict

KINDS: tuple[Kind, ...] = ("artist", "venue")
REPOINTED = ("fact_ticket_sales", "fact_refunds", "agg_daily_sales")  # tables carrying artist/venue ids
ROWS_PER_INSERT = 400


class EntityWarehouse(Protocol):
    """What entity resolution needs of the warehouse (DataApiWarehouse is one)."""

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def batch(self, sqls: list[str]) -> dict[str, Any]: ...


def _rows(kind: Kind, known: bool, besides: str | None = None) -> str:
    """SELECT of the artists or venues (with their source) the crosswalk does not know, or the
    canonical ones it does (with `besides`, those of every other source)."""
    table, key = f"dim_{kind}", f"{kind}_id"
    place = "d.city, d.state, d.capacity" if kind == "venue" else "'' AS city, '' AS state, 0 AS capacity"
    if known:
        where = (
            f"JOIN entity_crosswalk AS x ON x.kind = '{kind}' AND x.entity_id = d.{key} "
            "AND x.canonical_id = x.entity_id"
        )
        if besides is not None:
            where += f" WHERE COALESCE(e.source, '') <> {_literal(besides)}"
    else:
        where = (
            f"WHERE NOT EXISTS (SELECT 1 FROM entity_crosswalk AS x WHERE x.kind = '{kind}' "
            f"AND x.entity_id = d.{key})"
        )
    return (
        f"SELECT '{kind}' AS kind, d.{key} AS entity_id, d.name, {place}, "
        f"COALESCE(e.source, '') AS source, d.updated_at FROM {table} AS d "
        f"LEFT JOIN event_log AS e ON e.event_id = d.event_id {where}"
    )


UNRESOLVED_SQL = " UNION ALL ".join(_rows(k, known=False) for k in KINDS) + " ORDER BY 8, 1, 2"
KNOWN_SQL = " UNION ALL ".join(_rows(k, known=True) for k in KINDS)


def known_sql(unresolved: Sequence[dict[str, Any]]) -> str:
    """KNOWN_SQL narrowed to what the unresolved rows are compared with. A record of a named
    source is compared only with other sources' entities (`Resolver.resolve`), so when every
    unresolved row comes from one named source, that source's own entities are not read: a
    pass costs what is new, not the whole catalog (on a one-source platform, nothing)."""
    sources = {str(r["source"]) for r in unresolved}
    if len(sources) != 1 or "" in sources:
        return KNOWN_SQL
    (source,) = sources
    return " UNION ALL ".join(_rows(k, known=True, besides=source) for k in KINDS)


MERGED_COUNT_SQL = "SELECT COUNT(*) AS n FROM entity_crosswalk WHERE canonical_id <> entity_id"
REVIEW_SQL = (  # (a concert is named by its start)
    "SELECT x.kind, x.entity_id, x.source, "
    "COALESCE(a.name, v.name, 'show at ' || CAST(c.starts_at AS VARCHAR)) AS name, v.city, v.state, "
    "x.candidate_id, COALESCE(ca.name, cv.name, 'show at ' || CAST(cc.starts_at AS VARCHAR)) AS candidate, "
    "cv.city AS candidate_city, x.score, x.reason, x.decided_at "
    "FROM entity_crosswalk AS x "
    "LEFT JOIN dim_artist AS a ON x.kind = 'artist' AND a.artist_id = x.entity_id "
    "LEFT JOIN dim_venue AS v ON x.kind = 'venue' AND v.venue_id = x.entity_id "
    "LEFT JOIN dim_concert AS c ON x.kind = 'concert' AND c.concert_id = x.entity_id "
    "LEFT JOIN dim_artist AS ca ON x.kind = 'artist' AND ca.artist_id = x.candidate_id "
    "LEFT JOIN dim_venue AS cv ON x.kind = 'venue' AND cv.venue_id = x.candidate_id "
    "LEFT JOIN dim_concert AS cc ON x.kind = 'concert' AND cc.concert_id = x.candidate_id "
    "WHERE x.verdict = 'review' ORDER BY x.score DESC, x.kind, x.entity_id"
)


def record_of(row: dict[str, Any]) -> Record:
    """A resolver record from a row of UNRESOLVED_SQL or KNOWN_SQL."""
    kind: Kind = "venue" if row["kind"] == "venue" else "artist"
    capacity = int(row["capacity"] or 0) or None
    return Record(
        str(row["source"]), str(row["entity_id"]), kind, str(row["name"]),
        str(row["city"] or ""), str(row["state"] or ""), capacity,
    )  # fmt: skip


def decide(
    unresolved: Sequence[dict[str, Any]], known: Sequence[dict[str, Any]], policy: Policy | None = None
) -> list[Decision]:
    """The verdict on each unresolved row, in order; a new entity is known to the rows after it."""
    resolver = Resolver((Entity(int(r["entity_id"]), record_of(r)) for r in known), policy)
    out = []
    for row in unresolved:
        record = record_of(row)
        decision = resolver.resolve(record)
        if decision.verdict is not Verdict.MERGE:
            resolver.add(Entity(int(row["entity_id"]), record))
        out.append(decision)
    return out


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def crosswalk_inserts(
    rows: Sequence[tuple[str, int, str, Verdict, int | None, float, str]],
) -> list[str]:
    """INSERTs of one crosswalk row per decision (kind, id, source, verdict, the id it names,
    score, reason): a merge points at the id it names; the others at themselves, a review with
    its likely match as the candidate."""
    values = []
    for kind, own, source, verdict, named, score, reason in rows:
        canonical = named if verdict is Verdict.MERGE and named is not None else own
        candidate = named if verdict is not Verdict.NEW else None
        values.append(
            f"({_literal(kind)}, {int(own)}, {_literal(source[:64])}, {int(canonical)}, "
            f"{_literal(verdict.value)}, {_literal(candidate)}, {round(float(score), 2)}, "
            f"{_literal(reason[:200])}, GETDATE())"
        )
    cols = "kind, entity_id, source, canonical_id, verdict, candidate_id, score, reason, decided_at"
    return [
        f"INSERT INTO entity_crosswalk ({cols}) VALUES " + ", ".join(values[i : i + ROWS_PER_INSERT])
        for i in range(0, len(values), ROWS_PER_INSERT)
    ]


def decision_statements(decisions: Sequence[Decision]) -> list[str]:
    """The crosswalk rows of artist and venue decisions."""
    return crosswalk_inserts([
        (d.record.kind, int(d.record.source_id), d.record.source, d.verdict, d.entity_id, d.score, d.reason)
        for d in decisions
    ])  # fmt: skip


def repoint_statements(*, full: bool = False) -> list[str]:
    """UPDATEs giving every fact and daily aggregate its concert's canonical artist and venue.

    By default only rows still on a merged id (new facts of a merged entity: cheap, each
    cycle); `full` checks every row (after a split, or a merge into an entity that was itself
    merged)."""
    out = []
    for table in REPOINTED:
        for kind in KINDS:
            col = f"{kind}_id"
            only_merged = (
                f" AND {table}.{col} IN (SELECT entity_id FROM entity_crosswalk "
                f"WHERE kind = '{kind}' AND canonical_id <> entity_id)"
            )
            out.append(
                f"UPDATE {table} SET {col} = x.canonical_id FROM dim_concert AS c, entity_crosswalk AS x "
                f"WHERE {table}.concert_id = c.concert_id AND x.kind = '{kind}' AND x.entity_id = c.{col} "
                f"AND {table}.{col} <> x.canonical_id" + ("" if full else only_merged)
            )
    return out


@dataclass(frozen=True)
class Pass:
    """What one resolution pass did (artists and venues; then concerts, `shows_*`)."""

    decided: int
    merged: int
    to_review: int
    repointed: bool
    shows_decided: int = 0
    shows_merged: int = 0
    shows_to_review: int = 0
    shows_unmerged: int = 0


def _run(warehouse: EntityWarehouse, sqls: list[str]) -> None:
    for i in range(0, len(sqls), 40):  # the Data API's statements a batch
        warehouse.batch(sqls[i : i + 40])


def resolve_pass(warehouse: EntityWarehouse, policy: Policy | None = None) -> Pass:
    """Decide every artist and venue the crosswalk does not know and re-point merged ids'
    facts; then the concerts whose artist and venue are decided, and move merged shows' facts."""
    unresolved = warehouse.query(UNRESOLVED_SQL)
    decisions = decide(unresolved, warehouse.query(known_sql(unresolved)), policy) if unresolved else []
    merged = sum(d.verdict is Verdict.MERGE for d in decisions)
    sqls = decision_statements(decisions)
    repoint = merged > 0 or int(warehouse.query(MERGED_COUNT_SQL)[0]["n"]) > 0
    if repoint:
        sqls += repoint_statements()
    _run(warehouse, sqls)
    reviews = sum(d.verdict is Verdict.REVIEW for d in decisions)
    return _shows_pass(warehouse, Pass(len(decisions), merged, reviews, repoint))


def _shows_pass(warehouse: EntityWarehouse, done: Pass) -> Pass:
    """The concerts' part of a pass (after the artists and venues: a show is its artist's and
    venue's): decide the new ones, undo merges whose artist or venue a person split, and move
    the facts of merged shows (in one transaction: its temp tables)."""
    unresolved = warehouse.query(concerts.UNRESOLVED_SHOWS_SQL)
    known = warehouse.query(concerts.known_shows_sql(unresolved)) if unresolved else []
    decisions = concerts.decide(unresolved, known) if unresolved else []
    _run(warehouse, crosswalk_inserts([
        ("concert", d.show.concert_id, d.show.source, d.verdict, d.concert_id, d.score, d.reason)
        for d in decisions
    ]))  # fmt: skip
    merged = sum(d.verdict is Verdict.MERGE for d in decisions)
    stale: list[int] = []
    if int(warehouse.query(concerts.MERGED_SHOWS_SQL)[0]["n"]) > 0:  # (none in a one-source workload)
        stale = [int(r["concert_id"]) for r in warehouse.query(concerts.STALE_MERGES_SQL)]
        undo = [concerts.unmerge_statement(stale)] if stale else []
        warehouse.batch([*undo, *concerts.move_statements(full=bool(stale))])
    reviews = sum(d.verdict is Verdict.REVIEW for d in decisions)
    return replace(
        done,
        shows_decided=len(decisions),
        shows_merged=merged,
        shows_to_review=reviews,
        shows_unmerged=len(stale),
    )


def merge_statements(kind: Kind | Literal["concert"], entity_id: int, canonical: int) -> list[str]:
    """A person's merge: `entity_id`, and what was merged into it, become `canonical` (itself a
    canonical entity: the caller reads it from the crosswalk). The concerts of a merged artist
    or venue that were new shows are decided again by the next pass."""
    decided = [
        f"UPDATE entity_crosswalk SET canonical_id = {int(canonical)}, verdict = 'merged', "
        f"candidate_id = {int(canonical)}, reason = 'merged by a person', decided_at = GETDATE() "
        f"WHERE kind = '{kind}' AND entity_id = {int(entity_id)}",
        f"UPDATE entity_crosswalk SET canonical_id = {int(canonical)} "
        f"WHERE kind = '{kind}' AND canonical_id = {int(entity_id)}",
    ]
    if kind == "concert":
        return [*decided, *concerts.move_statements(full=True)]
    return [*decided, *repoint_statements(full=True), concerts.redecide_statement(kind, canonical)]


def split_statements(kind: Kind | Literal["concert"], entity_id: int) -> list[str]:
    """A person's split: `entity_id` is its own entity again, its history back on it (the
    concerts merged on the strength of a split artist or venue follow at the next pass)."""
    decided = (
        f"UPDATE entity_crosswalk SET canonical_id = entity_id, verdict = 'split', "
        f"reason = 'kept apart by a person', decided_at = GETDATE() "
        f"WHERE kind = '{kind}' AND entity_id = {int(entity_id)}"
    )
    if kind == "concert":
        return [decided, *concerts.move_statements(full=True)]
    return [decided, *repoint_statements(full=True)]
