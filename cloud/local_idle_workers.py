"""Idle Lambda execution environments retired locally, as AWS retires them.

ministack runs each function in a warm subprocess and keeps the first one of every function
forever (its own reaper retires only the surplus a burst left). The retraining's steps import
scikit-learn and hold a training's data: between trainings the platform's workers held ~2.0 GB,
the training steps' among them, while on AWS an idle environment is reclaimed after some
minutes and costs nothing (with this sweep: ~1.3 GB between trainings in a soak). Here every
worker idle longer than `idle_s` is retired, the first of its function's too (default 5
minutes, `CONCERT_LOCAL_LAMBDA_IDLE_MIN`: the window ministack gives surplus workers and warm
containers); the next invocation starts cold, as on AWS. A worker running an invocation is
never retired.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping
from typing import Any

from cloud.local_janitor import minutes_from_env

DEFAULT_IDLE_S = 5 * 60
SWEEP_EVERY_S = 30.0


def idle_s_from_env() -> float:
    """How long an idle Lambda worker lives locally (`CONCERT_LOCAL_LAMBDA_IDLE_MIN`, minutes)."""
    return minutes_from_env("CONCERT_LOCAL_LAMBDA_IDLE_MIN", DEFAULT_IDLE_S, 0.1)


def retire_idle(
    pools: MutableMapping[str, list[Any]],
    lock: threading.Lock,
    kill: Callable[[list[Any]], None],
    *,
    idle_s: float,
    now: float,
) -> int:
    """Take every worker idle longer than `idle_s` out of its function's pool (a pool left
    empty is dropped), then kill them outside the lock; return how many."""
    retired: list[Any] = []
    with lock:
        for key, workers in list(pools.items()):
            kept = [w for w in workers if w.in_use or now - w.last_used < idle_s]
            retired.extend(w for w in workers if w not in kept)
            if kept:
                pools[key] = kept
            else:
                del pools[key]
    if retired:
        kill(retired)
    return len(retired)


def run(stop: threading.Event, *, idle_s: float, every_s: float = SWEEP_EVERY_S) -> None:
    """Retire ministack's idle workers every `every_s` until `stop` is set (in the local
    cloud's process; a sweep that fails is tried again at the next tick)."""
    import time

    from ministack.core import lambda_runtime  # type: ignore[import-untyped]

    while not stop.wait(every_s):
        try:
            retire_idle(
                lambda_runtime._workers, lambda_runtime._lock, lambda_runtime.kill_workers,
                idle_s=idle_s, now=time.time(),
            )  # fmt: skip
        except Exception:  # noqa: S112 - housekeeping never stops the local cloud
            continue
