"""Analytics questions compiled to SQL over the star schema. Pure.

Slots (JSON): `metric`, `group` (None for one number), `filters` (state, city, venue, artist,
genre, concert), `period` (a Period dict), `top`, `order`. Every statement has the columns
`label` (the group, absent for one number), `value`, and `key` where the group has an id, and
is ordered by value then label, so equal values always come in the same order. Values from
the vocabulary are ints or escaped literals; the SQL guard checks the result anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chat import absence
from chat.periods import Period
from chat.thresholds import seats_condition, seats_words
from schemas.payloads import MAX_TICKETS_PER_ORDER
from schemas.regions import REGIONS

# metric -> (family, SQL of the value, what it is called)
METRICS: dict[str, tuple[str, str, str]] = {
    "tickets": ("sales", "SUM(f.quantity)", "tickets sold"),
    "revenue": ("sales", "SUM(f.revenue)", "revenue"),
    "avg_price": ("sales", "ROUND(SUM(f.revenue) / NULLIF(SUM(f.quantity), 0), 2)", "average ticket price"),
    "customers": ("sales", "COUNT(DISTINCT f.customer_id)", "customers"),
    "refunds": ("refunds", "SUM(f.quantity)", "tickets refunded"),
    "refund_amount": ("refunds", "SUM(f.amount)", "amount refunded"),
    "refund_count": ("refunds", "COUNT(*)", "refunds"),
    "customers_refunded": ("refunds", "COUNT(DISTINCT f.customer_id)", "customers refunded"),
    "concerts": ("concerts", "COUNT(*)", "concerts"),
    "sell_through": ("concerts", "ROUND(AVG(s.sell_through), 4)", "average sell-through"),
    "sold_out": ("concerts", "COUNT(*)", "sold-out concerts"),
    "cancelled": ("concerts", "COUNT(*)", "cancelled concerts"),
    "orders": ("sales", "COUNT(*)", "orders"),
    "median_price": ("sales", "MEDIAN(f.unit_price)", "median ticket price"),
    "max_price": ("sales", "MAX(f.unit_price)", "highest ticket price"),
    "min_price": ("sales", "MIN(f.unit_price)", "lowest ticket price"),
    "avg_order_tickets": (
        "sales",
        "ROUND(AVG(CAST(f.quantity AS DOUBLE PRECISION)), 2)",
        "average tickets per order",
    ),
    "avg_order_value": ("sales", "ROUND(AVG(f.revenue), 2)", "average order value"),
    "median_order_value": ("sales", "MEDIAN(f.revenue)", "median order value"),
    "max_order_value": ("sales", "MAX(f.revenue)", "largest single order"),
    "max_refund": ("refunds", "MAX(f.amount)", "largest single refund"),
    "avg_refund": ("refunds", "ROUND(AVG(f.amount), 2)", "average refund"),
    "max_order_tickets": ("sales", "MAX(f.quantity)", "most tickets in one order"),
    "orders_per_customer": (
        "sales",
        "ROUND(CAST(COUNT(*) AS DOUBLE PRECISION) / NULLIF(COUNT(DISTINCT f.customer_id), 0), 2)",
        "orders per customer",
    ),
    "revenue_per_customer": (
        "sales",
        "ROUND(SUM(f.revenue) / NULLIF(COUNT(DISTINCT f.customer_id), 0), 2)",
        "revenue per customer",
    ),
    "tickets_per_customer": (
        "sales",
        "ROUND(CAST(SUM(f.quantity) AS DOUBLE PRECISION) / NULLIF(COUNT(DISTINCT f.customer_id), 0), 2)",
        "tickets per customer",
    ),
    "venues": ("venues", "COUNT(*)", "venues"),
    "capacity": ("venues", "SUM(v.capacity)", "seats"),
    "artists": ("artists", "COUNT(*)", "artists"),
    # venues and artists counted through a fact: those with a sale, a refund or a concert
    "venues_sold": ("sales", "COUNT(DISTINCT f.venue_id)", "venues with sales"),
    "artists_sold": ("sales", "COUNT(DISTINCT f.artist_id)", "artists with sales"),
    "venues_refunded": ("refunds", "COUNT(DISTINCT f.venue_id)", "venues with refunds"),
    "artists_refunded": ("refunds", "COUNT(DISTINCT f.artist_id)", "artists with refunds"),
    "venues_hosting": ("concerts", "COUNT(DISTINCT c.venue_id)", "venues with concerts"),
    "artists_playing": ("concerts", "COUNT(DISTINCT c.artist_id)", "artists with concerts"),
    "concerts_sold": ("sales", "COUNT(DISTINCT f.concert_id)", "concerts with sales"),
    # places counted through their sales: a city is its name and state (Portland, OR and ME)
    "cities_sold": ("sales", "COUNT(DISTINCT f.city || ', ' || f.state)", "cities with sales"),
    "states_sold": ("sales", "COUNT(DISTINCT f.state)", "states and provinces with sales"),
    "concerts_refunded": ("refunds", "COUNT(DISTINCT f.concert_id)", "concerts with refunds"),
}
COUNTED_THROUGH = {
    "venues": ("venues_sold", "venues_refunded", "venues_hosting"),
    "artists": ("artists_sold", "artists_refunded", "artists_playing"),
    "concerts": ("concerts_sold", "concerts_refunded", "concerts"),
}
# Things counted through their sales ("venues with revenue in 2025").
COUNTED_THROUGH_SOLD = tuple(sold for sold, _, _ in COUNTED_THROUGH.values())
# The measures by kind, as the coverage check (chat.coverage) reads a question's words.
MEDIANS = ("median_price", "median_order_value")
AVERAGES = ("avg_price", "sell_through", "avg_order_tickets", "avg_order_value", "avg_refund")
PER_ORDER = ("avg_order_tickets", "avg_order_value")
PER_CUSTOMER = ("revenue_per_customer", "tickets_per_customer", "orders_per_customer")
EXTREMES = ("max_price", "min_price", "max_order_value", "max_refund", "max_order_tickets")
PRICES = ("avg_price", "median_price", "max_price", "min_price")
MONEY: tuple[str, ...] = ("revenue", "avg_price", "refund_amount", "median_price", "max_price")
MONEY += ("min_price", "avg_order_value", "revenue_per_customer", "median_order_value", "max_order_value")
MONEY += ("max_refund", "avg_refund")
GROUPS: tuple[str, ...] = ("venue", "artist", "city", "state", "genre", "concert", "month", "day")
GROUPS += ("channel", "tier", "week", "quarter", "year", "weekday", "daytype", "customer")
TIME_GROUPS = ("day", "week", "month", "quarter", "year")
CHANNELS = {"web": "web", "mobile": "mobile", "box_office": "box office", "partner": "partner"}
TIERS = ("vip", "floor", "lower", "upper")
# What a question can leave out ("not counting Texas", "other than Cher", "apart from VIP").
EXCLUDABLE = ("state", "city", "venue", "artist", "genre", "channel", "tier")

# family -> FROM clause, the time column and where each filter/group column lives
_FROM = {
    "sales": "fact_ticket_sales AS f",
    "refunds": "fact_refunds AS f",
    "concerts": "resolved_concert AS c",
    "venues": "resolved_venue AS v",
    "artists": "resolved_artist AS a",
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


def id_condition(column: str, value: Any) -> str:
    """`column = id` for a venue, artist or concert filter ([key, name] or a key), or
    `column IN (...)` when several entities share the name asked (the key is then a list)."""
    key = value[0] if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str) else value
    ids = sorted({int(k) for k in key}) if isinstance(key, list | tuple) else [int(key)]
    return f"{column} = {ids[0]}" if len(ids) == 1 else f"{column} IN ({', '.join(map(str, ids))})"


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
            joins["v"] = f"JOIN resolved_venue AS v ON v.venue_id = {ids['venue']}"
        elif alias == "a":
            joins["a"] = f"JOIN resolved_artist AS a ON a.artist_id = {ids['artist']}"
        elif alias == "s":
            joins["s"] = "JOIN agg_concert_sell_through AS s ON s.concert_id = c.concert_id"

    if family in ("venues", "artists"):
        return _compile_dimension(slots, family, value)
    if slots.get("compare"):
        return _compile_sides(slots)
    if slots.get("share") and group is None and (part := share_part(filters)):
        return _compile_part(slots, part)
    if metric == "median_price":  # the median of tickets, not of orders: an order of n counts n times
        ones = " UNION ALL ".join(f"SELECT {n} AS n" for n in range(1, MAX_TICKETS_PER_ORDER + 1))
        joins["t"] = f"JOIN ({ones}) AS ticket ON ticket.n <= f.quantity"
    if family == "concerts":
        where.append("c.status = 'cancelled'" if metric == "cancelled" else "c.status <> 'cancelled'")
        if slots.get("absent"):  # the concerts that sold nothing (refunded nothing)
            where.append(absence.condition("concert", str(slots["absent"]), None))
        if metric in ("sell_through", "sold_out"):
            need("s")
        if metric == "sold_out":
            where.append("s.tickets_net >= s.capacity")
    where += _conditions(filters, family, name, need)
    for kind, left_out in (slots.get("excluded") or {}).items():  # "tickets in 2025, not counting Texas"
        if kind not in EXCLUDABLE:
            raise ValueError(f"I can't leave out a {kind}")
        where.append(f"NOT ({' AND '.join(_conditions({kind: left_out}, family, name, need))})")
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
            joins["c"] = f"JOIN resolved_concert AS c ON c.concert_id = {ids['concert']}"
        joins["ca"] = "JOIN resolved_artist AS ca ON ca.artist_id = c.artist_id"
        joins["cv"] = "JOIN resolved_venue AS cv ON cv.venue_id = c.venue_id"
        select = [f"{ids['concert']} AS key", "ca.name || ' at ' || cv.name AS label", f"{value} AS value"]
        group_by = [ids["concert"], "ca.name", "cv.name"]
    elif group in ("city", "state", "genre"):
        if family == "sales" and group != "genre":
            col = {"city": "f.city || ', ' || f.state", "state": "f.state"}[group]
        else:
            need("a" if group == "genre" else "v")
            col = {"city": "v.city || ', ' || v.state", "state": "v.state", "genre": "a.genre"}[group]
        select, group_by = [f"{col} AS label", f"{value} AS value"], [col]
    elif group in TIME_GROUPS and family in _TIME:
        col = f"DATE_TRUNC('{group}', {_TIME[family]})"
        select, group_by = [f"{col} AS label", f"{value} AS value"], [col]
    elif group in ("channel", "tier") and family == "sales":
        select, group_by = [f"f.{group} AS label", f"{value} AS value"], [f"f.{group}"]
    elif group == "weekday" and family in _TIME:  # the day's name; Monday first for the same value
        col = f"TO_CHAR({_TIME[family]}, 'FMDay')"
        select, group_by = [f"{col} AS label", f"{value} AS value"], [col]
    elif group == "daytype" and family in _TIME:  # Saturday and Sunday are the weekend
        col = f"CASE WHEN DATE_PART(dow, {_TIME[family]}) IN (0, 6) THEN 'weekend' ELSE 'weekday' END"
        select, group_by = [f"{col} AS label", f"{value} AS value"], [col]
    elif group == "customer" and family in ("sales", "refunds"):
        select = ["f.customer_id AS key", "'customer ' || f.customer_id AS label", f"{value} AS value"]
        group_by = ["f.customer_id"]
    else:
        raise ValueError(f"cannot group {name} by {group}")
    if slots.get("share") and group is not None:  # each group's part of the total, in percent
        select[-1] = f"ROUND(100.0 * {value} / NULLIF(SUM({value}) OVER (), 0), 2) AS value"
    if group in TIME_GROUPS and not slots.get("rank"):
        order = " ORDER BY label ASC"  # a timeline; "the busiest month" ranks its periods below
    elif group is not None:
        order = f" ORDER BY value {direction} NULLS LAST, label ASC LIMIT {top}"
        if not slots.get("share"):  # how many groups share each value: a tie at the cut is said
            select.append(f"COUNT(*) OVER (PARTITION BY {value}) AS tied")
    sql = f"SELECT {', '.join(select)} FROM {_FROM[family]}"  # noqa: S608 - built from constants and literals
    for j in joins.values():
        sql += f" {j}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if group_by:
        sql += " GROUP BY " + ", ".join(group_by)
    sql += order
    return Compiled(sql=sql, scalar=group is None, describes=describe(slots))


def _conditions(filters: dict[str, Any], family: str, name: str, need: Callable[[str], None]) -> list[str]:
    """The WHERE conditions of a question's filters over the family's table (`f` or `c`); `need`
    joins the venue or artist table a condition reads; `name` is the measure's, for errors."""
    ids = _ids(family)
    where: list[str] = []
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
            where.append(id_condition(ids[kind], filters[kind]))
    if "genre" in filters:  # the artist's genre now (the fact keeps the one at sale time)
        need("a")
        where.append(f"a.genre = {literal(str(filters['genre']))}")
    if "seats" in filters:  # venues over a number of seats
        need("v")
        where.append(seats_condition(filters["seats"]))
    for kind in ("channel", "tier"):
        if kind in filters:
            if family != "sales":
                raise ValueError(f"{name} have no {kind}")
            where.append(f"f.{kind} = {literal(str(filters[kind]))}")
    if "reason" in filters:  # why a refund was issued
        if family != "refunds":
            raise ValueError(f"{name} have no refund reason")
        where.append(f"f.reason = {literal(str(filters['reason']))}")
    if "days" in filters:  # days of the week (0 = Sunday, as DATE_PART(dow) on Redshift)
        if family not in _TIME:
            raise ValueError(f"{name} have no date")
        days = sorted({int(d) for d in filters["days"]})
        where.append(f"DATE_PART(dow, {_TIME[family]}) IN ({', '.join(str(d) for d in days)})")
    return where


def _named(filters: dict[str, Any], *, ids: str | None) -> list[str]:
    """Conditions for the places, venue, artist and genre a question names, over the venue `v`
    and artist `a` tables; venue and artist ids on `ids` (None: on `v` and `a` themselves)."""
    where = []
    if "state" in filters:
        where.append(f"v.state = {literal(str(filters['state']))}")
    if "city" in filters:
        city, state = filters["city"]
        where.append(f"v.city = {literal(str(city))} AND v.state = {literal(str(state))}")
    for kind in ("venue", "artist"):
        if kind in filters:
            where.append(id_condition(f"{ids or kind[0]}.{kind}_id", filters[kind]))
    if "genre" in filters:
        where.append(f"a.genre = {literal(str(filters['genre']))}")
    if "seats" in filters:
        where.append(seats_condition(filters["seats"]))
    return where


def _compile_dimension(slots: dict[str, Any], family: str, value: str) -> Compiled:
    """Counts (and the seats) of the venues or artists themselves, by place or genre; or those
    that had no sale, refund or concert in the period (`absent`), counted or listed."""
    absent = slots.get("absent")
    if slots.get("period") and not absent:
        raise ValueError(f"{family} have no date: ask without a period")
    filters: dict[str, Any] = slots.get("filters") or {}
    where: list[str] = []
    if absent:
        period = Period.from_dict(slots["period"]) if slots.get("period") else None
        where.append(absence.condition(family[:-1], str(absent), period, bool(slots.get("any_status"))))
        if slots.get("group"):
            value = "0"  # each one listed: it had none
    allowed = {"venues": ("state", "city", "venue", "seats"), "artists": ("genre", "artist")}[family]
    for kind in filters:
        if kind not in allowed:
            raise ValueError(f"{family} cannot be filtered by {kind}")
    where += _named(filters, ids=None)
    for kind, left_out in (slots.get("excluded") or {}).items():
        if kind not in allowed or kind not in EXCLUDABLE:
            raise ValueError(f"{family} cannot leave out a {kind}")
        where.append(f"NOT ({' AND '.join(_named({kind: left_out}, ids=None))})")
    group = slots.get("group")
    columns = {("venues", "state"): "v.state", ("venues", "city"): "v.city || ', ' || v.state"}
    columns[("venues", "venue")] = "v.name"
    columns[("artists", "artist")] = "a.name"
    columns[("artists", "genre")] = "a.genre"
    if group is not None and (family, group) not in columns:
        raise ValueError(f"cannot group {family} by {group}")
    select = (
        [f"{value} AS value"]
        if group is None
        else [f"{columns[(family, group)]} AS label", f"{value} AS value"]
    )
    grouped = [] if group is None else [columns[(family, group)]]
    one = {"venues": "v.venue_id", "artists": "a.artist_id"}[family]
    if group in ("venue", "artist") or (group is not None and slots.get("lookup")):
        # Each venue (artist) its own row: two may share a name, and a lookup of a name that
        # several share answers for each of them.
        select.insert(0, f"{one} AS key")
        grouped.insert(0, one)
    sql = f"SELECT {', '.join(select)} FROM {_FROM[family]}"  # noqa: S608 - constants and literals
    if where:
        sql += " WHERE " + " AND ".join(where)
    if group is not None:
        direction = "ASC" if slots.get("order") == "asc" else "DESC"
        sql += f" GROUP BY {', '.join(grouped)} ORDER BY value {direction}, label ASC"
        sql += f" LIMIT {int(slots.get('top') or 10)}"
    return Compiled(sql=sql, scalar=group is None, describes=describe(slots))


def compile_listing(slots: dict[str, Any], clock: datetime) -> str:
    """The SQL of a concert list: upcoming (after the clock, soonest first), in a period, or
    the latest; with its place, artist and genre filters. `cancelled`: the cancelled ones
    instead, in the order they were to start. `of` "artist" or "venue": the artists (venues) of
    those concerts, each once, with their first concert's start and their number of concerts,
    all of them within reason (200) unless a top N is asked."""
    filters: dict[str, Any] = slots.get("filters") or {}
    cancelled = bool(slots.get("cancelled"))
    where = ["c.status = 'cancelled'" if cancelled else "c.status <> 'cancelled'"]
    period = Period.from_dict(slots["period"]) if slots.get("period") else None
    if period is not None:
        where.append(f"c.starts_at >= CAST({literal(period.start.isoformat())} AS TIMESTAMPTZ)")
        where.append(f"c.starts_at < CAST({literal(period.end.isoformat())} AS TIMESTAMPTZ)")
    elif slots.get("upcoming"):
        where.append(f"c.starts_at > CAST({literal(clock.isoformat())} AS TIMESTAMPTZ)")
    where += _named(filters, ids="c")
    newest_first = period is None and not slots.get("upcoming") and not cancelled
    if slots.get("of") in ("artist", "venue"):  # "which artists are booked there": each one once
        one = "a" if slots["of"] == "artist" else "v"
        return (
            f"SELECT {one}.{slots['of']}_id AS key, {one}.name AS label, MIN(c.starts_at) AS starts_at, "  # noqa: S608
            "COUNT(*) AS concerts FROM resolved_concert AS c "
            "JOIN resolved_artist AS a ON a.artist_id = c.artist_id "
            "JOIN resolved_venue AS v ON v.venue_id = c.venue_id "
            f"WHERE {' AND '.join(where)} GROUP BY {one}.{slots['of']}_id, {one}.name "
            f"ORDER BY {'MAX' if newest_first else 'MIN'}(c.starts_at) {'DESC' if newest_first else 'ASC'}, "
            f"{one}.{slots['of']}_id ASC LIMIT {int(slots.get('top') or 200)}"
        )
    return (
        "SELECT c.concert_id AS key, a.name || ' at ' || v.name AS label, c.starts_at AS starts_at, "  # noqa: S608
        "v.city AS city, v.state AS state FROM resolved_concert AS c "
        "JOIN resolved_artist AS a ON a.artist_id = c.artist_id "
        "JOIN resolved_venue AS v ON v.venue_id = c.venue_id "
        f"WHERE {' AND '.join(where)} ORDER BY c.starts_at {'DESC' if newest_first else 'ASC'}, "
        f"c.concert_id ASC LIMIT {int(slots.get('top') or 20)}"
    )


def side_label(kind: str, value: Any) -> str:
    """How a compared thing is named: a venue's or artist's name, 'City, ST', a state's name."""
    if kind in ("venue", "artist") and isinstance(value, list):
        return str(value[1])
    if kind == "city" and isinstance(value, list):
        return f"{value[0]}, {value[1]}"
    if kind == "state":
        return REGIONS.get(str(value), str(value))
    if kind == "channel":
        return CHANNELS.get(str(value), str(value))
    if kind == "days" and isinstance(value, list):
        return day_names(value)
    if kind == "reason":  # "Cancelled concerts: $52,744.21; customer requests: ..."
        return {"concert_cancelled": "cancelled concerts", "customer_request": "customer requests"}.get(
            str(value), str(value)
        )
    return str(value)


def sides(slots: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The two sides of a comparison: each one's label and the plain question it is."""
    compare = slots["compare"]
    plain = {**slots, "compare": None, "group": None, "share": False, "top": None}
    if "periods" in compare:
        return [(str(p["label"]), {**plain, "period": p}) for p in compare["periods"]]
    kind, filters = str(compare["dim"]), dict(slots.get("filters") or {})
    return [(side_label(kind, v), {**plain, "filters": {**filters, kind: v}}) for v in compare["values"]]


def _compile_sides(slots: dict[str, Any]) -> Compiled:
    """One row per side (`side`, `label`, `value`), each side the same measure compiled alone."""
    if slots.get("group"):
        raise ValueError("a comparison is of two figures, not of two breakdowns")
    selects = [
        f"SELECT {i} AS side, {literal(label)} AS label, s{i}.value AS value "  # noqa: S608 - compiled SQL
        f"FROM ({compile_slots(side).sql}) AS s{i}"
        for i, (label, side) in enumerate(sides(slots), start=1)
    ]
    return Compiled(
        sql=" UNION ALL ".join(selects) + " ORDER BY side", scalar=False, describes=describe(slots)
    )


# The filter a share without a breakdown is the part of ("the web's share of revenue"): the
# first of these the question names; the other filters bound the whole as well as the part.
SHARE_PARTS = ("channel", "tier", "days", "venue", "artist", "concert", "city", "state", "genre")
REFUND_REASONS = {
    "concert_cancelled": "the concert cancelled",
    "customer_request": "at the customer's request",
}
SHARE_METRICS = ("tickets", "revenue", "orders", "customers", "refunds", "refund_amount", "refund_count")


def share_part(filters: dict[str, Any]) -> str | None:
    """Which filter is the part of the whole, when a share is asked without a breakdown."""
    return next((kind for kind in SHARE_PARTS if kind in filters), None)


def _compile_part(slots: dict[str, Any], part: str) -> Compiled:
    """The part's figure as a percent of the whole's (the same question without that filter)."""
    if slots.get("metric") not in SHARE_METRICS:
        raise ValueError("a share is of a sum or a count (tickets, revenue, orders, customers, refunds)")
    whole_filters = {k: v for k, v in (slots.get("filters") or {}).items() if k != part}
    plain = {**slots, "share": False}
    part_sql = compile_slots(plain).sql
    whole_sql = compile_slots({**plain, "filters": whole_filters}).sql
    sql = (
        "SELECT ROUND(100.0 * part.value / NULLIF(whole.value, 0), 2) AS value "  # noqa: S608 - compiled SQL
        f"FROM ({part_sql}) AS part CROSS JOIN ({whole_sql}) AS whole"
    )
    return Compiled(sql=sql, scalar=True, describes=describe(slots))


DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def day_names(days: list[int]) -> str:
    """'Sundays', 'weekends' or 'weekdays' for a set of DATE_PART(dow) values."""
    chosen = sorted({int(d) for d in days})
    if chosen == [0, 6]:
        return "weekends"
    if chosen == [1, 2, 3, 4, 5]:
        return "weekdays"
    return " and ".join(f"{DAY_NAMES[d]}s" for d in chosen)


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def describe(slots: dict[str, Any]) -> str:
    """The question as the platform understood it, in words."""
    metric = slots.get("metric") or "tickets"
    text = METRICS[metric][2]
    by = slots.get("group")
    if slots.get("absent"):
        family = METRICS[metric][0]
        text = f"{family if not by else _plural(by)} with no {absence.WHAT[str(slots['absent'])]}"
        text = text if by else f"{text} (how many)"
    elif by in TIME_GROUPS and slots.get("rank") and slots.get("top"):
        end = "bottom" if slots.get("order") == "asc" else "top"
        text = f"{end} {slots['top']} {by}{'s' if slots['top'] != 1 else ''} by {text}"
    elif by in TIME_GROUPS:
        text = f"{text} by {by}"
    elif by == "weekday":
        text = f"{text} by day of the week"
    elif by == "daytype":
        text = f"{text}, weekend against weekdays"
    elif by and metric == "sold_out":
        text = f"{_plural(by)} with sold-out concerts (how many)"
    elif by and metric == "venues":
        text = f"{_plural(by)} with venues (how many)"
    elif by:
        end = "bottom" if slots.get("order") == "asc" else "top"
        text = f"{end} {slots.get('top') or 10} {_plural(by)} by {text}"
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
    if "seats" in filters:
        text += f" (venues with {seats_words(filters['seats'])})"
    if "channel" in filters:
        text += f" sold via {CHANNELS.get(str(filters['channel']), filters['channel'])}"
    if "tier" in filters:
        text += f" in the {filters['tier']} tier"
    if "reason" in filters:
        text += f" ({REFUND_REASONS.get(str(filters['reason']), filters['reason'])})"
    if "days" in filters:
        text += f" on {day_names(filters['days'])}"
    for kind, left_out in (slots.get("excluded") or {}).items():
        label = side_label(kind, left_out)
        text += f", excluding {f'the {label} tier' if kind == 'tier' else label}"
    if slots.get("share") and by:
        text = f"share of the total (%): {text}"
    elif slots.get("share") and (part := share_part(filters)):
        whole = {k: v for k, v in filters.items() if k != part}
        of = describe({**slots, "share": False, "filters": whole, "period": None})
        text = f"share (%) of {of} that is {text}"
    if slots.get("period") and not (slots.get("compare") or {}).get("periods"):
        text += f", {Period.from_dict(slots['period']).label}"
    if slots.get("compare"):
        labels = [label for label, _ in sides(slots)]
        text += f": {labels[0]} against {labels[1]}"
    return text
