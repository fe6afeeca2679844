"""The retraining functions' settings: the interval and the niceness read once per container."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from functions.retrain import settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    for key, value in {
        "MODELS_BUCKET": "models",
        "REGISTRY_TABLE": "registry",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",  # pragma: allowlist secret
    }.items():
        monkeypatch.setenv(key, value)
    calls: list[int] = []
    monkeypatch.setattr(os, "nice", calls.append)
    settings.parts.cache_clear()
    yield calls
    settings.parts.cache_clear()


def test_training_yields_the_cpu_once_per_container_and_waits_its_interval(
    env: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETRAIN_MIN_INTERVAL_MIN", "30")
    parts = settings.parts()
    assert settings.parts() is parts and env == [10], "niceness 10 by default, set once"
    assert parts.policy.min_interval_s == 1800


def test_niceness_zero_leaves_the_priority_alone(env: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETRAIN_NICENESS", "0")
    settings.parts()
    assert env == []
