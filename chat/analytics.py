"""Analytics questions compiled to SQL over the star schema. Pure.

Slots (JSON): `metric`, `group` (None for one number), `filters` (state, city, venue, artist,
genre, concert), `period` (a Period dict), `top`, `order`. Every statement has the columns
`label` (the group, absent for one number), `value`, and `key` where the group has an id, and
is ordered by value then label, so equal values always come in the same order. Values from
the vocabulary are ints or escaped literals; the SQL guard checks the result anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chat.periods import Period
from chat.vocabulary import REGIONS

# metric -> (family, SQL of the value, what it is called)
METRICS: dict[str, tuple[str, str, str]] = {
    "tickets": ("sales", "SUM(f.quantity)", "tickets sold"),
    "revenue": ("sales", "SUM(f.revenue)", "revenue"),
    "avg_price": ("sales", "ROUND(SUM(f.revenue) / NULLIF(SUM(f.quantity), 0), 2)", "average ticket price"),
    "customers": ("sales", "COUNT(DISTINCT f.customer_id)", "customers"),
    "refunds": ("refunds", "SUM(f.quantity)", "tickets refunded"),
    "refund_amount": ("refunds", "SUM(f.amount)", "amount refunded"),
    "concerts": ("concerts", "COUNT(*)", "concerts"),
    "sell_through": ("concerts", "ROUND(AVG(s.sell_through), 4)", "average sell-through"),
    "sold_out": ("concerts", "COUNT(*)", "sold-out concerts"),
}
GROUPS = ("venue", "artist", "city", "state", "genre", "concert", "month", "day", "channel", "tier")
TIME_GROUPS = ("month", "day")

# family -> FROM clause, the time column and where each filter/group column lives
_FROM = {
    "sales": "fact_ticket_sales AS f",
    "refunds": "fact_refunds AS f",
    "concerts": "dim_concert AS c",
}
_TIME = {"sales": "f.sold_at", "refunds": "f.refunded_at", "concerts": "c.starts_at"}


@dataclass(frozen=True)
class Compiled:
    """The SQL and how the answer should read it."""

    sql: str
    scalar: bool
    describes: str


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _ids(family: str) -> dict[str, str]:
    base = "f" if family != "concerts" else "c"
    return {"venue": f"{base}.venue_id", "artist": f"{base}.artist_id", "concert": f"{base}.concert_id"}


def compile_slots(slots: dict[str, Any]) -> Compiled:
    """The SQL of an analytics question."""
    metric = slots.get("metric") or "tickets"
    family, value, name = METRICS[metric]
    group = slots.get("group")
    filters: dict[str, Any] = slots.get("filters") or {}
    ids = _ids(family)
    joins: dict[str, str] = {}
    where: list[str] = []

    def need(alias: str) -> None:
        if alias == "v":
            joins["v"] = f"JOIN dim_venue AS v ON v.venue_id = {ids['venue']}"
        elif alias == "a":
            joins["a"] = f"JOIN dim_artist AS a ON a.artist_id = {ids['artist']}"
        elif alias == "s":
            joins["s"] = "JOIN agg_concert_sell_through AS s ON s.concert_id = c.concert_id"

    if family == "concerts":
        where.append("c.status <> 'cancelled'")
        if metric in ("sell_through", "sold_out"):
            need("s")
        if metric == "sold_out":
            where.append("s.tickets_net >= s.capacity")
    located = family == "sales"  # the sales fact carries the venue's city and state itself
    if "state" in filters:
        if not located:
            need("v")
        where.append(f"{'f' if located else 'v'}.state = {literal(str(filters['state']))}")
    if "city" in filters:
        city, state = filters["city"]
        if not located:
            need("v")
        col = "f" if located else "v"
        where.append(f"{col}.city = {literal(str(city))} AND {col}.state = {literal(str(state))}")
    for kind in ("venue", "artist", "concert"):
        if kind in filters:
            key = filters[kind][0] if isinstance(filters[kind], list) else filters[kind]
            where.append(f"{ids[kind]} = {int(key)}")
    if "genre" in filters:  # the artist's genre now (the fact keeps the one at sale time)
        need("a")
        where.append(f"a.genre = {literal(str(filters['genre']))}")
    period = Period.from_dict(slots["period"]) if slots.get("period") else None
    if period is not None:
        col = _TIME[family]
        where.append(f"{col} >= CAST({literal(period.start.isoformat())} AS TIMESTAMPTZ)")
        where.append(f"{col} < CAST({literal(period.end.isoformat())} AS TIMESTAMPTZ)")

    select, group_by, order = [], [], ""
    top = int(slots.get("top") or 10)
    direction = "ASC" if slots.get("order") == "asc" else "DESC"
    if group is None:
        select = [f"{value} AS value"]
    elif group in ("venue", "artist"):
        alias = group[0]
        need(alias)
        select = [f"{ids[group]} AS key", f"{alias}.name AS label", f"{value} AS value"]
        group_by = [ids[group], f"{alias}.name"]
    elif group == "concert":  # the concert's artist and venue now (a concert can move)
        if family != "concerts":
            joins["c"] = f"JOIN dim_concert AS c ON c.concert_id = {ids['concert']}"
        joins["ca"] = "JOIN dim_artist AS ca ON ca.artist_id = c.artist_id"
        joins["cv"] = "JOIN dim_venue AS cv ON cv.venue_id = c.venue_id"
        select = [f"{ids['concert']} AS key", "ca.name || ' at ' || cv.name AS label", f"{value} AS value"]
        group_by = [ids["concert"], "ca.name", "cv.name"]
    elif group in ("city", "state", "genre"):
        if family == "sales" and group != "genre":
            col = {"city": "f.city || ', ' || f.state", "state": "f.state"}[group]
        else:
            need("a" if group == "genre" else "v")
            col = {"city": "v.city || ', ' || v.state", "state": "v.state", "genre": "a.genre"}[group]
        select, group_by = [f"{col} AS label", f"{value} AS value"], [col]
    elif group in TIME_GROUPS:
        col = f"DATE_TRUNC('{group}', {_TIME[family]})"
        select, group_by = [f"{col} AS label", f"{value} AS value"], [col]
    elif group in ("channel", "tier") and family == "sales":
        select, group_by = [f"f.{group} AS label", f"{value} AS value"], [f"f.{group}"]
    else:
        raise ValueError(f"cannot group {name} by {group}")
    if group in TIME_GROUPS:
        order = " ORDER BY label ASC"
    elif group is not None:
        order = f" ORDER BY value {direction} NULLS LAST, label ASC LIMIT {top}"
    sql = f"SELECT {', '.join(select)} FROM {_FROM[family]}"  # noqa: S608 - built from constants and literals
    for j in joins.values():
        sql += f" {j}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if group_by:
        sql += " GROUP BY " + ", ".join(group_by)
    sql += order
    return Compiled(sql=sql, scalar=group is None, describes=describe(slots))


def compile_listing(slots: dict[str, Any], clock: datetime) -> str:
    """The SQL of a concert list: upcoming (after the clock, soonest first), in a period, or
    the latest; with its place, artist and genre filters."""
    filters: dict[str, Any] = slots.get("filters") or {}
    where = ["c.status <> 'cancelled'"]
    period = Period.from_dict(slots["period"]) if slots.get("period") else None
    if period is not None:
        where.append(f"c.starts_at >= CAST({literal(period.start.isoformat())} AS TIMESTAMPTZ)")
        where.append(f"c.starts_at < CAST({literal(period.end.isoformat())} AS TIMESTAMPTZ)")
    elif slots.get("upcoming"):
        where.append(f"c.starts_at > CAST({literal(clock.isoformat())} AS TIMESTAMPTZ)")
    if "state" in filters:
        where.append(f"v.state = {literal(str(filters['state']))}")
    if "city" in filters:
        city, state = filters["city"]
        where.append(f"v.city = {literal(str(city))} AND v.state = {literal(str(state))}")
    for kind in ("venue", "artist"):
        if kind in filters:
            where.append(f"c.{kind}_id = {int(filters[kind][0])}")
    if "genre" in filters:
        where.append(f"a.genre = {literal(str(filters['genre']))}")
    newest_first = period is None and not slots.get("upcoming")
    return (
        "SELECT c.concert_id AS key, a.name || ' at ' || v.name AS label, c.starts_at AS starts_at, "  # noqa: S608
        "v.city AS city, v.state AS state FROM dim_concert AS c "
        "JOIN dim_artist AS a ON a.artist_id = c.artist_id JOIN dim_venue AS v ON v.venue_id = c.venue_id "
        f"WHERE {' AND '.join(where)} ORDER BY c.starts_at {'DESC' if newest_first else 'ASC'}, "
        f"c.concert_id ASC LIMIT {int(slots.get('top') or 20)}"
    )


def describe(slots: dict[str, Any]) -> str:
    """The question as the platform understood it, in words."""
    metric = slots.get("metric") or "tickets"
    text = METRICS[metric][2]
    by = slots.get("group")
    if by in TIME_GROUPS:
        text = f"{text} by {by}"
    elif by and metric == "sold_out":
        text = f"{by}s with sold-out concerts (how many)"
    elif by:
        end = "bottom" if slots.get("order") == "asc" else "top"
        text = f"{end} {slots.get('top') or 10} {by}s by {text}"
    filters = slots.get("filters") or {}
    for kind in ("concert", "venue", "artist", "city", "state", "genre"):
        if kind not in filters:
            continue
        f = filters[kind]
        if kind == "concert":
            text += f" for concert {f}"
        elif kind == "state":
            text += f" in {REGIONS.get(str(f), f)}"
        elif kind == "city":
            text += f" in {f[0]}, {f[1]}"
        elif kind == "venue":
            text += f" at {f[1]}"
        else:
            text += f" for {f[1] if isinstance(f, list) else f}"
    if slots.get("period"):
        text += f", {Period.from_dict(slots['period']).label}"
    return text
