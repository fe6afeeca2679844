"""The model registry table in the local cloud: the newest attempt whatever its status, never the
`CURRENT` pointer or the `TRAINING` claim (they sort after every version id)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cloud.clients import client
from ml.registry_table import RegistryTable
from ml.retraining import new_version
from tests.conftest import Platform


def test_latest_is_the_newest_version_of_any_status(aws_env: Platform) -> None:
    registry = RegistryTable(client("dynamodb"), aws_env.outputs["ModelRegistryTableName"])
    model = f"test-{uuid.uuid4().hex[:8]}"
    assert registry.latest(model) is None
    start = datetime(2026, 12, 1, tzinfo=UTC)
    promoted = {"model": model, "version": new_version(start), "status": "promoted", "data": {"sales": 10}}
    registry.register(promoted)
    assert registry.promote(promoted, None)
    assert registry.claim(model, "exec-2")
    rejected = {"model": model, "version": new_version(start + timedelta(hours=1)), "status": "rejected"}
    registry.register(rejected)
    assert registry.latest(model) == rejected
    failed = {"model": model, "version": new_version(start + timedelta(hours=2)), "status": "failed"}
    registry.register(failed)
    assert registry.latest(model) == failed
    assert registry.current(model) == promoted | {"status": "promoted"}
    assert [v["version"] for v in registry.versions(model)] == [
        promoted["version"],
        rejected["version"],
        failed["version"],
    ]
