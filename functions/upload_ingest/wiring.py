"""The upload-ingest function's adapters, built once per container: S3 (the uploads and the
reports) and the stream's publisher. The handler calls `parts()` at invocation; tests replace
`parts`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3

from functions.upload_ingest.settings import UploadIngestSettings
from producers.publisher import KinesisPublisher

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Parts:
    """What the handler talks to."""

    settings: UploadIngestSettings
    s3: S3Client
    publisher: KinesisPublisher


@lru_cache(maxsize=1)
def parts() -> Parts:
    """The settings, validated, and the adapters (first call of a container)."""
    settings = UploadIngestSettings()
    publisher = KinesisPublisher(settings.events_stream, boto3.client("kinesis"))
    return Parts(settings, boto3.client("s3"), publisher)
