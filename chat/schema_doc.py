"""The explain_schema tool's answer: the star schema's tables and views, what each holds and
its columns with their types, read from the one DDL (consumers/warehouse/schema.sql). Pure."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp

from consumers.warehouse.guard import STAR_SCHEMA

SCHEMA_SQL = Path(__file__).resolve().parent.parent / "consumers" / "warehouse" / "schema.sql"
ABOUT = {
    "dim_date": "one row per calendar day (date_key = YYYYMMDD)",
    "dim_artist": "artists and shows: name, genre, popularity, country",
    "dim_venue": "venues: name, city, state or province, capacity",
    "dim_concert": "concerts: artist, venue, start, on-sale time, capacity, prices, status",
    "fact_ticket_sales": "one row per ticket sale: quantity, price, revenue, customer, channel, "
    "with the venue's city and state, the artist's genre and the running sell-through",
    "fact_refunds": "one row per refund: quantity, amount, reason",
    "agg_daily_sales": "tickets, revenue and refunds per day and concert",
    "agg_daily_venue_sales": "tickets, revenue and refunds per day and venue (view)",
    "agg_daily_artist_sales": "tickets, revenue and refunds per day and artist (view)",
    "agg_concert_sell_through": "each concert's net tickets, net revenue and sell-through (view)",
    "resolved_artist": "artists as one entity each, whatever the source: count and list these (view)",
    "resolved_venue": "venues as one entity each, whatever the source: count and list these (view)",
    "resolved_concert": "concerts with their artist and venue as one entity each, as the facts carry (view)",
    "entity_ids": "every artist, venue and concert id as published, with the id of the entity it is (view)",
    "entity_alias": "other spellings of an artist or venue, each with the id of the entity it is (view)",
}


@cache
def tables() -> dict[str, list[dict[str, str]]]:
    """Every chat-readable table and view -> its columns (name, type), in DDL order."""
    out: dict[str, list[dict[str, str]]] = {}
    for stmt in sqlglot.parse(SCHEMA_SQL.read_text(), read="redshift"):
        if not isinstance(stmt, exp.Create):
            continue
        target = stmt.this
        name = (target.this if isinstance(target, exp.Schema) else target).name.lower()
        if name not in STAR_SCHEMA:
            continue
        if isinstance(target, exp.Schema):
            cols = [
                {"name": c.name, "type": c.args["kind"].sql("redshift")}
                for c in target.expressions
                if isinstance(c, exp.ColumnDef)
            ]
        else:
            select = stmt.expression
            cols = [{"name": e.alias_or_name, "type": "view column"} for e in select.expressions]
        out[name] = cols
    return out


def explain(table: str | None = None) -> dict[str, Any]:
    """One table's columns, or the list of tables with what each holds."""
    known = tables()
    if table is None:
        return {
            "tables": [{"name": n, "about": ABOUT.get(n, ""), "columns": len(c)} for n, c in known.items()]
        }
    name = table.strip().lower()
    if name not in known:
        raise ValueError(f"unknown table {table!r}; tables: {', '.join(known)}")
    return {"table": name, "about": ABOUT.get(name, ""), "columns": known[name]}
