"""Settings of the compaction tasks, validated once at cold start."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class CompactionSettings(BaseSettings):
    """Environment of the compaction tasks (set by the CDK app)."""

    min_files: int = Field(default=24, ge=2, validation_alias="COMPACT_MIN_FILES")
