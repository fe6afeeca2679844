"""Token bucket with a fake clock."""

from __future__ import annotations

import pytest

from producers.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(10, burst=5, clock=clock)
    assert [bucket.reserve() for _ in range(5)] == [0.0] * 5
    assert bucket.reserve() == pytest.approx(0.1)
    assert bucket.reserve() == pytest.approx(0.2)
    clock.t += 1.0
    assert bucket.reserve() == 0.0


def test_long_run_rate_is_bounded() -> None:
    clock = Clock()
    bucket = TokenBucket(100, burst=10, clock=clock)
    waited = 0.0
    for _ in range(1_000):
        w = bucket.reserve()
        clock.t += w
        waited += w
    assert clock.t == pytest.approx((1_000 - 10) / 100, rel=1e-6)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)
    with pytest.raises(ValueError, match="at once"):
        TokenBucket(1, burst=2).reserve(3)
