"""The semantic layer as a planning tool for a model: `analytics_query` names a measure, a
breakdown, filters, a period and a ranking, and our code compiles it to SQL (`chat.analytics`)
with the same slots the rules produce, so a model's plan gets the same compilation, coverage
check, SQL guard and answer text as the deterministic planner's. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chat import analytics
from chat.periods import find_period
from chat.plan import Plan, ToolCall, cannot
from chat.vocabulary import Vocabulary

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


def spec() -> dict[str, Any]:
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
        found = [f.entity for f in vocabulary.find(name) if f.entity.kind == kind]
        if not found:
            return cannot(f"I don't know a {kind} called '{name}'.", planner=planner)
        entity = found[0]
        filters[kind] = (
            [entity.key, entity.label]
            if kind in ("venue", "artist")
            else list(entity.key)
            if kind == "city"
            else entity.key
        )
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
        "order": query.order,
        "share": query.share,
    }
    try:
        compiled = analytics.compile_slots(slots)
    except ValueError as exc:
        return cannot(f"I can't answer that: {exc}.", planner=planner)
    return Plan("analytics", [ToolCall("query_warehouse", {"sql": compiled.sql})], slots, planner=planner)
