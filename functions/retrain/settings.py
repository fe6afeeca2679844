"""Settings of the retraining task functions, validated once at cold start."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

import boto3
from pydantic import Field
from pydantic_settings import BaseSettings

from consumers.warehouse.client import DataApiWarehouse
from ml.artifact_bucket import ArtifactBucket
from ml.drift import Policy
from ml.registry_table import RegistryTable
from ml.retraining import Parts


class RetrainSettings(BaseSettings):
    """Environment set by the CDK app; the warehouse is CONCERT_WAREHOUSE_*."""

    models_bucket: str = Field(min_length=3, validation_alias="MODELS_BUCKET")
    registry_table: str = Field(min_length=3, validation_alias="REGISTRY_TABLE")
    code_version: str = Field(default="unknown", validation_alias="CODE_VERSION")
    trainer: Literal["lambda", "sagemaker"] = Field(default="lambda", validation_alias="TRAINER")
    # SageMaker training jobs are `<prefix><model>-<version>`: the environment's prefix, set by the
    # CDK app (infra/names.py); its IAM policy allows only those names.
    job_prefix: str = Field(default="", validation_alias="TRAINING_JOB_PREFIX")
    min_sales: int = Field(default=5000, ge=1, validation_alias="RETRAIN_MIN_SALES")
    growth: float = Field(default=0.5, gt=0, validation_alias="RETRAIN_GROWTH")
    psi_threshold: float = Field(default=0.2, gt=0, validation_alias="RETRAIN_PSI_THRESHOLD")
    min_interval_min: float = Field(default=15.0, ge=0, validation_alias="RETRAIN_MIN_INTERVAL_MIN")
    # Training is background work: where it shares a host's cores with the stream's consumers (the
    # embedded default), it yields them. On Lambda each function has its own cores: no effect.
    niceness: int = Field(default=10, ge=0, le=19, validation_alias="RETRAIN_NICENESS")


@lru_cache(maxsize=1)
def parts() -> Parts:
    """The adapters of the steps, built once per container."""
    s = RetrainSettings()
    if s.niceness:
        os.nice(s.niceness)
    return Parts(
        warehouse=DataApiWarehouse(boto3.client("redshift-data")),
        registry=RegistryTable(boto3.client("dynamodb"), s.registry_table),
        bucket=ArtifactBucket(boto3.client("s3"), s.models_bucket),
        code_version=s.code_version,
        trainer=s.trainer,
        job_prefix=s.job_prefix,
        policy=Policy(
            min_sales=s.min_sales,
            growth=s.growth,
            psi_threshold=s.psi_threshold,
            min_interval_s=s.min_interval_min * 60,
        ),
    )
