"""Idle Lambda workers retired locally as AWS retires idle environments: past the idle window
every worker goes (a function's first one too), a busy one never."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from cloud.local_idle_workers import DEFAULT_IDLE_S, idle_s_from_env, retire_idle


@dataclass(eq=False)
class Worker:
    name: str
    last_used: float
    in_use: bool = False


def test_idle_workers_go_and_busy_or_recent_ones_stay() -> None:
    train, busy, recent = Worker("train", 0.0), Worker("busy", 0.0, in_use=True), Worker("recent", 950.0)
    pools = {"retrain-train": [train], "live": [busy, recent, Worker("surplus", 10.0)]}
    lock, killed_under_lock = threading.Lock(), []

    def kill(workers: list[Worker]) -> None:
        killed_under_lock.append(lock.locked())
        killed.extend(w.name for w in workers)

    killed: list[str] = []
    assert retire_idle(pools, lock, kill, idle_s=600, now=1000.0) == 2
    assert sorted(killed) == ["surplus", "train"] and killed_under_lock == [False]
    assert pools == {"live": [busy, recent]}, "a pool left empty is dropped; the next call starts cold"


def test_nothing_idle_kills_nothing() -> None:
    calls: list[list[Worker]] = []
    pools = {"f": [Worker("a", 990.0)]}
    assert retire_idle(pools, threading.Lock(), calls.append, idle_s=600, now=1000.0) == 0
    assert calls == [] and len(pools["f"]) == 1


@pytest.mark.parametrize(
    ("raw", "expected"), [("", DEFAULT_IDLE_S), ("2", 120.0), ("soon", DEFAULT_IDLE_S), ("0", 6.0)]
)
def test_the_idle_window_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: float
) -> None:
    monkeypatch.setenv("CONCERT_LOCAL_LAMBDA_IDLE_MIN", raw)
    assert idle_s_from_env() == expected
