"""Settings of the ETL task functions, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from consumers.etl.cycle import BufferingPolicy


class EtlSettings(BaseSettings):
    """Environment of the ETL tasks (set by the CDK app); the warehouse is CONCERT_WAREHOUSE_*.

    The buffering policy: a cycle starts once `LOAD_MIN_ROWS` rows are pending or the oldest
    landed batch waited `LOAD_MAX_WAIT_S` seconds; `LOAD_MAX_BATCHES` bounds one cycle.
    """

    event_bus: str = Field(default="default", min_length=1, validation_alias="EVENT_BUS")
    lake_bucket: str = Field(default="", validation_alias="LAKE_BUCKET")
    quality_prefix: str = Field(default="quality/", validation_alias="QUALITY_PREFIX")
    max_wait_s: float = Field(default=0.0, ge=0, le=3_600, validation_alias="LOAD_MAX_WAIT_S")
    min_rows: int = Field(default=1, ge=1, validation_alias="LOAD_MIN_ROWS")
    max_batches: int = Field(default=200, ge=1, le=5_000, validation_alias="LOAD_MAX_BATCHES")
    lease_ttl_s: int = Field(default=900, ge=60, le=3_600, validation_alias="LOAD_LEASE_TTL_S")

    def policy(self) -> BufferingPolicy:
        """The buffering policy these settings describe."""
        return BufferingPolicy(
            max_wait_s=self.max_wait_s, min_rows=self.min_rows, max_batches=self.max_batches
        )
