"""The boto3 client factory of the CLI, the KCL worker, the deployer and the benchmarks.

The Lambda handlers in functions/ do not use it: they make their own clients with boto3 (the
Lambda runtime, or the local cloud, gives them their region, credentials and endpoint). Where
a client points is configuration only: botocore reads `AWS_ENDPOINT_URL` and
`AWS_ENDPOINT_URL_<SERVICE>` itself, so this module sets no endpoint of its own. With
`CONCERT_TARGET=localstack`, endpoints come from localstack-client instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=60,
    max_pool_connections=32,
)


class CloudUnreachable(RuntimeError):
    """The configured AWS endpoint (real or local) cannot be reached or refuses our credentials."""


@lru_cache(maxsize=1)
def session() -> boto3.session.Session:
    """The process-wide boto3 session (region from AWS_REGION / AWS_DEFAULT_REGION)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.session.Session(region_name=region)


def client(service: str) -> Any:
    """A boto3 client for `service`, configured only by the environment."""
    if os.environ.get("CONCERT_TARGET") == "localstack":
        import localstack_client.session as ls

        return ls.Session(region_name=session().region_name).client(service)
    return session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def endpoint_url() -> str:
    """The endpoint in force ('aws' when none is configured)."""
    return os.environ.get("AWS_ENDPOINT_URL", "aws")


def explain(err: Exception) -> str:
    """One actionable line for an AWS connectivity or credential failure."""
    where = endpoint_url()
    if isinstance(err, EndpointConnectionError):
        return (
            f"cannot reach {where}: is the local cloud running? Start it with `concert up` "
            "(or set AWS_ENDPOINT_URL to a running endpoint)."
        )
    if isinstance(err, NoCredentialsError):
        return "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "Error")
        msg = err.response.get("Error", {}).get("Message", "")
        return f"{where}: {code}: {msg}".strip()
    if isinstance(err, BotoCoreError):
        return f"{where}: {err}"
    return str(err)
