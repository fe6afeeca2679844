"""The local cloud's S3 patch changes what the emulator keeps in memory, not its answers: the same
requests to a versioned bucket (writes, overwrites, reads by version, a delete) through
ministack's S3 module as shipped and as patched give the same statuses and bytes, and the patched
one holds no version's bytes in memory."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cloud.local_s3 import patch_s3

BUCKET = "lake"


def _fresh_module(name: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A separate copy of ministack's S3 module persisting to `data_dir` (it reads both at import)."""
    import ministack.services.s3 as shipped  # type: ignore[import-untyped]

    monkeypatch.setenv("S3_PERSIST", "1")
    monkeypatch.setenv("S3_DATA_DIR", str(data_dir))
    spec = importlib.util.spec_from_file_location(name, shipped.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(module: ModuleType) -> list[tuple[int, bytes]]:
    async def call(method: str, path: str, body: bytes = b"", query: dict[str, Any] | None = None) -> Any:
        return await module.handle_request(method, path, {"host": "localhost"}, body, query or {})

    def version_ids(listing: bytes) -> list[str]:
        return re.findall(r"<VersionId>([^<]+)</VersionId>", listing.decode())

    async def scenario() -> list[tuple[int, bytes]]:
        answers: list[tuple[int, bytes]] = []
        await call("PUT", f"/{BUCKET}")
        versioning = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
        status, _, _ = await call("PUT", f"/{BUCKET}", versioning, {"versioning": [""]})
        answers.append((status, b""))
        for body in (b"first", b"second", b"third"):
            status, _, _ = await call("PUT", f"/{BUCKET}/raw/part-0.parquet", body)
            answers.append((status, b""))
        status, _, got = await call("GET", f"/{BUCKET}/raw/part-0.parquet")
        answers.append((status, got))
        _, _, listing = await call("GET", f"/{BUCKET}", query={"versions": [""]})
        ids = version_ids(listing)
        answers.append((len(ids), b""))
        for vid in ids:  # newest first: third, second, first
            status, _, got = await call("GET", f"/{BUCKET}/raw/part-0.parquet", query={"versionId": [vid]})
            answers.append((status, got))
        status, _, _ = await call("DELETE", f"/{BUCKET}/raw/part-0.parquet")
        answers.append((status, b""))
        status, _, _ = await call("GET", f"/{BUCKET}/raw/part-0.parquet")
        answers.append((status, b""))
        for vid in ids:  # every version still readable behind the delete marker
            status, _, got = await call("GET", f"/{BUCKET}/raw/part-0.parquet", query={"versionId": [vid]})
            answers.append((status, got))
        return answers

    return asyncio.run(scenario())


def test_the_patched_emulator_answers_as_the_shipped_one_and_keeps_no_version_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = _fresh_module("s3_shipped", tmp_path / "shipped", monkeypatch)
    patched = _fresh_module("s3_patched", tmp_path / "patched", monkeypatch)
    assert patch_s3(patched) and patch_s3(patched), "idempotent"
    expected, got = _run(shipped), _run(patched)
    assert got == expected
    assert [b for _, b in expected if b] == [
        b"third",
        b"third",
        b"second",
        b"first",
        b"third",
        b"second",
        b"first",
    ]
    assert expected[-5] == (204, b"") and expected[-4][0] == 404
    held = [v.get("data") for vs in patched._object_versions._data.values() for v in vs]
    assert held and all(data is None for data in held)
    assert any(v.get("data") for vs in shipped._object_versions._data.values() for v in vs)


def test_without_persistence_the_bytes_stay_in_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    module = _fresh_module("s3_memory", tmp_path, monkeypatch)
    monkeypatch.setattr(module, "S3_PERSIST", False)
    assert not patch_s3(module) and not getattr(module, "concert_patched", False)
