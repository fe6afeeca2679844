"""Settings of the upload-ingest function, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class UploadIngestSettings(BaseSettings):
    """Environment of the function (set by the CDK app)."""

    events_stream: str = Field(min_length=1, validation_alias="EVENTS_STREAM")
    quarantine_bucket: str = Field(min_length=3, validation_alias="QUARANTINE_BUCKET")
    publish_batch: int = Field(default=2_000, ge=1, le=50_000, validation_alias="PUBLISH_BATCH")
