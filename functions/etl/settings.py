"""Settings of the ETL task functions, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class EtlSettings(BaseSettings):
    """Environment of the ETL tasks (set by the CDK app); the warehouse is CONCERT_WAREHOUSE_*."""

    event_bus: str = Field(default="default", min_length=1, validation_alias="EVENT_BUS")
    quality_prefix: str = Field(default="quality/", validation_alias="QUALITY_PREFIX")
