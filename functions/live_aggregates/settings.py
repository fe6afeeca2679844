"""Settings of the live-aggregates function, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class LiveAggregatesSettings(BaseSettings):
    """Environment of the function (set by the CDK app)."""

    table: str = Field(min_length=3, validation_alias="AGGREGATES_TABLE")
    # Markers must outlive every redelivery: stream retention (48 h) plus the record age limit.
    marker_ttl_hours: int = Field(default=7 * 24, ge=72, validation_alias="MARKER_TTL_HOURS")
