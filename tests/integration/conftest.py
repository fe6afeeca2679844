"""Integration tests run against the real local cloud (see the `platform` fixture)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.conftest import Platform


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def aws_env(platform: Platform) -> Iterator[Platform]:
    """Point boto3 at the platform for the duration of one test."""
    saved = dict(os.environ)
    os.environ.update(platform.env)
    yield platform
    os.environ.clear()
    os.environ.update(saved)
