"""AWS clients are configured by the environment only: standard endpoint variables or LocalStack."""

from __future__ import annotations

import pytest
from botocore.exceptions import EndpointConnectionError

from cloud.clients import client, explain


def test_endpoint_comes_from_the_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCERT_TARGET", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:4999")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://localhost:5000")
    assert client("kinesis").meta.endpoint_url == "http://localhost:4999"
    assert client("s3").meta.endpoint_url == "http://localhost:5000"


def test_localstack_target_resolves_through_localstack_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCERT_TARGET", "localstack")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("LOCALSTACK_HOST", "localstack.internal:4577")
    assert client("kinesis").meta.endpoint_url == "http://localstack.internal:4577"


def test_unreachable_endpoint_is_explained_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://localhost:9")
    line = explain(EndpointConnectionError(endpoint_url="http://localhost:9"))
    assert "cannot reach http://localhost:9" in line and "concert up" in line and "\n" not in line
