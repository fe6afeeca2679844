"""Settings of the chat functions, validated once at cold start (one model per function)."""

from __future__ import annotations

import tempfile
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings


class PlanSettings(BaseSettings):
    """The planner: deterministic (default) or Bedrock (with a model id)."""

    sessions_table: str = Field(min_length=3, validation_alias="SESSIONS_TABLE")
    planner: Literal["deterministic", "bedrock"] = Field(
        default="deterministic", validation_alias="CHAT_PLANNER"
    )
    bedrock_model_id: str | None = Field(default=None, validation_alias="BEDROCK_MODEL_ID")
    vocabulary_refresh_s: float = Field(default=30.0, ge=0, validation_alias="VOCABULARY_REFRESH_SECONDS")

    @model_validator(mode="after")
    def _model_for_bedrock(self) -> PlanSettings:
        if self.planner == "bedrock" and not self.bedrock_model_id:
            raise ValueError("CHAT_PLANNER=bedrock needs BEDROCK_MODEL_ID")
        return self


class ToolSettings(BaseSettings):
    """The tools: the models for predictions, the workflows for pipeline status."""

    models_bucket: str = Field(min_length=3, validation_alias="MODELS_BUCKET")
    registry_table: str = Field(min_length=3, validation_alias="REGISTRY_TABLE")
    # JSON in the environment (the CDK app's); read as such by pydantic-settings
    pipeline_machines: dict[str, str] = Field(
        default_factory=dict, validation_alias="PIPELINE_STATE_MACHINES"
    )
    dead_letter_queues: tuple[str, ...] = Field(default=(), validation_alias="DEAD_LETTER_QUEUES")
    refresh_s: float = Field(default=30.0, ge=0, validation_alias="MODEL_REFRESH_SECONDS")
    cache_dir: str = Field(
        default_factory=lambda: f"{tempfile.gettempdir()}/models", validation_alias="MODEL_CACHE_DIR"
    )


class AnswerSettings(BaseSettings):
    """Where the conversation is remembered."""

    sessions_table: str = Field(min_length=3, validation_alias="SESSIONS_TABLE")


class ApiSettings(BaseSettings):
    """The chat workflow the API starts and how long it waits for the answer."""

    state_machine_arn: str = Field(pattern=r"^arn:", validation_alias="CHAT_STATE_MACHINE_ARN")
    sessions_table: str = Field(min_length=3, validation_alias="SESSIONS_TABLE")
    wait_s: float = Field(default=25.0, gt=0, le=28, validation_alias="CHAT_WAIT_SECONDS")
