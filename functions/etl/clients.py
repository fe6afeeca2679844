"""The ETL tasks' clients, wired once per cold start: the lake (S3), the warehouse, the ledger."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import boto3
from botocore.exceptions import ClientError

from consumers.etl.landing_ledger import LandingLedger
from consumers.warehouse.client import DataApiWarehouse
from functions.etl.settings import EtlSettings

settings = EtlSettings()
s3 = boto3.client("s3")
warehouse = DataApiWarehouse(boto3.client("redshift-data"))
ledger = LandingLedger(s3, settings.lake_bucket)


T = TypeVar("T")
R = TypeVar("R")


def each(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`fn` over the items, 16 at a time (S3 calls wait on the network, not the CPU), in order."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(fn, items))


def read(bucket: str, key: str) -> bytes:
    """An object's bytes."""
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def read_or_none(bucket: str, key: str) -> bytes | None:
    """An object's bytes, None when it is missing."""
    try:
        return read(bucket, key)
    except ClientError:
        return None


def size_of(bucket: str, key: str) -> int | None:
    """An object's size, None when it is missing."""
    try:
        return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    except ClientError:
        return None


def write_json(bucket: str, key: str, doc: Any) -> None:
    """Put a JSON document."""
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(doc).encode(), ContentType="application/json")
