"""The lake's objects as the ETL tasks read and write them (S3)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")
R = TypeVar("R")


def each(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`fn` over the items, 16 at a time (S3 calls wait on the network, not the CPU), in order."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(fn, items))


class LakeObjects:
    """Reads and writes whole objects of any bucket through one S3 client."""

    def __init__(self, s3: S3Client) -> None:
        self.s3 = s3

    def read(self, bucket: str, key: str) -> bytes:
        """An object's bytes."""
        return bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def read_or_none(self, bucket: str, key: str) -> bytes | None:
        """An object's bytes, None when it is missing."""
        try:
            return self.read(bucket, key)
        except ClientError:
            return None

    def write(self, bucket: str, key: str, body: bytes) -> None:
        """Put an object."""
        self.s3.put_object(Bucket=bucket, Key=key, Body=body)

    def write_json(self, bucket: str, key: str, doc: Any) -> None:
        """Put a JSON document."""
        self.s3.put_object(
            Bucket=bucket, Key=key, Body=json.dumps(doc).encode(), ContentType="application/json"
        )
