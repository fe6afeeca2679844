"""Rebuild the consumer's catalog state from the warehouse's dimensions after a restart."""

from __future__ import annotations

from consumers.catalog import Artist, CatalogState, Concert, Venue
from consumers.warehouse.client import DataApiWarehouse


def catalog_from_warehouse(wh: DataApiWarehouse) -> CatalogState:
    """Artists, venues, concerts and net tickets sold per concert, as loaded so far."""
    state = CatalogState()
    for r in wh.query(
        "SELECT artist_id, name, genre, genres, popularity, country, updated_at FROM dim_artist"
    ):
        state.artists[r["artist_id"]] = Artist(
            r["artist_id"],
            r["name"],
            r["genre"],
            tuple(r["genres"].split("|")),
            r["popularity"],
            r["country"],
            r["updated_at"],
        )
    for r in wh.query("SELECT venue_id, name, city, state, capacity, updated_at FROM dim_venue"):
        state.venues[r["venue_id"]] = Venue(
            r["venue_id"], r["name"], r["city"], r["state"], r["capacity"], r["updated_at"]
        )
    for r in wh.query(
        "SELECT concert_id, artist_id, venue_id, starts_at, on_sale_at, capacity, min_price, max_price, "
        "status, cancel_reason, updated_at FROM dim_concert"
    ):
        state.concerts[r["concert_id"]] = Concert(
            r["concert_id"],
            r["artist_id"],
            r["venue_id"],
            r["starts_at"],
            r["on_sale_at"],
            r["capacity"],
            r["min_price"],
            r["max_price"],
            r["status"],
            r["updated_at"],
            r["cancel_reason"],
        )
    for r in wh.query("SELECT concert_id, SUM(quantity) AS sold FROM fact_ticket_sales GROUP BY concert_id"):
        state.sold[r["concert_id"]] = int(r["sold"])
    for r in wh.query("SELECT concert_id, SUM(quantity) AS back FROM fact_refunds GROUP BY concert_id"):
        state.sold[r["concert_id"]] = state.sold.get(r["concert_id"], 0) - int(r["back"])
    return state
