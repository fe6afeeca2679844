"""The local cloud's memory diagnostic names the code that holds the memory."""

from __future__ import annotations

import json
import threading
import tracemalloc
from pathlib import Path

from cloud.local_memory import start, top_sites


def _hold() -> list[bytes]:
    return [bytes(1000) for _ in range(2000)]


def test_the_largest_site_is_the_code_that_allocated_it_with_its_callers(tmp_path: Path) -> None:
    tracemalloc.start(3)
    try:
        held = _hold()
        sites = top_sites(tracemalloc.take_snapshot(), top=5)
    finally:
        tracemalloc.stop()
    assert len(held) == 2000
    first = sites[0]
    assert first["site"].endswith(f"test_local_memory.py:{_hold.__code__.co_firstlineno + 1}")
    assert first["mb"] >= 1.9 and first["blocks"] >= 2000
    assert any("test_local_memory.py" in c for c in first["calls"]), "the caller is named"


def test_the_diagnostic_writes_its_file_when_stopped(tmp_path: Path) -> None:
    out = tmp_path / "memory.json"
    stop = start(str(out), every_s=3600)
    try:
        stop.set()
        pause = threading.Event()
        for _ in range(200):  # the writer thread writes once more when stopped: wait for it, bounded
            if out.exists():
                break
            pause.wait(0.05)
    finally:
        tracemalloc.stop()
    doc = json.loads(out.read_text())
    assert {"seconds", "traced_mb", "peak_mb", "tracing_mb", "rss_mb", "sites"} <= set(doc)
    assert doc["rss_mb"] > doc["traced_mb"] >= 0  # the interpreter itself is resident, untraced
