"""Settings of the upload-ingest function, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class UploadIngestSettings(BaseSettings):
    """Environment of the function (set by the CDK app)."""

    events_stream: str = Field(min_length=1, validation_alias="EVENTS_STREAM")
    quarantine_bucket: str = Field(min_length=3, validation_alias="QUARANTINE_BUCKET")
