"""Settings of the live-aggregates function, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class LiveAggregatesSettings(BaseSettings):
    """Environment of the function (set by the CDK app)."""

    table: str = Field(min_length=3, validation_alias="AGGREGATES_TABLE")
    # A second bound on the window's pages (they are dropped as the window moves): longer than
    # the stream's retention (48 h) plus the record age limit.
    marker_ttl_hours: int = Field(default=7 * 24, ge=72, validation_alias="MARKER_TTL_HOURS")
    # Fault injection for the failure suite: every N-th delivery to a container fails whole
    # (0: never). The event source mapping retries it; the shard's mark keeps every event counted once.
    fail_every: int = Field(default=0, ge=0, validation_alias="FAULT_FAIL_EVERY_N_BATCHES")
    # The dashboard's broadcaster, invoked asynchronously with the keys a delivery changed
    # (empty: no dashboard).
    broadcast_function: str = Field(default="", validation_alias="BROADCAST_FUNCTION")
