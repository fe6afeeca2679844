"""The dashboard benchmark (`concert bench dashboard`), two measures side by side:

1. Event produced → value on screen, in a real browser (Playwright, Debian's Chromium): for
   each sample a small synthetic workload is put on the stream, and the time until the Live
   page's ticket count changes is taken from a MutationObserver in the page. Baseline in the
   same run: produced → the live aggregates table's total changing (polled every 20 ms), so
   the ratio shows what the stream → broadcaster → WebSocket → browser leg adds.
   Under load (`--load-rates`): the stream is fed at a steady rate for a while, the page's
   ticket count is recorded at each change, and each ticket's produced -> on screen delay is
   read from the two cumulative curves (tickets handed to the stream, tickets shown).
2. Each page's first view, as a user opens a link to it: a new tab loads the app on that page
   and the time until the page is complete is taken (the Analytics page's panels drawn, the
   Predictions page's ranking drawn, ...). The first visit of each page is reported apart: the
   functions behind it may be cold. Then `repeats` more visits, p50/p95.
3. WebSocket fan-out: N clients (100, then 1,000) connect with tickets and subscribe (the time
   until all have their snapshot is the local WebSocket API's connection throughput), then
   count the delta frames they receive while new events stream; reported as frames delivered
   per second and the delay from the broadcaster's send to each client's receipt, against the
   100-client run as baseline.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.ml import percentiles

PAGE_OBSERVER = """() => {
  window.__changes = [];
  const el = document.querySelector("[data-testid='live-tickets']");
  new MutationObserver(() => window.__changes.push([Date.now(), Number(el.dataset.value)]))
    .observe(el, {attributes: true, attributeFilter: ["data-value"]});
}"""


def summary(values: list[float]) -> dict[str, Any]:
    """Count, p50, p95 and max in milliseconds (no percentiles without values)."""
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    return {"n": len(values), **percentiles(values), "max_ms": round(max(values) * 1000, 1)}


@dataclass
class ScreenProbes:
    """What the screen-latency bench needs: publish one small workload (returns the send
    time), read the table's total, and the page's changes since a time."""

    publish: Callable[[int], float]
    table_total: Callable[[], int]
    page_changes: Callable[[], list[tuple[float, int]]]


def run_screen_latency(
    probes: ScreenProbes,
    samples: int,
    *,
    timeout_s: float = 30,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Per sample: seconds from send to the table's total changing and to the page's number changing."""
    to_table: list[float] = []
    to_screen: list[float] = []
    missed = 0
    for i in range(samples):
        before_table = probes.table_total()
        seen = len(probes.page_changes())
        sent = probes.publish(i)
        deadline = sent + timeout_s
        table_at = screen_at = None
        while time.time() < deadline and (table_at is None or screen_at is None):
            if table_at is None and probes.table_total() != before_table:
                table_at = time.time()
            changes = probes.page_changes()[seen:]
            if screen_at is None and changes:
                screen_at = changes[0][0]
            time.sleep(0.02)
        if table_at is None or screen_at is None:
            missed += 1
        else:
            to_table.append(table_at - sent)
            to_screen.append(screen_at - sent)
        if progress:
            progress(f"sample {i + 1}/{samples}: table {to_table[-1] if to_table else '-'} s, "
                     f"screen {to_screen[-1] if to_screen else '-'} s")  # fmt: skip
        time.sleep(1.0)  # let the previous sample's frames drain
    screen, table = summary(to_screen), summary(to_table)
    ratio = (screen["p50_ms"] / table["p50_ms"]) if screen["p50_ms"] and table["p50_ms"] else None
    return {"samples": samples, "missed": missed, "produced_to_screen": screen, "produced_to_table": table,
            "screen_vs_table_p50_ratio": round(ratio, 2) if ratio else None}  # fmt: skip


# Each page's first view is complete once this is on it, with data or saying there is none
# (the e2e tests wait on the same; an error shown is not complete).
FIRST_VIEW = {
    "live": "[data-testid='live-pipeline'] dl",
    "analytics": "[data-testid='analytics-took'][data-ms]",
    "predictions": "[data-testid='predictions-venues'] :is(svg, .empty)",
    "ops": "[data-testid='ops-executions'] :is(tbody tr, .empty)",
    "chat": "[data-testid='chat-examples'] button",
}


def run_first_views(
    visit: Callable[[str], tuple[float, bool]], repeats: int, *, progress: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Per page: the first visit's seconds (`visit(page)` opens it in a new tab and waits for its
    first view: seconds, and whether it was complete rather than an error shown or a timeout),
    then `repeats` visits' p50/p95 over the complete ones, and how many were not."""
    pages: dict[str, Any] = {}
    for name in FIRST_VIEW:
        first, first_ok = visit(name)
        again = [visit(name) for _ in range(repeats)]
        pages[name] = {
            "first_ms": round(first * 1000, 1) if first_ok else None,
            **summary([s for s, ok in again if ok]),
            "failed": sum(not ok for _, ok in [(first, first_ok), *again]),
        }
        if progress:
            shown = f"{first:.2f} s" if first_ok else "failed"
            progress(f"{name}: first view {shown}, then p50 {pages[name]['p50_ms']} ms")
    return pages


@dataclass
class LoadProbes:
    """What the under-load measure needs: production at a rate for a while, calling back
    (time, tickets handed to the stream so far) per accepted chunk and returning the tickets
    produced; the page's ticket count now; the page's changes (time, count) so far; and, to
    tell the legs apart, the live aggregates table's ticket total now (sampled every 100 ms
    meanwhile: produced -> table is the consumer's leg, the rest the broadcaster's, the
    WebSocket's and the page's)."""

    produce: Callable[[float, float, Callable[[float, int], None]], int]
    page_value: Callable[[], int]
    page_changes: Callable[[], list[tuple[float, int]]]
    table_value: Callable[[], int] | None = None


def run_screen_under_load(
    probes: LoadProbes, rate: float, seconds: float, *, drain_s: float = 120
) -> dict[str, Any]:
    """Produced -> on screen per ticket while the stream carries `rate` events/s."""
    from bench.load import live_delays

    base, seen = probes.page_value(), len(probes.page_changes())
    produced: list[tuple[float, int]] = []
    table = _TableSampler(probes.table_value)
    started = time.time()
    total = probes.produce(rate, seconds, lambda t, n: produced.append((t, n)))
    ended = time.time()
    deadline = ended + drain_s
    while time.time() < deadline and probes.page_value() - base < total:
        time.sleep(0.1)
    counted = table.stop()
    shown = [(t, v - base) for t, v in probes.page_changes()[seen:]]
    delays = live_delays(_merged(produced, shown, started))
    last = shown[-1][1] if shown else 0
    done = next((t for t, n in shown if n >= total), None)
    return {
        "rate": rate,
        "seconds": seconds,
        "tickets_per_s": round(total / max(1e-9, ended - started), 1),
        "tickets": total,
        "shown": last,
        "complete": last >= total,
        "screen_after_last_s": round(done - ended, 2) if done is not None else None,
        "produced_to_screen": summary(delays),
    } | ({"produced_to_table": summary(live_delays(_merged(produced, counted, started)))} if counted else {})


def _merged(
    produced: list[tuple[float, int]], seen: list[tuple[float, int]], started: float
) -> list[tuple[float, int, int]]:
    """The two cumulative curves as (time since start, produced, seen) samples."""
    samples: list[tuple[float, int, int]] = []
    p = c = 0
    for t, kind, n in sorted([(t, 0, n) for t, n in produced] + [(t, 1, n) for t, n in seen]):
        p, c = (n, c) if kind == 0 else (p, n)
        samples.append((t - started, p, c))
    return samples


class _TableSampler:
    """The table's total every 100 ms in a thread, as (time, count since the start)."""

    def __init__(self, read: Callable[[], int] | None) -> None:
        self.read, self.done = read, threading.Event()
        self.changes: list[tuple[float, int]] = []
        self.base = read() if read else 0
        self.thread = threading.Thread(target=self._run, daemon=True) if read else None
        if self.thread:
            self.thread.start()

    def _run(self) -> None:
        assert self.read is not None
        last = 0
        while not self.done.wait(0.1):
            try:
                value = self.read() - self.base
            except Exception:  # a failed read is a missed sample, not a failed bench
                continue
            if value != last:
                self.changes.append((time.time(), value))
                last = value

    def stop(self) -> list[tuple[float, int]]:
        """Stop sampling; the changes seen."""
        self.done.set()
        if self.thread:
            self.thread.join(timeout=5)
        return self.changes


async def _client(
    url: str, stop: asyncio.Event, ready: list[int], got: list[float], frames: list[int]
) -> bool:
    import websockets

    try:
        async with websockets.connect(url, open_timeout=300, max_queue=None) as ws:
            await ws.send(json.dumps({"action": "subscribe"}))
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                frame = json.loads(raw)
                if frame.get("type") == "snapshot":
                    ready[0] += 1
                elif frame.get("type") == "delta":
                    frames[0] += 1
                    got.append(time.time() - frame["sent_ms"] / 1000)
        return True
    except Exception:  # a refused or dropped client is counted, not fatal
        return False


async def _fan_out(
    urls: list[str], produce: Callable[[], float], timeout_s: float, progress: Callable[[str], None] | None
) -> dict[str, Any]:
    stop = asyncio.Event()
    delays: list[float] = []
    frames, ready = [0], [0]
    started = time.monotonic()
    tasks = [asyncio.create_task(_client(u, stop, ready, delays, frames)) for u in urls]
    # until every client has subscribed or given up (a refused client ends its task: not waited
    # for until the timeout)
    while ready[0] + sum(t.done() for t in tasks) < len(urls) and time.monotonic() - started < timeout_s:
        await asyncio.sleep(0.2)
    subscribe_s = time.monotonic() - started
    if progress:
        progress(f"{ready[0]}/{len(urls)} clients subscribed in {subscribe_s:.1f}s; streaming")
    frames[0] = 0
    delays.clear()
    window_start = time.monotonic()
    await asyncio.to_thread(produce)
    await asyncio.sleep(5)  # the last frames arrive
    window = time.monotonic() - window_start
    stop.set()
    connected = sum(await asyncio.gather(*tasks))
    return {
        "clients": len(urls),
        "connected": connected,
        "subscribed": ready[0],
        "subscribe_s": round(subscribe_s, 1),
        "frames_delivered": frames[0],
        "frames_per_s": round(frames[0] / window, 1),
        "frames_per_client": round(frames[0] / max(1, ready[0]), 1),
        "send_to_receipt": summary(delays),
    }


def run_fan_out(
    clients: list[int],
    ticket_url: Callable[[], str],
    produce: Callable[[int], float],
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fan-out at each client count (each run waits until every client has its snapshot, then
    produces new events); ratios against the first (the baseline)."""
    runs = []
    for i, n in enumerate(clients):
        urls = [ticket_url() for _ in range(n)]
        runs.append(
            asyncio.run(_fan_out(urls, functools.partial(produce, i), timeout_s=900, progress=progress))
        )
    base = runs[0]
    for r in runs:
        r["frames_per_s_vs_baseline"] = (
            round(r["frames_per_s"] / base["frames_per_s"], 2) if base["frames_per_s"] else None
        )
        p50, b50 = r["send_to_receipt"]["p50_ms"], base["send_to_receipt"]["p50_ms"]
        r["receipt_p50_vs_baseline"] = round(p50 / b50, 2) if p50 and b50 else None
    return {"runs": runs, "baseline_clients": clients[0]}
