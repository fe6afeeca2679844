"""Model artifacts and training channels in S3, laid out as SageMaker does:
`models/<model>/<version>/input/train/` for the channel and a `model.tar.gz` for the model."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def parse_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// URI."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


class ArtifactBucket:
    """Uploads and downloads channels and model archives through a boto3 S3 client."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def prefix(self, model: str, version: str) -> str:
        """The S3 URI under which a version's channel and artifact live."""
        return f"s3://{self.bucket}/models/{model}/{version}"

    def upload_dir(self, directory: Path, uri: str) -> str:
        """Copy every file of `directory` under `uri`; return `uri`."""
        bucket, key = parse_uri(uri)
        for path in sorted(directory.iterdir()):
            self.client.put_object(
                Bucket=bucket, Key=f"{key.rstrip('/')}/{path.name}", Body=path.read_bytes()
            )
        return uri

    def download_dir(self, uri: str, directory: Path) -> Path:
        """Copy every object under `uri` into `directory`."""
        bucket, key = parse_uri(uri)
        directory.mkdir(parents=True, exist_ok=True)
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key.rstrip("/") + "/"
        ):
            for obj in page.get("Contents", []):
                body = self.client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                (directory / obj["Key"].rsplit("/", 1)[-1]).write_bytes(body)
        return directory

    def upload_model(self, model_dir: Path, uri: str) -> str:
        """Archive `model_dir` as model.tar.gz at `uri` (what SageMaker writes); return `uri`."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for path in sorted(model_dir.iterdir()):
                tar.add(path, arcname=path.name)
        bucket, key = parse_uri(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=buf.getvalue())
        return uri

    def download_model(self, uri: str, directory: Path) -> Path:
        """Extract a model.tar.gz into `directory`."""
        bucket, key = parse_uri(uri)
        body = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        directory.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
            tar.extractall(directory, filter="data")
        return directory
