"""The chat functions' adapters, built once per container, one set per function kind (each is
deployed with its own environment): the plan step's, the answer step's, the API's and the tool
steps'. Handlers call their `*_parts()` at invocation; tests replace them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from chat.session_table import SessionTable
from chat.vocabulary import Vocabulary
from consumers.step_functions import StepFunctions
from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.ports import Queries
from functions.chat.settings import AnswerSettings, ApiSettings, PlanSettings, ToolSettings

if TYPE_CHECKING:  # the serving modules import scikit-learn: loaded on first use
    from mypy_boto3_sqs import SQSClient

    from chat.bedrock_planner import Converse
    from consumers.pipeline_health import Alarms
    from ml.serving_queries import ModelCache, ServingRows


@dataclass
class PlanParts:
    """The plan step's: the warehouse (its vocabulary, kept until it is stale), the sessions and,
    with the Bedrock planner, its client."""

    settings: PlanSettings
    warehouse: Queries
    sessions: SessionTable
    bedrock: Converse | None = None  # a bedrock-runtime client
    vocabulary: tuple[float, Vocabulary] | None = None  # (read at, monotonic seconds; the names)


@lru_cache(maxsize=1)
def plan_parts() -> PlanParts:
    """The plan step's settings, validated, and its adapters."""
    settings = PlanSettings()
    bedrock = boto3.client("bedrock-runtime") if settings.planner == "bedrock" else None
    sessions = SessionTable(boto3.client("dynamodb"), settings.sessions_table)
    return PlanParts(settings, DataApiWarehouse(boto3.client("redshift-data")), sessions, bedrock)


@dataclass(frozen=True)
class AnswerParts:
    """The answer step's: where conversations are remembered."""

    sessions: SessionTable


@lru_cache(maxsize=1)
def answer_parts() -> AnswerParts:
    """The answer step's settings, validated, and its adapters."""
    return AnswerParts(SessionTable(boto3.client("dynamodb"), AnswerSettings().sessions_table))


@dataclass(frozen=True)
class ApiParts:
    """The chat routes': the workflow they start and the sessions they read."""

    settings: ApiSettings
    sfn: StepFunctions
    sessions: SessionTable


@lru_cache(maxsize=1)
def api_parts() -> ApiParts:
    """The chat routes' settings, validated, and their adapters."""
    settings = ApiSettings()
    sessions = SessionTable(boto3.client("dynamodb"), settings.sessions_table)
    return ApiParts(settings, boto3.client("stepfunctions"), sessions)


@dataclass(frozen=True)
class ToolParts:
    """The tool steps': the warehouse, and what the pipeline's status reads (clients of SQS,
    Step Functions and CloudWatch, the machines and queues to look at)."""

    settings: ToolSettings
    warehouse: Queries
    sqs: SQSClient
    sfn: StepFunctions
    cloudwatch: Alarms


@lru_cache(maxsize=1)
def tool_parts() -> ToolParts:
    """The tool steps' settings, validated, and their adapters."""
    return ToolParts(
        ToolSettings(),
        DataApiWarehouse(boto3.client("redshift-data")),
        boto3.client("sqs"),
        boto3.client("stepfunctions"),
        boto3.client("cloudwatch"),
    )


@lru_cache(maxsize=1)
def serving() -> tuple[ModelCache, ServingRows]:
    """The tool steps' model cache and serving rows (imported on first use: scikit-learn is heavy)."""
    from ml.artifact_bucket import ArtifactBucket
    from ml.registry_table import RegistryTable
    from ml.serving_queries import ModelCache, ServingRows

    parts = tool_parts()
    models = ModelCache(
        RegistryTable(boto3.client("dynamodb"), parts.settings.registry_table),
        ArtifactBucket(boto3.client("s3"), parts.settings.models_bucket),
        Path(parts.settings.cache_dir),
        parts.settings.refresh_s,
    )
    return models, ServingRows(parts.warehouse)
