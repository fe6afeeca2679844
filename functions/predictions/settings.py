"""Settings of the predictions function, validated once at cold start."""

from __future__ import annotations

import tempfile

from pydantic import Field
from pydantic_settings import BaseSettings


class PredictionsSettings(BaseSettings):
    """Environment set by the CDK app; the warehouse is CONCERT_WAREHOUSE_*."""

    models_bucket: str = Field(min_length=3, validation_alias="MODELS_BUCKET")
    registry_table: str = Field(min_length=3, validation_alias="REGISTRY_TABLE")
    refresh_s: float = Field(default=30.0, ge=0, validation_alias="MODEL_REFRESH_SECONDS")
    cache_dir: str = Field(
        default_factory=lambda: f"{tempfile.gettempdir()}/models", validation_alias="MODEL_CACHE_DIR"
    )
