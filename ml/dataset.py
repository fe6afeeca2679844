"""The rows the models learn from, as the warehouse gives them (or the core routes them). Pure.

The same rows travel as the training channel of a SageMaker-style job: one gzipped JSON-lines
file per table (`write_channel` / `read_channel`), timestamps in ISO 8601.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ml.features import Example, build_examples
from ml.sale import sales_decoder

Row = Mapping[str, Any]
TIMESTAMPS = ("starts_at", "on_sale_at", "updated_at", "sold_at")


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

    def examples(self, horizon_days: int = 7, *, completed_only: bool = False) -> list[Example]:
        """The ticket-sales prediction examples of these rows; `completed_only` keeps concerts
        that started by the data clock (the newest sale), whose totals are final: a concert
        still on sale would teach and test the model on a partial total."""
        out = build_examples(
            self.concerts.values(), self.artists, self.venues, self.sales, horizon_days=horizon_days
        )
        clock = self.last_sale()
        if completed_only:
            out = [e for e in out if clock is not None and e.starts_at <= clock]
        return out

    def data_range(self) -> dict[str, Any]:
        """Lineage: how many sales, and the first and last sale time."""
        times = [s["sold_at"] for s in self.sales]
        return {
            "sales": len(self.sales),
            "concerts": len(self.concerts),
            "first_sale": min(times).isoformat() if times else None,
            "last_sale": max(times).isoformat() if times else None,
        }

    def last_sale(self) -> datetime | None:
        """The data clock: the newest sale the warehouse knows."""
        return max((s["sold_at"] for s in self.sales), default=None)


# The catalog as one entity each (entity resolution's views: a concert's artist and venue as
# decided, the ids the facts carry), so a venue two sources published has one history.
WAREHOUSE_QUERIES = {
    "dim_concert": "SELECT concert_id, artist_id, venue_id, starts_at, on_sale_at, capacity, min_price, "
    "max_price, status, updated_at FROM resolved_concert",
    "dim_artist": "SELECT artist_id, name, genre, popularity, updated_at FROM resolved_artist",
    "dim_venue": "SELECT venue_id, name, city, state, capacity, updated_at FROM resolved_venue",
    "fact_ticket_sales": "SELECT concert_id, artist_id, venue_id, customer_id, sold_at, quantity, revenue, "
    "price_band FROM fact_ticket_sales",
}


# The sales read in pages, by their key: one Data API result holds at most 100 MB (the local
# endpoint also stops at a million rows), and a warehouse past a million sales failed its
# extract; a page also bounds what the extract holds in memory.
SALES_PAGE_ROWS = 50_000
SALES_PAGE = (
    "SELECT event_id, concert_id, artist_id, venue_id, customer_id, sold_at, quantity, revenue, price_band "
    "FROM fact_ticket_sales {where}ORDER BY event_id LIMIT {rows}"
)
_AFTER = "WHERE event_id > :after "  # (not on the first page: a Data API parameter is never empty)


def sales_in_pages(
    query: Callable[[str, dict[str, Any] | None], list[dict[str, Any]]], page_rows: int | None = None
) -> Iterator[Row]:
    """Every sale, as `WAREHOUSE_QUERIES["fact_ticket_sales"]` reads it, one page at a time
    (`SALES_PAGE_ROWS` by default)."""
    page_rows = page_rows or SALES_PAGE_ROWS
    after = ""
    while True:
        where, params = (_AFTER, {"after": after}) if after else ("", None)
        page = query(SALES_PAGE.format(where=where, rows=int(page_rows)), params)
        for row in page:
            yield {k: v for k, v in row.items() if k != "event_id"}
        if len(page) < page_rows:
            return
        after = str(page[-1]["event_id"])


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_channel(tables: Mapping[str, Iterable[Row]], directory: Path) -> dict[str, int]:
    """Write each table as `<name>.jsonl.gz` in `directory`; return the row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, rows in tables.items():
        n = 0
        with gzip.open(directory / f"{name}.jsonl.gz", "wt") as f:
            for row in rows:
                f.write(json.dumps({k: _plain(v) for k, v in row.items()}) + "\n")
                n += 1
        counts[name] = n
    return counts


def read_channel(directory: Path) -> SalesRows:
    """The rows of a channel written by `write_channel` (the sales as compact `Sale`s)."""
    tables: dict[str, list[Row]] = {}
    for name in WAREHOUSE_QUERIES:
        path = directory / f"{name}.jsonl.gz"
        rows: list[Row] = []
        if path.exists() and name == "fact_ticket_sales":
            with gzip.open(path, "rt") as f:
                rows.extend(map(sales_decoder().decode, f))  # one decoder: its values shared
        elif path.exists():
            with gzip.open(path, "rt") as f:
                for line in f:
                    row = json.loads(line)
                    for key in TIMESTAMPS:
                        if isinstance(row.get(key), str):
                            row[key] = datetime.fromisoformat(row[key])
                    rows.append(row)
        tables[name] = rows
    return SalesRows.of(tables)
