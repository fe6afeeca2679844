"""What the local cloud's memory holds, by the code that allocated it: the largest allocation
sites (tracemalloc) with their size and count, and the calls that led there, written as JSON
every `every_s` seconds while it runs. Off unless `CONCERT_LOCAL_CLOUD_MEMORY` names a file
(`CONCERT_LOCAL_CLOUD_MEMORY_FRAMES`: how many calls deep, default 1); a diagnostic for the soak
(tracing slows the emulator), never on in a user's platform by default.
"""

from __future__ import annotations

import json
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

TOP = 40


def top_sites(snapshot: tracemalloc.Snapshot, top: int = TOP) -> list[dict[str, Any]]:
    """The `top` allocation sites by size: file:line, MB and blocks, and the calls that led
    there (innermost first) when more than one frame is traced."""
    out = []
    for stat in snapshot.statistics("traceback")[:top]:
        frames = [f"{f.filename}:{f.lineno}" for f in reversed(stat.traceback)]
        site = {"site": frames[0], "mb": round(stat.size / 2**20, 2), "blocks": stat.count}
        out.append(site | ({"calls": frames[1:]} if len(frames) > 1 else {}))
    return out


def _rss_bytes() -> int:
    """The process's resident memory (Linux: /proc/self/statm; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE")


def start(path: str, every_s: float = 30.0, frames: int = 1) -> threading.Event:
    """Trace allocations (`frames` deep) and write the top sites to `path` every `every_s`
    seconds (and once more when the returned event is set)."""
    tracemalloc.start(frames)
    stop = threading.Event()
    began = time.time()

    def write() -> None:
        own = tracemalloc.Filter(False, tracemalloc.__file__)
        snapshot = tracemalloc.take_snapshot().filter_traces([own])
        traced, peak = tracemalloc.get_traced_memory()
        doc = {
            "seconds": round(time.time() - began, 1),
            "traced_mb": round(traced / 2**20, 1),
            "peak_mb": round(peak / 2**20, 1),
            # what the process holds besides Python's live objects: the tracing's own tables,
            # and memory freed by Python but not given back (fragmentation), or held by C code
            "tracing_mb": round(tracemalloc.get_tracemalloc_memory() / 2**20, 1),
            "rss_mb": round(_rss_bytes() / 2**20, 1),
            "sites": top_sites(snapshot),
        }
        tmp = Path(f"{path}.tmp")
        tmp.write_text(json.dumps(doc, indent=1))
        tmp.replace(path)  # a reader never sees half a file

    def loop() -> None:
        while not stop.wait(every_s):
            write()
        write()

    threading.Thread(target=loop, name="concert-local-memory", daemon=True).start()
    return stop
