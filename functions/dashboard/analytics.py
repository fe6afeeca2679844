"""The dashboard's analytics requests: query parameters → validated slots → SQL through the
chat's analytics compiler and the SQL guard. Pure: no AWS."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chat.analytics import GROUPS, METRICS, compile_slots
from consumers.warehouse.guard import Policy, guard

DASHBOARD = Policy(limit=1000)  # the star schema only; a year of days fits
_CITY = re.compile(r"^(?P<city>[^,]{1,80}),\s*(?P<state>[A-Z]{2})$")
_GENRE = re.compile(r"^[\w &'./+-]{1,60}$")


class BadRequest(ValueError):
    """A parameter the API cannot use (the message names it)."""


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD), got {value!r}") from None


def slots(params: dict[str, str]) -> dict[str, Any]:
    """Slots of `metric` [by `group`] with optional `from`/`to` (dates, inclusive), `city`
    ("City, ST"), `genre`, `top` and `order`."""
    metric = params.get("metric", "tickets")
    if metric not in METRICS:
        raise BadRequest(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    group = params.get("group") or None
    if group is not None and group not in GROUPS:
        raise BadRequest(f"group must be one of {', '.join(GROUPS)}, got {group!r}")
    filters: dict[str, Any] = {}
    if city := params.get("city"):
        m = _CITY.match(city.strip())
        if not m:
            raise BadRequest(f"city must look like 'Chicago, IL', got {city!r}")
        filters["city"] = (m["city"].strip(), m["state"])
    if genre := params.get("genre"):
        if not _GENRE.match(genre):
            raise BadRequest(f"genre has characters a genre does not have: {genre!r}")
        filters["genre"] = genre
    out: dict[str, Any] = {"metric": metric, "group": group, "filters": filters}
    start = _date("from", params["from"]) if params.get("from") else None
    end = _date("to", params["to"]) if params.get("to") else None
    if start or end:
        lo = datetime.combine(start or date(1970, 1, 1), datetime.min.time(), UTC)
        hi = datetime.combine((end or date(9999, 12, 30)) + timedelta(days=1), datetime.min.time(), UTC)
        if hi <= lo:
            raise BadRequest("from must not be after to")
        out["period"] = {"start": lo.isoformat(), "end": hi.isoformat(), "label": "the chosen dates"}
    try:
        top = int(params.get("top", "10"))
    except ValueError:
        raise BadRequest(f"top must be an integer, got {params.get('top')!r}") from None
    if not 1 <= top <= 100:
        raise BadRequest(f"top must be between 1 and 100, got {top}")
    out["top"] = top
    if params.get("order") in ("asc", "desc"):
        out["order"] = params["order"]
    return out


def statement(params: dict[str, str]) -> tuple[str, str]:
    """The guarded SQL of the request and what it computes, in words."""
    compiled = compile_slots(slots(params))
    return guard(compiled.sql, DASHBOARD), compiled.describes


# The Analytics page's panels, by id: what each computes (the page draws them in this order).
PANELS: dict[str, dict[str, str]] = {
    "sales": {"metric": "tickets", "group": "day"},
    "revenue": {"metric": "revenue", "group": "day"},
    "venues": {"metric": "tickets", "group": "venue", "top": "10"},
    "artists": {"metric": "tickets", "group": "artist", "top": "10"},
    "cities": {"metric": "revenue", "group": "city", "top": "10"},
    "sell-through": {"metric": "sell_through", "group": "concert", "top": "10"},
}
FILTERS = ("from", "to", "city", "genre")


DEFAULT_DAYS = 90  # the period the page shows when the request names no dates


def page_filters(params: dict[str, str], newest_sale: str | None) -> dict[str, str]:
    """The request's filters (others ignored); without dates, the 90 days ending on the newest
    sale (an ISO timestamp, or None when the warehouse has no sales: then all time)."""
    filters = {k: params[k] for k in FILTERS if params.get(k)}
    if "from" not in filters and "to" not in filters and newest_sale:
        last = _date("newest sale", str(newest_sale)[:10])
        filters |= {"from": (last - timedelta(days=DEFAULT_DAYS)).isoformat(), "to": last.isoformat()}
    return filters


def panel_statements(filters: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Every panel's guarded SQL and description under `filters`."""
    return {name: statement({**panel, **filters}) for name, panel in PANELS.items()}


def options_sql() -> dict[str, str]:
    """SQL of the filter choices: cities and genres that have sales, and the dates covered."""
    return {
        "cities": "SELECT DISTINCT city || ', ' || state AS label FROM fact_ticket_sales ORDER BY label",
        "genres": (
            "SELECT DISTINCT genre AS label FROM resolved_artist WHERE genre IS NOT NULL ORDER BY label"
        ),
        "range": "SELECT MIN(sold_at) AS first, MAX(sold_at) AS last FROM fact_ticket_sales",
    }


def pickers_sql() -> dict[str, str]:
    """SQL of the Predictions page's choices: the 50 concerts that sold the most ("artist at
    venue, date") and the 50 customers who ordered the most (with their order count)."""
    return {
        "concerts": (
            "SELECT f.concert_id AS key, "
            "COALESCE(a.name, 'artist ' || CAST(f.artist_id AS VARCHAR)) || ' at ' "
            "|| COALESCE(v.name, 'venue ' || CAST(f.venue_id AS VARCHAR)) || ', ' "
            "|| COALESCE(CAST(CAST(MIN(c.starts_at) AS DATE) AS VARCHAR), '?') AS label "
            "FROM fact_ticket_sales AS f LEFT JOIN resolved_concert AS c ON c.concert_id = f.concert_id "
            "LEFT JOIN resolved_artist AS a ON a.artist_id = f.artist_id "
            "LEFT JOIN resolved_venue AS v ON v.venue_id = f.venue_id "
            "GROUP BY f.concert_id, f.artist_id, f.venue_id, a.name, v.name "
            "ORDER BY SUM(f.quantity) DESC, f.concert_id LIMIT 50"
        ),
        "customers": (
            "SELECT customer_id AS key, 'customer ' || CAST(customer_id AS VARCHAR) || ' (' "
            "|| CAST(COUNT(*) AS VARCHAR) || ' orders)' AS label FROM fact_ticket_sales "
            "GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 50"
        ),
    }


def concert_names_sql(ids: str) -> str:
    """SQL naming the concerts `ids` (comma-separated integers, at most 100): "artist at venue"
    (their ids where the warehouse lacks the artist or the venue), each with the show it is (a
    listing entity resolution merged is named as its show)."""
    try:
        wanted = sorted({int(i) for i in ids.split(",") if i.strip()})
    except ValueError:
        raise BadRequest(f"ids must be comma-separated integers, got {ids[:80]!r}") from None
    if not 1 <= len(wanted) <= 100:
        raise BadRequest("ids must name between 1 and 100 concerts")
    artist = "COALESCE(a.name, 'artist ' || CAST(c.artist_id AS VARCHAR))"
    venue = "COALESCE(v.name, 'venue ' || CAST(c.venue_id AS VARCHAR))"
    sql = (
        f"SELECT d.concert_id AS key, c.concert_id AS show, {artist} || ' at ' || {venue} AS label "  # noqa: S608 - integers only
        "FROM dim_concert AS d "
        "LEFT JOIN entity_ids AS m ON m.kind = 'concert' AND m.entity_id = d.concert_id "
        "JOIN resolved_concert AS c ON c.concert_id = COALESCE(m.canonical_id, d.concert_id) "
        "LEFT JOIN resolved_artist AS a ON a.artist_id = c.artist_id "
        "LEFT JOIN resolved_venue AS v ON v.venue_id = c.venue_id "
        f"WHERE d.concert_id IN ({', '.join(map(str, wanted))})"
    )
    return guard(sql, DASHBOARD)
