"""The semantic layer as a planning tool for a model: `analytics_query` names a measure, a
breakdown, filters, a period and a ranking, and our code compiles it to SQL (`chat.analytics`)
with the same slots the rules produce, so a model's plan gets the same compilation, coverage
check, SQL guard and answer text as the deterministic planner's. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat import analytics
from chat.periods import find_period
from chat.plan import Plan, ToolCall, cannot
from chat.vocabulary import Vocabulary, filter_value

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime.type_defs import ToolTypeDef

NAME = "analytics_query"


class AnalyticsQuery(BaseModel):
    """A question about the business's figures, as the semantic layer's terms: one measure,
    an optional breakdown, filters by name, a period in words ("last month", "2025", "Q1 2026"),
    and for a breakdown the number of groups and their order. Prefer this tool to writing SQL."""

    model_config = ConfigDict(extra="forbid")

    measure: Literal[tuple(analytics.METRICS)] = Field(description="What is measured.")  # type: ignore[valid-type]
    group: Literal[tuple(analytics.GROUPS)] | None = Field(  # type: ignore[valid-type]
        default=None, description="The breakdown, or none for one number."
    )
    state: str | None = Field(default=None, description="A US state or Canadian province, by name or code.")
    city: str | None = Field(default=None, description="A city, by name.")
    venue: str | None = Field(default=None, description="A venue, by name.")
    artist: str | None = Field(default=None, description="An artist, by name.")
    genre: str | None = Field(
        default=None, description="A genre (pop, jazz, classical, opera, musicals, plays)."
    )
    channel: Literal[tuple(analytics.CHANNELS)] | None = None  # type: ignore[valid-type]
    tier: Literal[analytics.TIERS] | None = None  # type: ignore[valid-type]
    concert_id: int | None = Field(default=None, ge=1)
    period: str | None = Field(default=None, description="The period in words, resolved by the platform.")
    top: int | None = Field(default=None, ge=1, le=100)
    order: Literal["desc", "asc"] = "desc"
    share: bool = Field(default=False, description="Each group's share of the total, in percent.")
    versus: str | None = Field(
        default=None,
        description="To compare two things: the second one, of the same kind as the one filtered on "
        "(a state, city, venue, artist, genre, channel or tier); both figures are answered side by side.",
    )
    versus_period: str | None = Field(
        default=None, description="To compare two periods: the second period in words ('2025', 'last month')."
    )
    without: Literal["sales", "refunds", "concerts"] | None = Field(
        default=None,
        description="To find what had none: with measure venues, artists or concerts, those with no "
        "ticket sales, refunds or concerts in the period; group venue, artist or concert lists them.",
    )


def spec() -> ToolTypeDef:
    """The tool as a Bedrock Converse `toolSpec`."""
    return {
        "toolSpec": {
            "name": NAME,
            "description": " ".join((AnalyticsQuery.__doc__ or NAME).split()),
            "inputSchema": {"json": AnalyticsQuery.model_json_schema()},
        }
    }


def plan_of(args: dict[str, Any], vocabulary: Vocabulary, clock: datetime | None, planner: str) -> Plan:
    """The plan of one `analytics_query` call: names resolved through the vocabulary, the period
    through the rules' period reader, compiled to SQL; a plain refusal when any of it fails."""
    try:
        query = AnalyticsQuery.model_validate(args)
    except ValidationError as exc:
        return cannot(f"{NAME}: {exc.errors()[0]['msg']}", planner=planner)
    if clock is None:
        return cannot("The warehouse has no ticket sales yet.", planner=planner)
    filters: dict[str, Any] = {}
    for kind in ("state", "city", "venue", "artist", "genre"):
        name = getattr(query, kind)
        if name is None:
            continue
        value = _named(vocabulary, kind, name)
        if value is None:
            return cannot(f"I don't know a {kind} called '{name}'.", planner=planner)
        filters[kind] = value
    for kind in ("channel", "tier"):
        if getattr(query, kind):
            filters[kind] = getattr(query, kind)
    if query.concert_id is not None:
        filters["concert"] = query.concert_id
    period = find_period(query.period.lower(), clock) if query.period else None
    if query.period and period is None:
        return cannot(f"I can't read the period '{query.period}'.", planner=planner)
    slots: dict[str, Any] = {
        "intent": "analytics",
        "metric": query.measure,
        "group": query.group,
        "filters": filters,
        "period": period.to_dict() if period else None,
        "top": query.top,
        "rank": query.top is not None,  # "the top 3 months" ranks them; a breakdown by time is a timeline
        "order": query.order,
        "share": query.share,
    }
    if query.without:
        if query.measure not in ("venues", "artists", "concerts") or query.versus or query.versus_period:
            return cannot("'without' finds venues, artists or concerts that had none, compared with nothing.")
        slots.update(absent=query.without, any_status=False, top=query.top or 200, rank=False)
    if query.versus or query.versus_period:
        compare = _versus(query, vocabulary, clock, filters, period)
        if isinstance(compare, str):
            return cannot(compare, planner=planner)
        slots.update(compare=compare, group=None, top=None, share=False)
        if "periods" in compare:
            slots["period"] = compare["periods"][-1]
        else:
            slots["filters"] = {k: v for k, v in filters.items() if k != compare["dim"]}
    try:
        compiled = analytics.compile_slots(slots)
    except ValueError as exc:
        return cannot(f"I can't answer that: {exc}.", planner=planner)
    return Plan("analytics", [ToolCall("query_warehouse", {"sql": compiled.sql})], slots, planner=planner)


def _named(vocabulary: Vocabulary, kind: str, name: str) -> Any:
    """A name as the filter value of its kind ([id, name], [city, state] or a key), or None."""
    found = [f.entity for f in vocabulary.find(name) if f.entity.kind == kind]
    if not found:
        return None
    return filter_value(found[0])


def _versus(
    query: AnalyticsQuery, vocabulary: Vocabulary, clock: datetime, filters: dict[str, Any], period: Any
) -> dict[str, Any] | str:
    """The comparison's two sides, or why there are not two."""
    if query.versus_period:
        second = find_period(query.versus_period.lower(), clock)
        if second is None or period is None:
            return f"I can't read the periods to compare ('{query.period}', '{query.versus_period}')."
        return {"periods": [p.to_dict() for p in sorted([period, second], key=lambda p: p.start)]}
    kinds = [k for k in ("artist", "venue", "city", "state", "genre", "channel", "tier") if k in filters]
    if len(kinds) != 1:
        return "To compare two things, name one thing of the same kind as the second one."
    kind = kinds[0]
    if kind in ("channel", "tier"):
        allowed = analytics.CHANNELS if kind == "channel" else analytics.TIERS
        other: Any = query.versus if query.versus in allowed else None
    else:
        other = _named(vocabulary, kind, str(query.versus))
    if other is None:
        return f"I don't know a {kind} called '{query.versus}'."
    return {"dim": kind, "values": [filters[kind], other]}
