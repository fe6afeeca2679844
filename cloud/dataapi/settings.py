"""Limits of the local Data API endpoint (CONCERT_DATAAPI_* variables), safe by default.

Every statement runs under the policy of who sends it: the chat's reader (the Data API's
`DbUser` is one of `chat_users`, as the chat's IAM role maps to the `chat_reader` database
role on AWS) or anyone else (the operator, the loads). Nested values are set with `__`, e.g.
`CONCERT_DATAAPI_CHAT__STATEMENT_TIMEOUT_S=10`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CHAT_READER = "chat_reader"  # infra/names.py CHAT_READER_DB_ROLE
MB = 2**20


class Policy(BaseModel):
    """What one identity's statements may use."""

    statement_timeout_s: float = Field(gt=0)
    operator_memory: str = Field(description="DuckDB operator_memory_limit: sorts, hash tables")
    workers: int = Field(ge=1, le=16, description="statements of this policy that run at once")
    max_result_bytes: int = Field(gt=0)
    may_write: bool


class OperatorPolicy(Policy):
    """Everyone but the chat: operators' queries and the loads."""

    statement_timeout_s: float = Field(default=300, gt=0)
    operator_memory: str = "1GB"
    workers: int = Field(default=4, ge=1, le=16)
    max_result_bytes: int = Field(default=100 * MB, gt=0)  # the Data API's own limit
    may_write: bool = True


class ChatPolicy(Policy):
    """The chat's reader: short, small and read-only (its database role may only SELECT)."""

    statement_timeout_s: float = Field(default=30, gt=0)
    operator_memory: str = "256MB"
    workers: int = Field(default=2, ge=1, le=16)
    max_result_bytes: int = Field(default=10 * MB, gt=0)
    may_write: bool = False


class EndpointSettings(BaseSettings):
    """The engine's limits: DuckDB's for the whole database, and one policy per identity."""

    model_config = SettingsConfigDict(
        env_prefix="CONCERT_DATAAPI_", env_nested_delimiter="__", extra="ignore"
    )

    memory_limit: str = "2GB"
    threads: int = Field(default=2, ge=1)
    temp_directory: str | None = Field(default=None, description="default: next to the database file")
    max_temp_directory_size: str = "4GB"
    rss_limit_mb: int = Field(default=4096, gt=0, description="process size that stops queries")
    kept_result_mb: int = Field(default=256, gt=0, description="results kept for GetStatementResult, in all")
    kept_statements: int = Field(
        default=10_000, gt=0, description="ended statements kept for DescribeStatement and ListStatements"
    )
    watch_interval_s: float = Field(default=0.05, gt=0)
    abandon_after_s: float = Field(
        default=10.0, gt=0, description="a query that ignores its interrupts this long is ended"
    )
    chat_users: frozenset[str] = frozenset({CHAT_READER})
    operator: OperatorPolicy = OperatorPolicy()
    chat: ChatPolicy = ChatPolicy()

    def policy_name(self, db_user: str | None) -> str:
        """`chat` for the chat's reader, `operator` for everyone else."""
        return "chat" if db_user in self.chat_users else "operator"

    def policy(self, name: str) -> Policy:
        """The policy called `name`."""
        return self.chat if name == "chat" else self.operator
