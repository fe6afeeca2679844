"""The compaction tasks' adapters, built once per container: the lake (S3) and the warehouse's
load ledger. Handlers call `parts()` at invocation; tests replace `parts`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3

from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.ports import LoadedBatches
from functions.compaction.settings import CompactionSettings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Parts:
    """What the compaction tasks talk to."""

    settings: CompactionSettings
    s3: S3Client
    warehouse: LoadedBatches


@lru_cache(maxsize=1)
def parts() -> Parts:
    """The settings, validated, and the adapters (first call of a container)."""
    return Parts(CompactionSettings(), boto3.client("s3"), DataApiWarehouse(boto3.client("redshift-data")))
