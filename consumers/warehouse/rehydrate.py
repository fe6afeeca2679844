"""Rebuild the consumer's catalog state after a restart: the warehouse's dimensions, then the
dimensions of batches landed and not loaded yet (the landing ledger), newest version winning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from consumers.catalog import Artist, CatalogState, Concert, Venue
from consumers.warehouse.client import DataApiWarehouse

DIMENSION_TABLES = ("dim_artist", "dim_venue", "dim_concert")
FACT_TABLES = ("fact_ticket_sales", "fact_refunds")


def apply_rows(state: CatalogState, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Apply dimension rows (warehouse or curated columns) to the state; an older version never
    replaces a newer one. Fact rows add to (sales) or take from (refunds) the net tickets sold."""
    for r in rows:
        if table in FACT_TABLES:
            sign = 1 if table == "fact_ticket_sales" else -1
            state.sold[r["concert_id"]] = state.sold.get(r["concert_id"], 0) + sign * int(r["quantity"])
            continue
        key = {"dim_artist": "artist_id", "dim_venue": "venue_id", "dim_concert": "concert_id"}[table]
        tables: dict[str, Mapping[int, Any]] = {
            "dim_artist": state.artists,
            "dim_venue": state.venues,
            "dim_concert": state.concerts,
        }
        known = tables[table]
        old = known.get(r[key])
        if old is not None and old.updated_at >= r["updated_at"]:
            continue
        if table == "dim_artist":
            state.artists[r["artist_id"]] = Artist(
                r["artist_id"], r["name"], r["genre"], tuple(r["genres"].split("|")), r["popularity"],
                r["country"], r["updated_at"],
            )  # fmt: skip
        elif table == "dim_venue":
            state.venues[r["venue_id"]] = Venue(
                r["venue_id"], r["name"], r["city"], r["state"], r["capacity"], r["updated_at"]
            )
        else:
            state.concerts[r["concert_id"]] = Concert(
                r["concert_id"], r["artist_id"], r["venue_id"], r["starts_at"], r["on_sale_at"],
                r["capacity"], r["min_price"], r["max_price"], r["status"], r["updated_at"],
                r["cancel_reason"],
            )  # fmt: skip


def catalog_from_warehouse(wh: DataApiWarehouse) -> CatalogState:
    """Artists, venues, concerts and net tickets sold per concert, as loaded so far."""
    state = CatalogState()
    apply_rows(
        state,
        "dim_artist",
        wh.query("SELECT artist_id, name, genre, genres, popularity, country, updated_at FROM dim_artist"),
    )
    venues = wh.query("SELECT venue_id, name, city, state, capacity, updated_at FROM dim_venue")
    apply_rows(state, "dim_venue", venues)
    apply_rows(
        state,
        "dim_concert",
        wh.query(
            "SELECT concert_id, artist_id, venue_id, starts_at, on_sale_at, capacity, min_price, max_price, "
            "status, cancel_reason, updated_at FROM dim_concert"
        ),
    )
    for r in wh.query("SELECT concert_id, SUM(quantity) AS sold FROM fact_ticket_sales GROUP BY concert_id"):
        state.sold[r["concert_id"]] = int(r["sold"])
    for r in wh.query("SELECT concert_id, SUM(quantity) AS back FROM fact_refunds GROUP BY concert_id"):
        state.sold[r["concert_id"]] = state.sold.get(r["concert_id"], 0) - int(r["back"])
    return state
