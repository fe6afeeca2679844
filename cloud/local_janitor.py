"""Keeps the local cloud's memory bounded while it runs: what AWS expires, expired here too.

ministack writes one CloudWatch Logs stream per Lambda invocation and keeps every one in
memory (it records a retention policy but does not apply it). The janitor runs in the local
cloud's process (`python -m cloud.local_cloud_main`) and, once a minute, deletes the function
log streams whose last event is older than `keep_s` (default 30 minutes: enough for
`concert workflows`, a failure being read, the test suites), through the Logs API. Tables'
TTLs are turned on at deploy (`infra.deploy.apply_ttls`) and ministack expires those items.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

LOG_GROUP_PREFIX = "/aws/lambda/"
DEFAULT_KEEP_S = 30 * 60
SWEEP_EVERY_S = 60.0


def minutes_from_env(name: str, default_s: float, least_min: float) -> float:
    """Seconds from the environment variable `name`, given in minutes (at least `least_min`);
    `default_s` when it is unset or not a number."""
    raw = os.environ.get(name, "")
    try:
        return max(least_min, float(raw)) * 60 if raw else default_s
    except ValueError:
        return default_s


def keep_s_from_env() -> float:
    """How long function logs are kept locally (`CONCERT_LOCAL_LOG_KEEP_MIN`, minutes)."""
    return minutes_from_env("CONCERT_LOCAL_LOG_KEEP_MIN", DEFAULT_KEEP_S, 1.0)


def sweep_logs(logs: Any, *, keep_s: float, now_ms: int, prefix: str = LOG_GROUP_PREFIX) -> int:
    """Delete the log streams of `prefix` groups whose last event is older than `keep_s`;
    return how many. Streams are read oldest first, so the sweep stops at the first kept one."""
    cutoff = now_ms - int(keep_s * 1000)
    deleted = 0
    for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
        for group in page.get("logGroups", []):
            name = group["logGroupName"]
            while True:
                streams = logs.describe_log_streams(
                    logGroupName=name, orderBy="LastEventTime", descending=False, limit=50
                ).get("logStreams", [])
                old = [s for s in streams if _last(s) < cutoff]
                for s in old:
                    logs.delete_log_stream(logGroupName=name, logStreamName=s["logStreamName"])
                deleted += len(old)
                if len(old) < len(streams) or not old:
                    break
    return deleted


def _last(stream: dict[str, Any]) -> int:
    return int(stream.get("lastEventTimestamp") or stream.get("creationTime") or 0)


def run(endpoint_url: str, stop: threading.Event, *, keep_s: float, every_s: float = SWEEP_EVERY_S) -> None:
    """Sweep every `every_s` until `stop` is set; a sweep that fails (the cloud still starting,
    busy) is tried again at the next tick."""
    import boto3

    # The local cloud's process has the local credentials in its environment (LocalCloud.start).
    logs = boto3.client(
        "logs", endpoint_url=endpoint_url, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    )
    while not stop.wait(every_s):
        try:
            sweep_logs(logs, keep_s=keep_s, now_ms=int(time.time() * 1000))
        except Exception:  # noqa: S112 - housekeeping never stops the local cloud
            continue
