"""Settings of the dashboard functions, validated at start (one model for the family: each
function reads only what it uses, and the CDK app sets exactly those)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DashboardSettings(BaseSettings):
    """Environment of the dashboard functions."""

    model_config = SettingsConfigDict(extra="ignore")

    signing_secret: str = Field("", alias="SIGNING_SECRET_ARN")
    connections_table: str = Field("", alias="CONNECTIONS_TABLE")
    aggregates_table: str = Field("", alias="AGGREGATES_TABLE")
    connections_url: str = Field("", alias="CONNECTIONS_URL")
    snapshot_minutes: int = Field(60, alias="SNAPSHOT_MINUTES", ge=1, le=1440)
    snapshot_top: int = Field(10, alias="SNAPSHOT_TOP", ge=1, le=100)
    post_workers: int = Field(32, alias="POST_WORKERS", ge=1, le=256)
    connection_ttl_s: int = Field(2 * 3600, alias="CONNECTION_TTL_S", ge=60)
    session_ttl_s: int = Field(8 * 3600, alias="SESSION_TTL_S", ge=60)
    # JSON in the environment (the CDK app's); read as such by pydantic-settings
    pipeline_machines: dict[str, str] = Field(default_factory=dict, alias="PIPELINE_STATE_MACHINES")
    dead_letter_queues: tuple[str, ...] = Field((), alias="DEAD_LETTER_QUEUES")
