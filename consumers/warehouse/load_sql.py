"""The SQL of one bulk load, in Redshift SQL (the local endpoint translates it). Pure.

For each table of a batch: a temp staging table, `COPY ... FORMAT AS PARQUET MANIFEST` from
the lake, then a MERGE on the table's key: the event id for facts and the event log (a
re-delivered batch changes nothing), the natural key for dimensions, keeping only the newest
version (`updated_at`), so a stale event never overwrites a newer row. Pending facts (a
dimension was not known to the consumer) whose concert, artist and venue are now in the
warehouse become facts, with the columns they carry from their dimensions computed here.
Facts carry columns of their concert's dimensions; when a load changes a concert, venue or
artist row, the facts and aggregates of the concerts concerned take what those rows now say
(type 1), and the facts a load brings are given what the dimensions say, so facts and joins
always agree. Daily aggregates are rebuilt for the (date, concert) pairs the load touched. Facts and
aggregates take their concert, artist and venue as entity resolution decided them
(`entity_crosswalk`): an id already merged into another is loaded as that one, and a fact
loaded onto another concert than its event named keeps that one in `fact_concert_published`.

A load is two BatchExecuteStatements (`load_transactions`), each one transaction: the Data API
takes at most 40 statements a batch, and a cycle touching every table needs ~55. The
dimensions go first and alone: merging a dimension again changes nothing, so when the second
transaction (facts, the event log, pending facts resolved, aggregates and the ETL ledger's
rows) fails, the next cycle loads both again and nothing is counted twice. Staging tables are
temp tables: they end with the batch's session, on Redshift and on the local endpoint alike.
"""

from __future__ import annotations

import re

from consumers.tables import key_columns, table_schemas

DIMENSIONS = ("dim_date", "dim_artist", "dim_venue", "dim_concert")
PENDING = ("fact_ticket_sales_pending", "fact_refunds_pending")
FACTS = ("fact_ticket_sales", "fact_refunds", *PENDING, "event_log")
LOAD_ORDER = DIMENSIONS + FACTS
_TAG = re.compile(r"[^a-z0-9_]")


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _cols(table: str) -> list[str]:
    return [f.name for f in table_schemas()[table]]


def _merge(target: str, source: str, keys: list[str], update: list[str]) -> str:
    cols = _cols(target)
    on = " AND ".join(f"{target}.{k} = {source}.{k}" for k in keys)
    sets = ", ".join(f"{c} = {source}.{c}" for c in update)
    values = ", ".join(f"{source}.{c}" for c in cols)
    return (
        f"MERGE INTO {target} USING {source} ON {on} WHEN MATCHED THEN UPDATE SET {sets} "
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(cols)}) VALUES ({values})"
    )


MAX_BATCH_STATEMENTS = 40  # the Data API's limit on one BatchExecuteStatement


def load_transactions(
    manifests: dict[str, str],
    *,
    bucket: str,
    iam_role: str,
    tag: str = "load",
    ledger: list[str] | None = None,
) -> list[list[str]]:
    """The load of a set of curated files (table -> manifest key) as BatchExecuteStatements to
    run in order, each one transaction of at most 40 statements: the dimensions, then the rest
    with the `ledger` statements last. Empty ones are left out."""
    tag = _TAG.sub("_", tag.lower())[:40]
    dims = _staged(manifests, DIMENSIONS, bucket, iam_role, tag)
    dims += _follow_dimensions(manifests, tag)
    rest = _staged(manifests, FACTS, bucket, iam_role, tag)
    rest += _resolve_pending(tag) + _aggregates(manifests, tag) + [_lineage(manifests, tag)]
    rest += list(ledger or [])
    out = [sqls for sqls in (dims, rest) if sqls]
    for sqls in out:
        if len(sqls) > MAX_BATCH_STATEMENTS:  # a new table or step: split it before it ships
            raise ValueError(f"a load transaction has {len(sqls)} statements; the Data API takes 40")
    return out


def _staged(
    manifests: dict[str, str], tables: tuple[str, ...], bucket: str, iam_role: str, tag: str
) -> list[str]:
    """Stage, deduplicate and merge each of `tables` that the load has files for."""
    sqls: list[str] = []
    for table in tables:
        if table not in manifests:
            continue
        stg = f"stg_{table}_{tag}"
        keys = key_columns(table)
        cols = _cols(table)
        sqls.append(f"CREATE TEMP TABLE {stg} AS SELECT * FROM {table} WHERE 1 = 0")
        sqls.append(
            f"COPY {stg} FROM 's3://{bucket}/{manifests[table]}' IAM_ROLE '{iam_role}' "
            "FORMAT AS PARQUET MANIFEST"
        )
        if table == "event_log":
            sqls.append(f"UPDATE {stg} SET loaded_at = SYSDATE")  # queryable from this commit on (to the µs)
        # One row per key: a cycle may hold an event twice (a batch re-landed with other
        # boundaries after a crash) and a dimension several times (keep its newest version).
        latest = f"{stg}_latest"
        order = "updated_at DESC, event_id DESC" if "updated_at" in cols else ", ".join(keys)
        picked, joins = _canonical_columns(cols, "ranked") if table in CANONICAL else (cols, "")
        if table in CANONICAL:  # the concert id its event named, kept for the lineage
            picked.append("ranked.concert_id AS published_concert_id")
        sqls.append(
            f"CREATE TEMP TABLE {latest} AS SELECT {', '.join(picked)} FROM (SELECT *, ROW_NUMBER() OVER "
            f"(PARTITION BY {', '.join(keys)} ORDER BY {order}) AS rn FROM {stg}) AS ranked{joins} "
            "WHERE rn = 1"
        )
        if table in PENDING:  # already a fact (landed again by a worker that knew its dimensions)
            fact = table.removesuffix("_pending")
            sqls.append(f"DELETE FROM {latest} USING {fact} WHERE {latest}.event_id = {fact}.event_id")
        if table in FACTS:
            sqls.append(_merge(table, latest, keys, [c for c in cols if c not in keys][:1]))
        else:
            if "updated_at" in cols:
                on = " AND ".join(f"{latest}.{k} = {table}.{k}" for k in keys)
                newer = f"{table}.updated_at > {latest}.updated_at"
                sqls.append(f"DELETE FROM {latest} USING {table} WHERE {on} AND {newer}")
            sqls.append(_merge(table, latest, keys, [c for c in cols if c not in keys]))
    return sqls


CANONICAL = ("fact_ticket_sales", "fact_refunds")  # facts carrying a concert, an artist and a venue id


def _canonical_columns(cols: list[str], alias: str) -> tuple[list[str], str]:
    """`cols` of `alias` with its concert, artist and venue ids as entity resolution has
    decided them (an id merged into another is loaded as that one; an id not decided yet as
    published: the resolution pass after the load re-points it if it merges), and the joins
    that need."""
    joins, picked = "", []
    for col in cols:
        kind = col.removesuffix("_id")
        if col in ("artist_id", "venue_id", "concert_id"):
            x = f"x{kind[0]}"  # xa, xv, xc
            joins += (
                f" LEFT JOIN entity_crosswalk AS {x} ON {x}.kind = '{kind}' AND {x}.entity_id = {alias}.{col}"
            )
            picked.append(f"COALESCE({x}.canonical_id, {alias}.{col}) AS {col}")
        else:
            picked.append(f"{alias}.{col}")
    return picked, joins


_SALE_OWN = (
    "event_id, sale_id, concert_id, customer_id, sold_at, date_key, tier, quantity, unit_price, revenue, "
    "currency, channel, price_band"
)
_REFUND_OWN = (
    "event_id, refund_id, sale_id, concert_id, customer_id, refunded_at, date_key, quantity, amount, "
    "currency, reason"
)


# A concert's artist and venue as entity resolution has decided them (`c` a dim_concert row).
_CONCERT_CROSSWALK = (
    " LEFT JOIN entity_crosswalk AS xa ON xa.kind = 'artist' AND xa.entity_id = c.artist_id"
    " LEFT JOIN entity_crosswalk AS xv ON xv.kind = 'venue' AND xv.entity_id = c.venue_id"
)
_CANONICAL_ARTIST = "COALESCE(xa.canonical_id, c.artist_id) AS artist_id"
_CANONICAL_VENUE = "COALESCE(xv.canonical_id, c.venue_id) AS venue_id"
_CANONICAL_IDS = f"{_CANONICAL_ARTIST}, {_CANONICAL_VENUE}"


_CONCERT_OF_PENDING = (
    "COALESCE(xc.canonical_id, p.concert_id) AS concert_id, p.concert_id AS published_concert_id"
)
_PENDING_CROSSWALK = (
    " LEFT JOIN entity_crosswalk AS xc ON xc.kind = 'concert' AND xc.entity_id = p.concert_id"
)


def _resolve_pending(tag: str) -> list[str]:
    """Pending facts whose dimensions are all loaded become facts (Kimball's late-arriving
    dimension, resolved in the warehouse): the columns a sale carries from its concert, venue
    and artist are read from them, days to show from the concert's start, and the running net
    tickets sold continue the concert's count in order of sale."""
    sales, refunds = f"resolved_sales_{tag}", f"resolved_refunds_{tag}"
    own = _own(_SALE_OWN)
    ranked = (
        f"SELECT r.*, CAST(COALESCE(n.net, 0) + SUM(r.quantity) OVER (PARTITION BY r.concert_id "
        "ORDER BY r.sold_at, r.event_id ROWS UNBOUNDED PRECEDING) AS INTEGER) AS running_sold "
        f"FROM {sales} AS r LEFT JOIN (SELECT concert_id, SUM(q) AS net FROM ("
        "SELECT concert_id, quantity AS q FROM fact_ticket_sales "
        "UNION ALL SELECT concert_id, -quantity AS q FROM fact_refunds) AS m "
        f"WHERE concert_id IN (SELECT concert_id FROM {sales}) GROUP BY concert_id) AS n "
        "ON n.concert_id = r.concert_id"
    )
    return [
        "DELETE FROM fact_ticket_sales_pending USING fact_ticket_sales "
        "WHERE fact_ticket_sales_pending.event_id = fact_ticket_sales.event_id",
        f"CREATE TEMP TABLE {sales} AS SELECT {own}, {_CANONICAL_IDS}, v.city, v.state, "
        "v.capacity AS venue_capacity, c.capacity AS concert_capacity, a.genre, "
        "a.popularity AS artist_popularity, c.starts_at FROM fact_ticket_sales_pending AS p "
        "JOIN dim_concert AS c ON c.concert_id = p.concert_id JOIN dim_venue AS v ON v.venue_id = c.venue_id "
        f"JOIN dim_artist AS a ON a.artist_id = c.artist_id{_CONCERT_CROSSWALK}{_PENDING_CROSSWALK}",
        f"INSERT INTO fact_ticket_sales ({', '.join(_cols('fact_ticket_sales'))}) "
        "SELECT event_id, sale_id, concert_id, artist_id, venue_id, customer_id, sold_at, date_key, tier, "
        "quantity, unit_price, revenue, currency, channel, price_band, city, state, venue_capacity, "
        "concert_capacity, genre, artist_popularity, "
        "CAST(FLOOR(DATEDIFF(second, sold_at, starts_at) / 86400.0) AS INTEGER) AS days_to_show, "
        "running_sold, "
        "ROUND(CAST(running_sold AS DOUBLE PRECISION) / NULLIF(concert_capacity, 0), 6) AS sell_through "
        f"FROM ({ranked}) AS x",
        f"DELETE FROM fact_ticket_sales_pending USING {sales} "
        f"WHERE fact_ticket_sales_pending.event_id = {sales}.event_id",
        "DELETE FROM fact_refunds_pending USING fact_refunds "
        "WHERE fact_refunds_pending.event_id = fact_refunds.event_id",
        f"CREATE TEMP TABLE {refunds} AS SELECT {_own(_REFUND_OWN)}, {_CANONICAL_IDS} "
        "FROM fact_refunds_pending AS p "
        "JOIN dim_concert AS c ON c.concert_id = p.concert_id "  # all three, as the consumer asks
        "JOIN dim_venue AS v ON v.venue_id = c.venue_id JOIN dim_artist AS a ON a.artist_id = c.artist_id"
        + _CONCERT_CROSSWALK
        + _PENDING_CROSSWALK,
        f"INSERT INTO fact_refunds ({', '.join(_cols('fact_refunds'))}) "
        "SELECT event_id, refund_id, sale_id, concert_id, artist_id, venue_id, customer_id, refunded_at, "
        f"date_key, quantity, amount, currency, reason FROM {refunds}",
        f"DELETE FROM fact_refunds_pending USING {refunds} "
        f"WHERE fact_refunds_pending.event_id = {refunds}.event_id",
    ]


# What a fact carries from its concert's dimensions (SET column = source column of `d` below).
_CARRIED = {
    "fact_ticket_sales": (
        "artist_id", "venue_id", "city", "state", "venue_capacity", "genre", "artist_popularity",
    ),
    "fact_refunds": ("artist_id", "venue_id"),
    "agg_daily_sales": ("artist_id", "venue_id"),
}  # fmt: skip


def _follow_dimensions(manifests: dict[str, str], tag: str) -> list[str]:
    """Facts and daily aggregates of the concerts whose concert, venue or artist row this load
    changed take what they carry from them as they now are (Kimball's type-1 attributes: a
    concert moved to another venue, a venue's city corrected), so the facts' own columns say
    what the dimensions say. Only rows that differ are written."""
    sources = []
    if "dim_concert" in manifests:
        sources.append(f"SELECT concert_id FROM stg_dim_concert_{tag}_latest")
    if "dim_venue" in manifests:
        sources.append(
            f"SELECT c.concert_id FROM dim_concert AS c JOIN stg_dim_venue_{tag}_latest AS s "
            "ON s.venue_id = c.venue_id"
        )
    if "dim_artist" in manifests:
        sources.append(
            f"SELECT c.concert_id FROM dim_concert AS c JOIN stg_dim_artist_{tag}_latest AS s "
            "ON s.artist_id = c.artist_id"
        )
    if not sources:
        return []
    changed = f"changed_concerts_{tag}"
    return [
        f"CREATE TEMP TABLE {changed} AS {' UNION '.join(sources)}",
        *follow_statements(changed, _CARRIED),
    ]


def follow_statements(concerts: str, carried: dict[str, tuple[str, ...]]) -> list[str]:
    """UPDATEs giving the rows of `carried`'s tables whose concert is in the table `concerts`
    what they carry from the concert, its venue and its artist as the dimensions now say."""
    current = (
        f"SELECT c.concert_id, {_CANONICAL_IDS}, v.city, v.state, v.capacity AS venue_capacity, a.genre, "
        "a.popularity AS artist_popularity FROM dim_concert AS c "
        "JOIN dim_venue AS v ON v.venue_id = c.venue_id "
        f"JOIN dim_artist AS a ON a.artist_id = c.artist_id{_CONCERT_CROSSWALK} "
        f"WHERE c.concert_id IN (SELECT concert_id FROM {concerts})"
    )
    out = []
    for table, cols in carried.items():
        sets = ", ".join(f"{c} = d.{c}" for c in cols)
        differs = " OR ".join(f"{table}.{c} IS DISTINCT FROM d.{c}" for c in cols)
        out.append(
            f"UPDATE {table} SET {sets} FROM ({current}) AS d "
            f"WHERE {table}.concert_id = d.concert_id AND ({differs})"
        )
    return out


def _own(columns: str) -> str:
    """A pending fact's own columns (`p`), its concert as entity resolution decided it."""
    return ", ".join(
        _CONCERT_OF_PENDING if c.strip() == "concert_id" else f"p.{c.strip()}" for c in columns.split(",")
    )


def _loaded_facts(manifests: dict[str, str], tag: str) -> list[str]:
    """The temp tables of the facts this load brings (staged, and pending ones resolved), each
    with the concert id as loaded and as published."""
    facts = [f"stg_{t}_{tag}_latest" for t in CANONICAL if t in manifests]
    return [*facts, f"resolved_sales_{tag}", f"resolved_refunds_{tag}"]


def _lineage(manifests: dict[str, str], tag: str) -> str:
    """Record the concert its event named of every fact loaded onto another (the same show
    from two sources): the lineage a person's split needs to move it back."""
    union = " UNION ALL ".join(
        f"SELECT event_id, concert_id, published_concert_id FROM {t}" for t in _loaded_facts(manifests, tag)
    )
    return (
        "INSERT INTO fact_concert_published (event_id, concert_id) SELECT DISTINCT m.event_id, "
        f"m.published_concert_id FROM ({union}) AS m WHERE m.concert_id <> m.published_concert_id "
        "AND NOT EXISTS (SELECT 1 FROM fact_concert_published AS k WHERE k.event_id = m.event_id)"
    )


def _aggregates(manifests: dict[str, str], tag: str) -> list[str]:
    touched = f"touched_{tag}"
    union = " UNION ".join(
        f"SELECT DISTINCT date_key, concert_id FROM {t}" for t in _loaded_facts(manifests, tag)
    )
    # The facts just loaded carry what the worker's catalog said; the dimensions decide (a tie
    # between two versions of a row can be broken one way in the worker and the other here).
    facts = {t: _CARRIED[t] for t in CANONICAL}
    return [
        f"CREATE TEMP TABLE {touched} AS {union}",
        *follow_statements(touched, facts),
        *rebuild_aggregates(touched),
    ]


def rebuild_aggregates(touched: str) -> list[str]:
    """agg_daily_sales rebuilt from the facts for the (date_key, concert_id) pairs of the table
    `touched` (a pair left with no fact has no row)."""
    return [
        f"DELETE FROM agg_daily_sales USING {touched} WHERE agg_daily_sales.date_key = {touched}.date_key "
        f"AND agg_daily_sales.concert_id = {touched}.concert_id",
        "INSERT INTO agg_daily_sales (date_key, concert_id, venue_id, artist_id, tickets, revenue, "
        "refunded_tickets, refunded_amount) "
        f"SELECT t.date_key, t.concert_id, {_CANONICAL_VENUE}, {_CANONICAL_ARTIST}, COALESCE(s.tickets, 0), "
        f"COALESCE(s.revenue, 0), COALESCE(r.tickets, 0), COALESCE(r.amount, 0) FROM {touched} AS t "
        f"JOIN dim_concert AS c ON c.concert_id = t.concert_id{_CONCERT_CROSSWALK} "
        "LEFT JOIN (SELECT f.date_key, f.concert_id, SUM(f.quantity) AS tickets, SUM(f.revenue) AS revenue "
        f"FROM fact_ticket_sales AS f JOIN {touched} AS x "
        "ON x.date_key = f.date_key AND x.concert_id = f.concert_id "
        "GROUP BY f.date_key, f.concert_id) AS s ON s.date_key = t.date_key AND s.concert_id = t.concert_id "
        "LEFT JOIN (SELECT f.date_key, f.concert_id, SUM(f.quantity) AS tickets, SUM(f.amount) AS amount "
        f"FROM fact_refunds AS f JOIN {touched} AS x "
        "ON x.date_key = f.date_key AND x.concert_id = f.concert_id "
        "GROUP BY f.date_key, f.concert_id) AS r ON r.date_key = t.date_key AND r.concert_id = t.concert_id "
        "WHERE s.tickets IS NOT NULL OR r.tickets IS NOT NULL",
    ]


def ledger_statements(batch_id: str, status: str, rows: int, report: str = "") -> list[str]:
    """Record the batch in `etl_batches` (replacing an earlier row: a redrive ends the same way)."""
    return cycle_ledger_statements([(batch_id, status, rows, report)])


def cycle_ledger_statements(entries: list[tuple[str, str, int, str]]) -> list[str]:
    """Record many batches (id, status, rows, report) in `etl_batches` in two statements,
    replacing earlier rows: a cycle's ledger costs the same whatever its number of batches."""
    if not entries:
        return []
    ids = ", ".join(_literal(b) for b, *_ in entries)
    values = ", ".join(
        f"({_literal(b)}, {_literal(s)}, {int(n)}, GETDATE(), {_literal(r[:4000])})" for b, s, n, r in entries
    )
    return [
        f"DELETE FROM etl_batches WHERE batch_id IN ({ids})",
        f"INSERT INTO etl_batches (batch_id, status, rows_loaded, finished_at, report) VALUES {values}",
    ]


LEASE = "load"


def lease_statements(holder: str, now_s: int, ttl_s: int, *, replacing: str | None = None) -> list[str]:
    """Take (or renew) the warehouse's load lease for `holder` unless another holder's lease is
    still valid: one load cycle at a time per warehouse. With `replacing`, take it from that
    holder only (known to have ended). Read the holder afterwards."""
    h, name = _literal(holder[:256]), _literal(LEASE)
    if replacing is not None:
        return [
            f"UPDATE etl_lease SET holder = {h}, expires_epoch = {int(now_s) + int(ttl_s)} "
            f"WHERE name = {name} AND holder = {_literal(replacing[:256])}"
        ]
    return [
        f"MERGE INTO etl_lease USING (SELECT {name} AS name) AS seed ON etl_lease.name = seed.name "
        "WHEN MATCHED THEN UPDATE SET name = seed.name "
        "WHEN NOT MATCHED THEN INSERT (name, holder, expires_epoch) VALUES (seed.name, NULL, 0)",
        f"UPDATE etl_lease SET holder = {h}, expires_epoch = {int(now_s) + int(ttl_s)} WHERE name = {name} "
        f"AND (holder IS NULL OR holder = {h} OR expires_epoch < {int(now_s)})",
    ]


def release_statement(holder: str) -> str:
    """Give the load lease back (only if `holder` has it)."""
    return (
        f"UPDATE etl_lease SET holder = NULL, expires_epoch = 0 WHERE name = {_literal(LEASE)} "
        f"AND holder = {_literal(holder[:256])}"
    )
