"""The local janitor: function log streams older than the window are deleted, newer ones kept."""

from __future__ import annotations

from typing import Any

import pytest

from cloud.local_janitor import keep_s_from_env, sweep_logs


class Logs:
    """The Logs API's shape for the calls the janitor makes (50 streams a page, oldest first)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = {g: {f"s{i}": t for i, t in enumerate(ts)} for g, ts in groups.items()}
        self.deleted: list[tuple[str, str]] = []

    def get_paginator(self, name: str) -> Any:
        assert name == "describe_log_groups"
        logs = self

        class Pages:
            def paginate(self, logGroupNamePrefix: str) -> list[dict[str, Any]]:
                names = [g for g in logs.groups if g.startswith(logGroupNamePrefix)]
                return [{"logGroups": [{"logGroupName": g} for g in names]}]

        return Pages()

    def describe_log_streams(self, logGroupName: str, **kw: Any) -> dict[str, Any]:
        assert kw == {"orderBy": "LastEventTime", "descending": False, "limit": 50}
        streams = sorted(self.groups[logGroupName].items(), key=lambda s: s[1])[:50]
        return {"logStreams": [{"logStreamName": n, "lastEventTimestamp": t} for n, t in streams]}

    def delete_log_stream(self, logGroupName: str, logStreamName: str) -> None:
        del self.groups[logGroupName][logStreamName]
        self.deleted.append((logGroupName, logStreamName))


def test_old_function_log_streams_go_and_recent_ones_stay() -> None:
    now = 10_000_000
    logs = Logs(
        {
            "/aws/lambda/concert-live-aggregates": [now - 3_600_000 + i for i in range(120)] + [now - 1000],
            "/aws/lambda/concert-etl-plan": [now - 10, now - 20],
            "/concert/other": [0, 1],  # not a function's group: never touched
        }
    )
    assert sweep_logs(logs, keep_s=1800, now_ms=now) == 120  # three pages of old streams
    assert list(logs.groups["/aws/lambda/concert-live-aggregates"].values()) == [now - 1000]
    assert len(logs.groups["/aws/lambda/concert-etl-plan"]) == 2 and len(logs.groups["/concert/other"]) == 2
    assert sweep_logs(logs, keep_s=1800, now_ms=now) == 0


def test_the_window_comes_from_the_environment_with_a_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCERT_LOCAL_LOG_KEEP_MIN", "5")
    assert keep_s_from_env() == 300
    monkeypatch.setenv("CONCERT_LOCAL_LOG_KEEP_MIN", "0")
    assert keep_s_from_env() == 60
    monkeypatch.setenv("CONCERT_LOCAL_LOG_KEEP_MIN", "soon")
    assert keep_s_from_env() == 1800
