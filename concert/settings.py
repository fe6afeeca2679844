"""CLI settings: one pydantic settings model, read from CONCERT_* variables and validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.names import Names, default_environment, names_for, validate_environment

ROOT = Path(__file__).resolve().parent.parent


class CliSettings(BaseSettings):
    """Where the CLI keeps its state and which cloud it talks to."""

    model_config = SettingsConfigDict(env_prefix="CONCERT_", extra="ignore")

    target: Literal["local", "aws", "localstack"] = "local"
    # The environment (infra/environments.toml): `local` by default locally, `dev` on AWS.
    env: str | None = None
    data_dir: Path = ROOT / ".data"
    port: int = Field(default=4566, ge=1024, le=65535)
    warehouse_port: int | None = Field(default=None, ge=1024, le=65535)  # default: port + 1
    web_port: int | None = Field(default=None, ge=1024, le=65535)  # the dashboard; default: port + 2
    region: str = "us-east-1"
    deploy_timeout_s: float = Field(default=900.0, gt=0)

    @field_validator("env")
    @classmethod
    def _valid_environment(cls, value: str | None) -> str | None:
        return None if value is None else validate_environment(value)

    @property
    def environment(self) -> str:
        """The environment in force: `--env`/CONCERT_ENV, else the target's default."""
        return self.env or default_environment(self.target)

    @property
    def names(self) -> Names:
        """Every physical name of the environment (infra/names.py)."""
        return names_for(self.environment)
