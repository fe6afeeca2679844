"""The local cloud's S3 keeps the bytes of object versions on disk only.

The platform's buckets are versioned (`infra/stacks/secure.py`), and ministack keeps every
version's bytes in memory for as long as it runs, although with `S3_PERSIST` it also writes them
to disk (the current object's file, and a version file once another write or a delete displaces
it) and drops the current object's in-memory copy: every lake file, manifest and ledger row stayed
resident, ~0.3 KB per event at 1,000 events/s. Once patched, a version entry is recorded without
its bytes, as ministack itself restores one after a restart, and a read by version id finds them
where it then does: the version's file, or the current object's. Answers do not change (a
differential test compares the module as shipped and as patched).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def patch_s3(module: Any = None) -> bool:
    """Record object versions without their bytes (idempotent); False when the emulator does not
    persist S3 to disk (the bytes have nowhere else to be) or its module has changed."""
    if module is None:
        from ministack.services import s3  # type: ignore[import-untyped]

        module = s3
    if getattr(module, "concert_patched", False):
        return True
    if not getattr(module, "S3_PERSIST", False) or not callable(
        getattr(module, "_version_entry_from_record", None)
    ):
        return False
    entry: Callable[[dict[str, Any], str, Any], dict[str, Any]] = module._version_entry_from_record

    def without_bytes(obj: dict[str, Any], version_id: str, data: Any) -> dict[str, Any]:
        return entry(obj, version_id, None)

    module._version_entry_from_record = without_bytes
    module.concert_patched = True
    return True
