"""The predictions routes' adapters, built once per container: the model registry, the
promoted models' cache and the warehouse's serving rows. Routes call `parts()` at invocation;
tests replace `parts`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import boto3

from consumers.warehouse.client import DataApiWarehouse
from functions.predictions.settings import PredictionsSettings
from ml.artifact_bucket import ArtifactBucket
from ml.registry_table import Registry, RegistryTable
from ml.serving_queries import ModelCache, ServingRows


@dataclass(frozen=True)
class Parts:
    """What the routes talk to."""

    registry: Registry
    models: ModelCache
    rows: ServingRows


@lru_cache(maxsize=1)
def parts() -> Parts:
    """The settings, validated, and the adapters (first call of a container)."""
    settings = PredictionsSettings()
    registry = RegistryTable(boto3.client("dynamodb"), settings.registry_table)
    bucket = ArtifactBucket(boto3.client("s3"), settings.models_bucket)
    models = ModelCache(registry, bucket, Path(settings.cache_dir), settings.refresh_s)
    return Parts(registry, models, ServingRows(DataApiWarehouse(boto3.client("redshift-data"))))
