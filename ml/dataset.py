"""The rows features are built from, as the warehouse gives them (or the core routes them). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ml.features import Example, build_examples

Row = Mapping[str, Any]


@dataclass
class SalesRows:
    """Newest version of each concert, artist and venue, and every sale."""

    concerts: dict[int, Row] = field(default_factory=dict)
    artists: dict[int, Row] = field(default_factory=dict)
    venues: dict[int, Row] = field(default_factory=dict)
    sales: list[Row] = field(default_factory=list)

    @classmethod
    def of(cls, tables: Mapping[str, Iterable[Row]]) -> SalesRows:
        """From table name → rows (dimension versions in any order: the newest wins)."""
        out = cls()
        for name, key, into in (
            ("dim_concert", "concert_id", out.concerts),
            ("dim_artist", "artist_id", out.artists),
            ("dim_venue", "venue_id", out.venues),
        ):
            for row in tables.get(name, []):
                known = into.get(int(row[key]))
                if known is None or row["updated_at"] >= known["updated_at"]:
                    into[int(row[key])] = row
        out.sales = list(tables.get("fact_ticket_sales", []))
        return out

    def examples(self, horizon_days: int = 7) -> list[Example]:
        """The prediction examples of these rows."""
        return build_examples(
            self.concerts.values(), self.artists, self.venues, self.sales, horizon_days=horizon_days
        )


WAREHOUSE_QUERIES = {
    "dim_concert": "SELECT concert_id, artist_id, venue_id, starts_at, on_sale_at, capacity, min_price, "
    "max_price, status, updated_at FROM dim_concert",
    "dim_artist": "SELECT artist_id, genre, popularity, updated_at FROM dim_artist",
    "dim_venue": "SELECT venue_id, capacity, updated_at FROM dim_venue",
    "fact_ticket_sales": "SELECT concert_id, sold_at, quantity FROM fact_ticket_sales",
}
